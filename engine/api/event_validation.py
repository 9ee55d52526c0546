"""Validate events posted by API clients before anything is stored.

The checks follow the shape of Rasa's events JSON schema: every item is an
object with a known ``event`` name, the common keys have the right types,
and each type's own keys have theirs (a ``slot`` event needs ``name`` and
``value``; a user event's ``parse_data.entities`` is a list...). A failure
is a 400 naming the item and the key, and nothing is stored.
"""
from __future__ import annotations

from typing import Any, Callable

import orjson

from engine.conversation.event_parsing import PARSERS
from engine.conversation.events import Event
from engine.errors import BadRequest

FORMAT_HELP = "https://rasa.com/docs/rasa/pages/http-api#operation/addConversationTrackerEvents"

class Check:
    """A named type test for one JSON value.

    Args:
        test: Returns whether a value passes.
        description: What a passing value is, for messages ("a string").
    """

    def __init__(self, test: Callable[[Any], bool], description: str) -> None:
        self.test = test
        self.description = description

    def __call__(self, value: Any) -> bool:
        """Return whether ``value`` passes."""
        return self.test(value)

    def or_null(self) -> Check:
        """Return the check that also lets null pass."""
        return Check(lambda value: value is None or self.test(value), f"{self.description} or null")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


STR = Check(lambda v: isinstance(v, str), "a string")
NUM = Check(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number")
BOOL = Check(lambda v: isinstance(v, bool), "a boolean")
OBJ = Check(lambda v: isinstance(v, dict), "an object")
LIST = Check(lambda v: isinstance(v, list), "a list")
INT = Check(_is_int, "an integer")
ENTITIES = Check(lambda v: isinstance(v, (list, dict)), "a list or an object")
OPT_STR, OPT_NUM, OPT_OBJ, OPT_LIST, OPT_BOOL = (c.or_null() for c in (STR, NUM, OBJ, LIST, BOOL))

# Per event type: key -> (required, check).
_FIELDS: dict[str, dict[str, tuple[bool, Check]]] = {
    "user": {"text": (False, OPT_STR), "parse_data": (False, OPT_OBJ),
             "input_channel": (False, OPT_STR), "message_id": (False, OPT_STR)},
    "bot": {"text": (False, OPT_STR), "data": (False, OPT_OBJ)},
    "slot": {"name": (True, STR)},
    "action": {"name": (False, OPT_STR), "policy": (False, OPT_STR), "confidence": (False, OPT_NUM),
               "action_text": (False, OPT_STR), "hide_rule_turn": (False, OPT_BOOL)},
    "action_execution_rejected": {"name": (True, STR), "policy": (False, OPT_STR),
                                  "confidence": (False, OPT_NUM)},
    "active_loop": {"name": (False, OPT_STR)},
    "form": {"name": (False, OPT_STR)},
    "loop_interrupted": {"is_interrupted": (False, OPT_BOOL)},
    "followup": {"name": (True, STR)},
    "reminder": {"intent": (True, STR), "date_time": (True, STR), "name": (False, OPT_STR),
                 "entities": (False, ENTITIES.or_null()), "kill_on_user_msg": (False, OPT_BOOL)},
    "cancel_reminder": {"intent": (False, OPT_STR), "name": (False, OPT_STR),
                        "entities": (False, ENTITIES.or_null())},
    "user_featurization": {"use_text_for_featurization": (False, OPT_BOOL)},
    "agent": {"text": (False, OPT_STR)},
    "form_validation": {"validate": (False, OPT_BOOL)},
    "entities": {"entities": (False, OPT_LIST)},
}
STR_LIST = Check(lambda v: isinstance(v, list) and all(isinstance(item, str) for item in v), "a list of strings")
_ENTITY_FIELDS: dict[str, tuple[bool, Check]] = {
    "entity": (True, STR), "start": (False, INT.or_null()), "end": (False, INT.or_null()),
    "extractor": (False, OPT_STR), "role": (False, OPT_STR), "group": (False, OPT_STR),
    "confidence": (False, OPT_NUM), "confidence_entity": (False, OPT_NUM), "processors": (False, STR_LIST),
}


def _invalid(problem: str) -> BadRequest:
    return BadRequest(
        f"Failed to validate the events format: {problem}.",
        details={"parameter": "events", "in": "body"},
        help=FORMAT_HELP,
    )


def _check_fields(
    item: dict[str, Any], fields: dict[str, tuple[bool, Check]], where: str, prefix: str = ""
) -> None:
    for key, (required, check) in fields.items():
        if key not in item:
            if required:
                raise _invalid(f"{where} needs '{prefix}{key}'")
            continue
        if not check(item[key]):
            raise _invalid(f"{where}: '{prefix}{key}' must be {check.description}")


# parse_data becomes the tracker's ``latest_message``: its documented keys keep their types.
_PARSE_DATA_FIELDS: dict[str, tuple[bool, Check]] = {
    "text": (False, OPT_STR), "message_id": (False, OPT_STR), "metadata": (False, OPT_OBJ),
    "intent_ranking": (False, OPT_LIST), "response_selector": (False, OPT_OBJ),
}
_INTENT_FIELDS: dict[str, tuple[bool, Check]] = {"name": (False, OPT_STR), "confidence": (False, OPT_NUM)}


def check_parse_data(parse_data: dict[str, Any], where: str) -> None:
    """Raise a 400 unless ``parse_data`` has the shape of Rasa's parse result.

    Args:
        parse_data: A user message's given parse data.
        where: Names the message in the error ("event 0 ('user')").

    Raises:
        BadRequest: A documented key has the wrong type.
    """
    _check_fields(parse_data, _PARSE_DATA_FIELDS, where, prefix="parse_data.")
    intent = parse_data.get("intent")
    if intent is not None and not isinstance(intent, dict):
        raise _invalid(f"{where}: 'parse_data.intent' must be an object")
    if isinstance(intent, dict):
        _check_fields(intent, _INTENT_FIELDS, where, prefix="parse_data.intent.")
    check_entities(parse_data.get("entities"), where, "parse_data.entities")


def check_entities(entities: Any, where: str, key: str) -> None:
    """Raise a 400 unless ``entities`` is null or a list of entity objects (``entity``, ``value``...).

    Args:
        entities: The value to check.
        where: Names the event in the error.
        key: Names the value in the error ("parse_data.entities").
    """
    if entities is None:
        return
    if not isinstance(entities, list):
        raise _invalid(f"{where}: '{key}' must be a list")
    for number, entity in enumerate(entities):
        if not isinstance(entity, dict):
            raise _invalid(f"{where}: '{key}[{number}]' must be an object")
        _check_fields(entity, _ENTITY_FIELDS, f"{where}, entity {number}")
        if "value" not in entity:
            raise _invalid(f"{where}, entity {number} needs 'value'")


def check_event(item: Any, number: int = 0) -> None:
    """Raise a 400 unless ``item`` is a valid Rasa event object.

    Args:
        item: One decoded event.
        number: Its position in the request, for the message.

    Raises:
        BadRequest: The event is not valid.
    """
    where = f"event {number}"
    if not isinstance(item, dict):
        raise _invalid(f"{where} must be an object")
    kind = item.get("event")
    if not isinstance(kind, str):
        raise _invalid(f"{where} needs 'event' naming its type")
    if kind not in PARSERS:
        raise _invalid(f"{where} has the unknown type '{kind}'")
    where = f"event {number} ('{kind}')"
    _check_fields(item, {"timestamp": (False, OPT_NUM), "metadata": (False, OPT_OBJ)}, where)
    _check_fields(item, _FIELDS.get(kind, {}), where)
    if kind == "slot" and "value" not in item:
        raise _invalid(f"{where} needs 'value'")
    if kind == "user" and isinstance(item.get("parse_data"), dict):
        check_parse_data(item["parse_data"], where)
    if kind == "entities":
        check_entities(item.get("entities"), where, "entities")


def decode_events(raw: bytes, *, allow_single: bool = True) -> list[dict[str, Any]]:
    """Decode and validate a request's events: one object or a list.

    Raises:
        BadRequest: Empty, not JSON, not an event (list), or an invalid event.
    """
    if not raw or not raw.strip():
        raise BadRequest("No events in the request body.", details={"parameter": "events", "in": "body"})
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as ex:
        raise BadRequest(f"The events are not valid JSON: {ex}", details={"parameter": "events", "in": "body"}) from None
    if isinstance(value, dict) and allow_single:
        value = [value]
    if not isinstance(value, list):
        raise _invalid("the body must be an event object or a list of events")
    for number, item in enumerate(value):
        check_event(item, number)
    return value


def parse_checked(items: list[dict[str, Any]], now: float) -> list[Event]:
    """Parse validated event dicts; events without a timestamp get ``now``.

    Raises:
        BadRequest: An event's values cannot be used (e.g. a bad date).
    """
    from engine.conversation.event_parsing import parse_event

    events: list[Event] = []
    for number, item in enumerate(items):
        try:
            event = parse_event(item)
        except BadRequest as ex:
            raise _invalid(f"event {number}: {ex.message}") from None
        if item.get("timestamp") is None:
            event.timestamp = now
        events.append(event)
    return events
