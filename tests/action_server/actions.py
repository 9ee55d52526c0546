"""Custom actions (our own) for formbot, reminderbot and the form-switching test bot.

Loaded by ``python -m rasa_sdk --actions tests.action_server.actions``.
"""
from __future__ import annotations

import datetime
import os
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ReminderCancelled, ReminderScheduled, SlotSet
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.executor import CollectingDispatcher

CUISINES = ("afghan", "chinese", "greek", "indian", "italian", "thai", "mexican")

def reminder_delay() -> float:
    """Seconds until a reminder fires (``PARLEY_TEST_REMINDER_DELAY``, default 1)."""
    return float(os.environ.get("PARLEY_TEST_REMINDER_DELAY", "1"))


class ValidateRestaurantForm(FormValidationAction):
    """Checks formbot's restaurant form slots."""

    def name(self) -> str:
        return "validate_restaurant_form"

    def validate_cuisine(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> dict:
        if isinstance(value, str) and value.lower() in CUISINES:
            return {"cuisine": value.lower()}
        dispatcher.utter_message(response="utter_wrong_cuisine")
        return {"cuisine": None}

    def validate_num_people(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> dict:
        try:
            number = int(float(value))
        except (TypeError, ValueError):
            number = 0
        if number > 0:
            return {"num_people": number}
        dispatcher.utter_message(response="utter_wrong_num_people")
        return {"num_people": None}

    def validate_outdoor_seating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict:
        if isinstance(value, bool):
            return {"outdoor_seating": value}
        if isinstance(value, str) and value.lower() in ("out", "outdoors", "outside"):
            return {"outdoor_seating": True}
        if isinstance(value, str) and value.lower() in ("in", "indoors", "inside"):
            return {"outdoor_seating": False}
        dispatcher.utter_message(response="utter_wrong_outdoor_seating")
        return {"outdoor_seating": None}


class ActionSetReminder(Action):
    """Schedules ``EXTERNAL_reminder`` a moment from now."""

    def name(self) -> str:
        return "action_set_reminder"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        delay = reminder_delay()
        dispatcher.utter_message(text=f"I will remind you in {delay:g} second(s).")
        when = datetime.datetime.now() + datetime.timedelta(seconds=delay)
        person = next(tracker.get_latest_entity_values("PERSON"), None)
        entities = [{"entity": "PERSON", "value": person}] if person else []
        return [
            ReminderScheduled(
                "EXTERNAL_reminder", trigger_date_time=when, entities=entities,
                name="call_reminder", kill_on_user_message=False,
            )
        ]


class ActionForgetReminders(Action):
    """Cancels every reminder of the conversation."""

    def name(self) -> str:
        return "action_forget_reminders"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        dispatcher.utter_message(text="Okay, I will cancel all your reminders.")
        return [ReminderCancelled()]


class ActionReactToReminder(Action):
    """Says whom to call when the reminder fires."""

    def name(self) -> str:
        return "action_react_to_reminder"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        person = next(tracker.get_latest_entity_values("PERSON"), None) or "someone"
        dispatcher.utter_message(text=f"Remember to call {person}!")
        return []


class ActionTellId(Action):
    """Tells the conversation id."""

    def name(self) -> str:
        return "action_tell_id"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        dispatcher.utter_message(text=f"The ID of this conversation is '{tracker.sender_id}'.")
        return []


class ActionWarnDry(Action):
    """Warns about a dry plant."""

    def name(self) -> str:
        return "action_warn_dry"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        dispatcher.utter_message(text="Your plant needs some water!")
        return []


class ActionCountTurns(Action):
    """A ``custom`` slot mapping: counts the user's messages."""

    def name(self) -> str:
        return "action_count_turns"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        return [SlotSet("turns", float(tracker.get_slot("turns") or 0) + 1)]


class ActionValidateSlotMappings(Action):
    """Refuses alcohol for the ``drink`` slot, whichever form asks."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        drink = tracker.get_slot("drink")
        if isinstance(drink, str) and drink.lower() in ("beer", "wine"):
            dispatcher.utter_message(text="Sorry, no alcohol here.")
            return [SlotSet("drink", None)]
        return []


class ActionOrderSummary(Action):
    """Sets a slot and utters a response with template arguments."""

    def name(self) -> str:
        return "action_order_summary"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        dispatcher.utter_message(response="utter_summary", size=tracker.get_slot("pizza_size") or "no")
        return [SlotSet("order_done", True)]


class ActionAlwaysRejects(Action):
    """Rejects its execution (HTTP 400)."""

    def name(self) -> str:
        return "action_always_rejects"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        raise ActionExecutionRejection(self.name(), "not now")


class ActionCrashes(Action):
    """Fails with an exception (HTTP 500)."""

    def name(self) -> str:
        return "action_crashes"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        raise RuntimeError("the action server broke")
