"""Events posted by API clients are checked before anything is stored."""
from __future__ import annotations

import pytest

from engine.api.event_validation import decode_events, parse_checked
from engine.conversation.events import BotUttered, SlotSet, UserUttered
from engine.errors import BadRequest

# Rasa's standard test events (user, bot, slots of several value types).
STANDARD = [
    {"event": "user", "text": "/goodbye", "parse_data": {"intent": {"confidence": 1.0, "name": "greet"},
                                                         "entities": []}},
    {"event": "bot", "text": "Welcome!", "data": {"test": True}},
    {"event": "slot", "name": "cuisine", "value": 34},
    {"event": "slot", "name": "cuisine", "value": "34"},
    {"event": "slot", "name": "location", "value": None},
    {"event": "slot", "name": "location", "value": [34, "34", None]},
]


def test_standard_events_pass_and_parse() -> None:
    events = parse_checked(decode_events(__import__("orjson").dumps(STANDARD)), now=5.0)
    assert [type(e) for e in events] == [UserUttered, BotUttered, SlotSet, SlotSet, SlotSet, SlotSet]
    assert all(e.timestamp == 5.0 for e in events)


def test_one_object_is_a_list_of_one() -> None:
    assert decode_events(b'{"event": "restart"}') == [{"event": "restart"}]


def test_given_timestamps_are_kept() -> None:
    [event] = parse_checked([{"event": "restart", "timestamp": 12.5}], now=99.0)
    assert event.timestamp == 12.5


@pytest.mark.parametrize(("body", "problem"), [
    (b"", "No events"),
    (b"{oops", "not valid JSON"),
    (b"7", "event object or a list"),
    (b"[5]", "event 0 must be an object"),
    (b'[{"text": "hi"}]', "needs 'event'"),
    (b'[{"event": "teleport"}]', "unknown type 'teleport'"),
    (b'[{"event": "slot", "name": "a"}]', "needs 'value'"),
    (b'[{"event": "slot", "value": 1}]', "needs 'name'"),
    (b'[{"event": "user", "parse_data": {"entities": {}}}]', "'parse_data.entities' must be a list"),
    (b'[{"event": "user", "parse_data": {"entities": [{"value": 1}]}}]', "needs 'entity'"),
    (b'[{"event": "user", "text": 5}]', "'text' must be a string or null"),
    (b'[{"event": "action", "name": "a", "confidence": "high"}]', "'confidence' must be a number or null"),
    (b'[{"event": "restart", "timestamp": "yesterday"}]', "'timestamp' must be a number or null"),
    (b'[{"event": "bot", "metadata": []}]', "'metadata' must be an object or null"),
    (b'[{"event": "followup"}]', "needs 'name'"),
    (b'[{"event": "reminder", "intent": "x"}]', "needs 'date_time'"),
])
def test_invalid_events_are_400_naming_the_problem(body: bytes, problem: str) -> None:
    with pytest.raises(BadRequest) as caught:
        decode_events(body)
    assert problem in caught.value.message


def test_a_single_object_can_be_refused() -> None:
    with pytest.raises(BadRequest):
        decode_events(b'{"event": "restart"}', allow_single=False)


def test_values_the_parser_refuses_are_400() -> None:
    with pytest.raises(BadRequest, match="event 0"):
        parse_checked([{"event": "reminder", "intent": "x", "date_time": "not a date"}], now=1.0)
