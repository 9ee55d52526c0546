"""Parse Rasa event JSON into event objects.

One reader per ``event`` name in :data:`PARSERS`; lookup is by name only.
Legacy names map onto their successors (``form`` -> ``active_loop``,
``form_validation`` -> ``loop_interrupted``), so they re-serialize under the
new name. Client mistakes raise :class:`engine.errors.BadRequest`.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Callable, Iterable

from engine.conversation import events as ev
from engine.errors import BadRequest

LEGACY_DROPPED = "topic"


def _text_or_none(value: Any, key: str, kind: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BadRequest(f"Event '{kind}': '{key}' must be a string or null, got {type(value).__name__}.")


def _user(d: dict[str, Any]) -> ev.Event:
    parse_data = d.get("parse_data") or {}
    if not isinstance(parse_data, dict):
        raise BadRequest("Event 'user': 'parse_data' must be an object.")
    entities = parse_data.get("entities")
    if entities is not None and not isinstance(entities, list):
        raise BadRequest("Event 'user': 'parse_data.entities' must be a list.")
    return ev.UserUttered(
        _text_or_none(d.get("text"), "text", "user"),
        parse_data,
        d.get("input_channel"),
        d.get("message_id"),
        **_envelope(d),
    )


def _bot(d: dict[str, Any]) -> ev.Event:
    data = d.get("data")
    if data is not None and not isinstance(data, dict):
        raise BadRequest("Event 'bot': 'data' must be an object.")
    return ev.BotUttered(_text_or_none(d.get("text"), "text", "bot"), data, **_envelope(d))


def _slot(d: dict[str, Any]) -> ev.Event:
    name = d.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest("Event 'slot' needs a slot 'name'.")
    return ev.SlotSet(name, d.get("value"), **_envelope(d))


def _action(d: dict[str, Any]) -> ev.Event:
    name = _text_or_none(d.get("name"), "name", "action")
    text = _text_or_none(d.get("action_text"), "action_text", "action")
    if name is None and text is None:
        raise BadRequest("Event 'action' needs a 'name' or an 'action_text'.")
    return ev.ActionExecuted(
        name,
        d.get("policy"),
        _confidence(d.get("confidence"), "action"),
        text,
        bool(d.get("hide_rule_turn") or False),
        **_envelope(d),
    )


def _rejected(d: dict[str, Any]) -> ev.Event:
    name = d.get("name")
    if not isinstance(name, str):
        raise BadRequest("Event 'action_execution_rejected' needs an action 'name'.")
    return ev.ActionExecutionRejected(
        name, d.get("policy"), _confidence(d.get("confidence"), d["event"]), **_envelope(d)
    )


def _confidence(value: Any, kind: str) -> float | None:
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise BadRequest(f"Event '{kind}': 'confidence' must be a number or null.")


def _reminder_entities(value: Any) -> list[dict[str, Any]] | None:
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, dict):
        # `{type: value}` shorthand accepted by Rasa and the SDK.
        return [{"entity": key, "value": val} for key, val in value.items()]
    raise BadRequest("Event 'reminder': 'entities' must be a list or an object.")


def _reminder(d: dict[str, Any]) -> ev.Event:
    from dateutil import parser as date_parser

    raw = d.get("date_time")
    if not isinstance(raw, str):
        raise BadRequest("Event 'reminder' needs an ISO-8601 'date_time'.")
    try:
        when: datetime = date_parser.isoparse(raw)
    except (ValueError, OverflowError) as ex:
        raise BadRequest(f"Event 'reminder': invalid 'date_time' '{raw}': {ex}.") from ex
    intent = d.get("intent")
    if not isinstance(intent, str):
        raise BadRequest("Event 'reminder' needs an 'intent'.")
    extra: dict[str, Any] = {}
    if d.get("name") is not None:
        extra["name"] = str(d["name"])
    kill = d.get("kill_on_user_msg")
    return ev.ReminderScheduled(
        intent,
        when,
        _reminder_entities(d.get("entities")),
        kill_on_user_message=True if kill is None else bool(kill),
        **extra,
        **_envelope(d),
    )


def _cancel_reminder(d: dict[str, Any]) -> ev.Event:
    return ev.ReminderCancelled(
        d.get("name"), d.get("intent"), _reminder_entities(d.get("entities")), **_envelope(d)
    )


def _passthrough(d: dict[str, Any]) -> ev.Event:
    extra = {k: v for k, v in d.items() if k not in ("event", "timestamp", "metadata")}
    return ev.PassthroughEvent(d["event"], extra, **_envelope(d))


def _named(cls: type[ev.Event]) -> Callable[[dict[str, Any]], ev.Event]:
    def parse(d: dict[str, Any]) -> ev.Event:
        return cls(_text_or_none(d.get("name"), "name", d["event"]), **_envelope(d))  # type: ignore[call-arg]

    return parse


def _plain(cls: type[ev.Event]) -> Callable[[dict[str, Any]], ev.Event]:
    return lambda d: cls(**_envelope(d))


def _envelope(d: dict[str, Any]) -> dict[str, Any]:
    stamp = d.get("timestamp")
    if stamp is None:
        stamp = time.time()
    elif isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
        raise BadRequest(f"Event '{d['event']}': 'timestamp' must be a number.")
    metadata = d.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, dict):
        raise BadRequest(f"Event '{d['event']}': 'metadata' must be an object.")
    return {"timestamp": stamp, "metadata": metadata}


PARSERS: dict[str, Callable[[dict[str, Any]], ev.Event]] = {
    "user": _user,
    "user_featurization": lambda d: ev.DefinePrevUserUtteredFeaturization(
        bool(d.get("use_text_for_featurization")), **_envelope(d)
    ),
    "entities": lambda d: ev.EntitiesAdded(list(d.get("entities") or []), **_envelope(d)),
    "bot": _bot,
    "slot": _slot,
    "restart": _plain(ev.Restarted),
    "rewind": _plain(ev.UserUtteranceReverted),
    "reset_slots": _plain(ev.AllSlotsReset),
    "undo": _plain(ev.ActionReverted),
    "session_started": _plain(ev.SessionStarted),
    "pause": _plain(ev.ConversationPaused),
    "resume": _plain(ev.ConversationResumed),
    "reminder": _reminder,
    "cancel_reminder": _cancel_reminder,
    "followup": _named(ev.FollowupAction),
    "action": _action,
    "agent": lambda d: ev.AgentUttered(d.get("text"), d.get("data"), **_envelope(d)),
    "active_loop": _named(ev.ActiveLoop),
    "form": _named(ev.ActiveLoop),
    "loop_interrupted": lambda d: ev.LoopInterrupted(bool(d.get("is_interrupted")), **_envelope(d)),
    "form_validation": lambda d: ev.LoopInterrupted(not d.get("validate", True), **_envelope(d)),
    "action_execution_rejected": _rejected,
    "export": lambda d: ev.StoryExported(d.get("path"), **_envelope(d)),
    **{name: _passthrough for name in ev.PASSTHROUGH_TYPES},
}


def parse_event(data: Any) -> ev.Event:
    """Parse one event dict (see :func:`engine.conversation.events.event_from_dict`)."""
    if not isinstance(data, dict):
        raise BadRequest(f"An event must be a JSON object, got {type(data).__name__}.")
    kind = data.get("event")
    if not isinstance(kind, str):
        raise BadRequest("An event needs an 'event' key naming its type.")
    parser = PARSERS.get(kind)
    if parser is None:
        if kind == LEGACY_DROPPED:
            raise BadRequest("The legacy 'topic' event is no longer supported.")
        raise BadRequest(
            f"Unknown event type '{kind}'. Valid types: {', '.join(sorted(PARSERS))}."
        )
    return parser(data)


def parse_events(items: Iterable[Any]) -> list[ev.Event]:
    """Parse event dicts; items without ``event`` and ``topic`` events are skipped."""
    out = []
    for item in items:
        if isinstance(item, dict) and (item.get("event") is None or item.get("event") == LEGACY_DROPPED):
            continue
        out.append(parse_event(item))
    return out
