"""FormAction: activation, validation contract, rejection, asking order, switching, 2.x mappings."""
from __future__ import annotations

import random
from typing import Any, Callable

import pytest

from engine.actions.base import Action, ActionExecutionRejection
from engine.actions.builtin import action_for_name
from engine.actions.forms import FormAction
from engine.actions.responses import TemplatedResponseGenerator
from engine.conversation.domain import Domain
from engine.conversation.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from engine.conversation.tracker import DialogueStateTracker

RAW = {
    "version": "3.1",
    "intents": ["request", "inform", "chitchat"],
    "entities": ["city", "people"],
    "slots": {
        "city": {"type": "text", "mappings": [{"type": "from_entity", "entity": "city"}]},
        "people": {"type": "float", "mappings": [{"type": "from_entity", "entity": "people"}]},
    },
    "responses": {
        "utter_ask_city": [{"text": "Which city?"}],
        "utter_ask_book_form_people": [{"text": "How many of you?"}],
        "utter_ask_people": [{"text": "How many?"}],
        "utter_ask_drink": [{"text": "Drink?"}],
    },
    "forms": {"book_form": {"required_slots": ["city", "people"]}},
}


class Validator(Action):
    """A stand-in for validate_<form> on the action server."""

    def __init__(self, name: str, answer: Callable[[DialogueStateTracker], list[Event]]) -> None:
        self.name = name
        self.answer = answer
        self.seen: list[DialogueStateTracker] = []

    def run(self, tracker: DialogueStateTracker, domain: Any, nlg: Any, output_channel: Any) -> list[Event]:
        self.seen.append(tracker)
        return self.answer(tracker)


def setup(raw: dict | None = None, validator: Validator | None = None) -> tuple[Domain, FormAction]:
    domain = Domain.from_dict(raw or RAW)

    def resolve(name: str) -> Action:
        if validator is not None and name == validator.name:
            return validator
        return action_for_name(name, domain)

    return domain, FormAction("book_form", resolve)


NLG = TemplatedResponseGenerator(Domain.from_dict(RAW).responses, random.Random(0))


def gen(domain: Domain) -> TemplatedResponseGenerator:
    return TemplatedResponseGenerator(domain.responses, random.Random(0))


def conversation(domain: Domain, *events: Event) -> DialogueStateTracker:
    tracker = DialogueStateTracker("u", domain.slots)
    for event in events:
        tracker.update(event)
    return tracker


def user(intent: str, **entities: Any) -> list[Event]:
    parse = {"intent": {"name": intent, "confidence": 1.0},
             "entities": [{"entity": k, "value": v} for k, v in entities.items()]}
    return [ActionExecuted("action_listen"), UserUttered(intent, parse)]


def shape(events: list[Event]) -> list[tuple]:
    out = []
    for e in events:
        if isinstance(e, SlotSet):
            out.append(("slot", e.name, e.value))
        elif isinstance(e, ActiveLoop):
            out.append(("active_loop", e.name))
        else:
            out.append((e.type_name, getattr(e, "text", None)))
    return out


def test_activation_asks_the_first_empty_slot_with_the_most_specific_question() -> None:
    domain, form = setup()
    events = form.run(conversation(domain, *user("request")), domain, NLG, None)
    assert shape(events) == [("active_loop", "book_form"), ("slot", "requested_slot", "city"), ("bot", "Which city?")]
    # utter_ask_<form>_<slot> wins over utter_ask_<slot>.
    tracker = conversation(domain, *user("request"), SlotSet("city", "Rome"))
    assert shape(form.run(tracker, domain, NLG, None))[-1] == ("bot", "How many of you?")


def test_filled_slot_moves_on_and_last_slot_ends_the_form() -> None:
    domain, form = setup()
    tracker = conversation(domain, *user("request"), ActionExecuted("book_form"), ActiveLoop("book_form"),
                           SlotSet("requested_slot", "city"), *user("inform", city="Oslo"), SlotSet("city", "Oslo"))
    assert shape(form.run(tracker, domain, NLG, None)) == [
        ("slot", "city", "Oslo"), ("slot", "requested_slot", "people"), ("bot", "How many of you?")]
    tracker = conversation(domain, *user("request"), ActionExecuted("book_form"), ActiveLoop("book_form"),
                           SlotSet("city", "Oslo"), SlotSet("requested_slot", "people"),
                           *user("inform", people=2), SlotSet("people", 2))
    assert shape(form.run(tracker, domain, NLG, None)) == [
        ("slot", "people", 2), ("slot", "requested_slot", None), ("active_loop", None)]


def test_requested_slot_without_value_rejects() -> None:
    domain, form = setup()
    tracker = conversation(domain, *user("request"), ActionExecuted("book_form"), ActiveLoop("book_form"),
                           SlotSet("requested_slot", "city"), *user("chitchat"))
    with pytest.raises(ActionExecutionRejection):
        form.run(tracker, domain, NLG, None)


