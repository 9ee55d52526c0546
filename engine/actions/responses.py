"""Domain responses: variation choice, rendering and the ``utter_*`` actions.

Variation choice: conditional variations whose every slot condition holds
beat unconditioned ones; within those, variations for the output channel
beat generic ones; then one is picked at random (the random source is
injected so tests are deterministic).
"""
from __future__ import annotations

import copy
import logging
import random
from typing import TYPE_CHECKING, Any

from engine.actions.base import Action, ResponseGenerator
from engine.actions.interpolation import fill_response
from engine.conversation.constants import RETRIEVAL_SEPARATOR, UTTER_PREFIX
from engine.conversation.events import BotUttered, Event

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker

logger = logging.getLogger(__name__)

BOT_DATA_KEYS = ("elements", "quick_replies", "buttons", "attachment", "image", "custom")


def _conditions_hold(conditions: Any, slots: dict[str, Any]) -> bool:
    if not isinstance(conditions, list):
        return False
    for condition in conditions:
        if not isinstance(condition, dict) or condition.get("type", "slot") != "slot":
            return False
        if slots.get(condition.get("name")) != condition.get("value"):
            return False
    return True


def _by_channel(pool: list[dict[str, Any]], channel: str | None) -> list[dict[str, Any]]:
    specific = [v for v in pool if channel and v.get("channel") == channel]
    return specific or [v for v in pool if not v.get("channel")]


def choose_variation(
    variations: list[dict[str, Any]],
    slots: dict[str, Any],
    output_channel: str | None,
    rng: random.Random,
) -> dict[str, Any] | None:
    """Pick one variation per the rules in the module docstring."""
    matched = [v for v in variations if v.get("condition") and _conditions_hold(v["condition"], slots)]
    pool = _by_channel(matched, output_channel)
    if not pool:
        pool = _by_channel([v for v in variations if not v.get("condition")], output_channel)
    return rng.choice(pool) if pool else None


class TemplatedResponseGenerator:
    """Renders the domain's responses with slot values (Rasa's templated NLG)."""

    def __init__(self, responses: dict[str, list[dict[str, Any]]], rng: random.Random | None = None) -> None:
        self.responses = responses
        self.rng = rng or random.Random()

    def generate(
        self, name: str, tracker: DialogueStateTracker, output_channel: str | None, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Return the rendered message for response ``name`` (None if missing)."""
        variations = self.responses.get(name)
        if not variations:
            return None
        slots = tracker.current_slot_values()
        chosen = choose_variation(variations, slots, output_channel, self.rng)
        if chosen is None:
            return None
        return fill_response(copy.deepcopy(chosen), {**slots, **kwargs})


def bot_event_from_message(message: dict[str, Any]) -> BotUttered:
    """Build a ``bot`` event: six ``data`` keys, everything else to metadata."""
    rest = dict(message)
    text = rest.pop("text", None)
    data = {key: rest.pop(key, None) for key in BOT_DATA_KEYS}
    # Rasa sets the attachment to the image when there is no other one.
    data["attachment"] = data["attachment"] or data["image"]
    return BotUttered(text, data, metadata=rest)


def channel_message(event: BotUttered) -> dict[str, Any]:
    """Return what an output channel sends for a ``bot`` event (non-null keys)."""
    data = event.data or {}
    message: dict[str, Any] = {"text": event.text}
    for key in ("buttons", "image", "attachment", "custom", "elements", "quick_replies"):
        message[key] = data.get(key)
    if message["attachment"] is not None and message["attachment"] == message["image"]:
        # The attachment only mirrors the image (see bot_event_from_message).
        message["attachment"] = None
    return {key: value for key, value in message.items() if value is not None}


class ResponseAction(Action):
    """Utter a domain response (``utter_*``).

    Attributes:
        name: The action name (also the response name).
        silent_fail: Do not log a missing response (default actions).
    """

    def __init__(self, name: str, response: str | None = None, *, silent_fail: bool = False) -> None:
        self.name = name
        self.response = response or name
        self.silent_fail = silent_fail

    def run(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        nlg: ResponseGenerator,
        output_channel: str | None,
    ) -> list[Event]:
        """Return one ``bot`` event for the response (none if it is missing)."""
        return utter(self.response, tracker, nlg, output_channel, silent_fail=self.silent_fail)


def utter(
    response: str,
    tracker: DialogueStateTracker,
    nlg: ResponseGenerator,
    output_channel: str | None,
    *,
    silent_fail: bool = False,
) -> list[Event]:
    """Render ``response`` into a ``bot`` event list (empty if missing)."""
    message = nlg.generate(response, tracker, output_channel)
    if message is None:
        if not silent_fail:
            logger.error("no response %r could be rendered", response)
        return []
    message["utter_action"] = response
    return [bot_event_from_message(message)]


class RetrievalResponseAction(ResponseAction):
    """Utter the response a response selector picked (``utter_<retrieval intent>``)."""

    @property
    def retrieval_intent(self) -> str:
        """Return the retrieval intent this action answers."""
        return self.name[len(UTTER_PREFIX):]

    def run(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        nlg: ResponseGenerator,
        output_channel: str | None,
    ) -> list[Event]:
        """Utter ``utter_<intent>/<key>`` chosen by the latest parse."""
        selector = (tracker.latest_message.parse_data or {}).get("response_selector") or {}
        result = selector.get(self.retrieval_intent) or selector.get("default")
        if not isinstance(result, dict):
            logger.warning("no response selector output for %r", self.retrieval_intent)
            return []
        picked = result.get("response") or {}
        response = picked.get("utter_action")
        if not response:
            key = picked.get("intent_response_key")
            response = f"{UTTER_PREFIX}{key}" if key else None
        if not response or RETRIEVAL_SEPARATOR not in response:
            return []
        return utter(response, tracker, nlg, output_channel)
