"""Write a stored conversation as YAML test stories (``GET .../story``).

A conversation is split into sessions at each ``action_session_start``;
each session becomes one story of user turns (intent and text, entities as
inline annotations), actions, set slots and loop changes. ``rewind`` and
``undo`` take back what they revert; ``action_listen``, session starts, bot
utterances and bookkeeping events are left out, as in Rasa's test stories.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

import yaml

from engine.conversation import constants as c
from engine.conversation.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)

STORY_FORMAT_VERSION = "3.1"
_HIDDEN_ACTIONS = frozenset({c.ACTION_LISTEN, c.ACTION_SESSION_START, "action_unlikely_intent"})


def split_sessions(events: Iterable[Event]) -> list[list[Event]]:
    """Split events into sessions, each starting at ``action_session_start``."""
    sessions: list[list[Event]] = []
    for event in events:
        starts = isinstance(event, ActionExecuted) and event.action_name == c.ACTION_SESSION_START
        if starts or not sessions:
            sessions.append([])
        sessions[-1].append(event)
    return sessions


def conversation_story(
    conversation_id: str,
    events: list[Event],
    *,
    all_sessions: bool = False,
    until: float | None = None,
) -> str:
    """Return the conversation as YAML test stories.

    Args:
        conversation_id: The story name (``"<id>, story N"`` for several).
        events: Every stored event of the conversation, in order.
        all_sessions: One story per session; False keeps the latest session.
        until: Leave out events later than this timestamp.
    """
    if until is not None:
        events = [e for e in events if e.timestamp is None or e.timestamp <= until]
    sessions = [steps for steps in (story_steps(s) for s in split_sessions(events)) if steps]
    if not all_sessions:
        sessions = sessions[-1:]
    lines = [f'version: "{STORY_FORMAT_VERSION}"']
    if sessions:
        lines.append("stories:")
    for number, steps in enumerate(sessions, start=1):
        name = conversation_id if len(sessions) == 1 else f"{conversation_id}, story {number}"
        lines.append(f"- story: {_scalar(name)}")
        lines.append("  steps:")
        for step in steps:
            lines.extend(_step_lines(step))
    return "\n".join(lines) + "\n"


def _applied(events: list[Event]) -> list[Event]:
    kept: list[Event] = []
    for event in events:
        if isinstance(event, UserUtteranceReverted):
            _pop_through(kept, UserUttered)
            _pop_through(kept, ActionExecuted)
        elif isinstance(event, ActionReverted):
            _pop_through(kept, ActionExecuted)
        else:
            kept.append(event)
    return kept


def _pop_through(events: list[Event], kind: type[Event]) -> None:
    while events:
        if isinstance(events.pop(), kind):
            return


def story_steps(events: list[Event]) -> list[dict[str, Any]]:
    """Return the story steps of one session's events."""
    steps: list[dict[str, Any]] = []
    for event in _applied(events):
        if isinstance(event, UserUttered):
            steps.append(_user_step(event))
        elif isinstance(event, ActionExecuted):
            if event.action_name in _HIDDEN_ACTIONS:
                continue
            if event.action_name:
                steps.append({"action": event.action_name})
            elif event.action_text:
                steps.append({"bot": event.action_text})
        elif isinstance(event, SlotSet):
            steps.append({"slot_was_set": [{event.name: event.value}]})
        elif isinstance(event, ActiveLoop):
            steps.append({"active_loop": event.name})
    return steps


def _user_step(event: UserUttered) -> dict[str, Any]:
    step: dict[str, Any] = {}
    intent = (event.parse_data or {}).get("intent") or {}
    name = intent.get("full_retrieval_intent_name") or intent.get("name")
    if name:
        step["intent"] = name
    if event.text is not None:
        step["user"] = annotated_text(event.text, event.entities)
    return step


def annotated_text(text: str, entities: list[dict[str, Any]]) -> str:
    """Return ``text`` with Rasa's inline entity annotations.

    ``[surface](type)`` when the value is the surface text, otherwise
    ``[surface]{"entity": ..., "value": ...}`` (roles and groups included).
    Entities without offsets, overlapping ones and ``/intent`` shortcuts
    are left unannotated.
    """
    if text.startswith("/"):
        return text
    spans = sorted(
        (e for e in entities if _has_span(e, len(text))), key=lambda e: (e["start"], e["end"])
    )
    out, position = [], 0
    for entity in spans:
        start, end = entity["start"], entity["end"]
        if start < position:
            continue
        surface = text[start:end]
        out.append(text[position:start])
        out.append(f"[{surface}]{_annotation(entity, surface)}")
        position = end
    out.append(text[position:])
    return "".join(out)


def _has_span(entity: Any, length: int) -> bool:
    if not isinstance(entity, dict) or not isinstance(entity.get("entity"), str):
        return False
    start, end = entity.get("start"), entity.get("end")
    return isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length


def _annotation(entity: dict[str, Any], surface: str) -> str:
    extra = {key: entity[key] for key in ("role", "group") if entity.get(key) is not None}
    value = entity.get("value")
    if not extra and (value is None or str(value) == surface):
        return f"({entity['entity']})"
    attrs: dict[str, Any] = {"entity": entity["entity"], **extra}
    if value is not None and str(value) != surface:
        attrs["value"] = value
    return json.dumps(attrs, ensure_ascii=False)


def _step_lines(step: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for index, (key, value) in enumerate(step.items()):
        prefix = "  - " if index == 0 else "    "
        if key == "user":
            lines.extend(f"{prefix}user: {part}" if i == 0 else part for i, part in enumerate(_text_lines(value)))
        elif key == "slot_was_set":
            lines.append(f"{prefix}slot_was_set:")
            for item in value:
                for name, slot_value in item.items():
                    lines.append(f"    - {_scalar(name)}: {_scalar(slot_value)}")
        else:
            lines.append(f"{prefix}{key}: {_scalar(value)}")
    return lines


def _text_lines(text: str) -> list[str]:
    """Render user text as a ``|-`` literal block, or quoted when it cannot be one."""
    lines = text.split("\n")
    literal_ok = (
        text.strip() != ""
        and not text[0].isspace()
        and not text.endswith("\n")
        and all(ch == "\n" or ch == "\t" or ch.isprintable() for ch in text)
    )
    if not literal_ok:
        return [_scalar(text)]
    return ["|-", *(f"      {line}" if line else "" for line in lines)]


def _scalar(value: Any) -> str:
    """Return ``value`` as one-line YAML (flow style for lists and maps)."""
    dumped = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=float("inf"), sort_keys=False
    )
    return dumped.removesuffix("\n").removesuffix("\n...").strip()