def test_validator_sees_the_temporary_tracker_and_wins() -> None:
    raw = {**RAW, "actions": ["validate_book_form"]}
    validator = Validator("validate_book_form", lambda t: [SlotSet("city", None)] if t.get_slot("city") == "Atlantis" else [])
    domain, form = setup(raw, validator)
    tracker = conversation(domain, *user("request"), ActionExecuted("book_form"), ActiveLoop("book_form"),
                           SlotSet("requested_slot", "city"), *user("inform", city="Atlantis"), SlotSet("city", "Atlantis"))
    events = form.run(tracker, domain, NLG, None)
    assert shape(events) == [("slot", "city", None), ("slot", "requested_slot", "city"), ("bot", "Which city?")]
    seen = validator.seen[0]
    # ... + requested_slot + action <form> + the candidate slot events.
    tail = [(type(e).__name__, getattr(e, "name", getattr(e, "action_name", None))) for e in seen.events[-3:]]
    assert tail == [("SlotSet", "requested_slot"), ("ActionExecuted", "book_form"), ("SlotSet", "city")]
    # A candidate the validator does not mention is accepted.
    validator.answer = lambda t: []
    tracker.update(SlotSet("city", "Oslo"))
    assert ("slot", "city", "Oslo") in shape(form.run(tracker, domain, NLG, None))


def test_validator_can_choose_the_next_slot_or_end_the_form() -> None:
    raw = {**RAW, "actions": ["validate_book_form"]}
    validator = Validator("validate_book_form", lambda t: [SlotSet("requested_slot", "people")])
    domain, form = setup(raw, validator)
    events = form.run(conversation(domain, *user("request")), domain, NLG, None)
    assert shape(events)[-2:] == [("slot", "requested_slot", "people"), ("bot", "How many of you?")]
    validator.answer = lambda t: [SlotSet("requested_slot", None)]
    events = form.run(conversation(domain, *user("request")), domain, NLG, None)
    assert shape(events)[-1] == ("active_loop", None)


def test_switching_forms_ignores_the_other_forms_requested_slot() -> None:
    raw = {**RAW, "forms": {**RAW["forms"], "drink_form": {"required_slots": ["drink"]}},
           "slots": {**RAW["slots"], "drink": {"type": "text", "mappings": [{"type": "from_entity", "entity": "city"}]}}}
    domain = Domain.from_dict(raw)
    drink = FormAction("drink_form", lambda n: action_for_name(n, domain))
    tracker = conversation(domain, *user("request"), ActionExecuted("book_form"), ActiveLoop("book_form"),
                           SlotSet("requested_slot", "city"), *user("chitchat"))
    assert shape(drink.run(tracker, domain, gen(domain), None)) == [
        ("active_loop", "drink_form"), ("slot", "requested_slot", "drink"), ("bot", "Drink?")]


def test_back_from_an_unhappy_path_does_not_validate() -> None:
    domain, form = setup()
    tracker = conversation(domain, *user("request"), ActionExecuted("book_form"), ActiveLoop("book_form"),
                           SlotSet("requested_slot", "city"), *user("chitchat"), ActionExecuted("utter_ask_city"))
    assert shape(form.run(tracker, domain, NLG, None)) == [("slot", "requested_slot", "city"), ("bot", "Which city?")]


def test_legacy_2x_form_extracts_from_its_own_mappings() -> None:
    raw = {
        "version": "2.0",
        "intents": ["request", "inform", "affirm"],
        "entities": ["city"],
        "slots": {"city": {"type": "text"}, "ok": {"type": "bool"}},
        "responses": {"utter_ask_city": [{"text": "Which city?"}], "utter_ask_ok": [{"text": "OK?"}]},
        "forms": {"book_form": {"required_slots": {
            "city": [{"type": "from_entity", "entity": "city"}],
            "ok": [{"type": "from_intent", "intent": "affirm", "value": True}],
        }}},
    }
    domain, form = setup(raw)
    tracker = conversation(domain, *user("request"), ActionExecuted("book_form"), ActiveLoop("book_form"),
                           SlotSet("requested_slot", "city"), *user("inform", city="Rome"))
    assert shape(form.run(tracker, domain, gen(domain), None)) == [
        ("slot", "city", "Rome"), ("slot", "requested_slot", "ok"), ("bot", "OK?")]
    tracker.update(SlotSet("city", "Rome"))
    tracker.update(SlotSet("requested_slot", "ok"))
    for event in user("affirm"):
        tracker.update(event)
    assert shape(form.run(tracker, domain, NLG, None))[0] == ("slot", "ok", True)
