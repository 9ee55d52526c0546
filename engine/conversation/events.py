"""Conversation events: Rasa's event types with their exact JSON form.

Every event serializes with :meth:`Event.as_dict` to the JSON Rasa emits
(``event``, ``timestamp``, ``metadata`` when non-empty - always for ``user``
and ``bot`` - then the type's own fields) and parses back with
:func:`event_from_dict`. Each event also knows its effect on a tracker
(:meth:`Event.apply_to`); the tracker calls it when the event is appended.
"""
from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from engine.conversation.constants import ACTION_LISTEN, ACTION_SESSION_START, ENTITY_LABEL_SEPARATOR

if TYPE_CHECKING:
    from engine.conversation.tracker import DialogueStateTracker


@dataclass
class Event:
    """Base of all events: a type name, a timestamp and metadata."""

    type_name: ClassVar[str] = ""
    always_metadata: ClassVar[bool] = False

    timestamp: float = field(default_factory=time.time, kw_only=True)
    metadata: dict[str, Any] = field(default_factory=dict, kw_only=True)

    def fields(self) -> dict[str, Any]:
        """Return the type's own JSON fields (after the envelope)."""
        return {}

    def as_dict(self) -> dict[str, Any]:
        """Serialize to Rasa's event JSON."""
        out: dict[str, Any] = {"event": self.type_name, "timestamp": self.timestamp}
        if self.metadata or self.always_metadata:
            out["metadata"] = self.metadata
        out.update(self.fields())
        return out

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        """Change ``tracker`` the way this event does (no effect by default)."""


@dataclass
class UserUttered(Event):
    """A user message with its NLU parse (``user``).

    ``parse_data`` always carries ``intent``, ``entities``, ``text``,
    ``message_id`` and ``metadata``; keys of the given parse data win.
    """

    type_name: ClassVar[str] = "user"
    always_metadata: ClassVar[bool] = True

    text: str | None = None
    parse_data: dict[str, Any] | None = None
    input_channel: str | None = None
    message_id: str | None = None
    # Not serialized: set by a `user_featurization` event or by training data.
    use_text_for_featurization: bool | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        metadata = self.metadata
        base: dict[str, Any] = {
            "intent": {},
            "entities": [],
            "text": self.text,
            "message_id": self.message_id,
            # PERF: most messages have no metadata; an empty dict needs no deepcopy.
            "metadata": copy.deepcopy(metadata) if metadata else ({} if isinstance(metadata, dict) else metadata),
        }
        base.update(self.parse_data or {})
        if base.get("intent") is None:
            base["intent"] = {}
        if base.get("entities") is None:
            base["entities"] = []
        self.parse_data = base
        # The live entity list: `entities` events extend it, parse_data stays.
        self.entities: list[dict[str, Any]] = list(base["entities"])

    @classmethod
    def empty(cls) -> UserUttered:
        """Return the placeholder message a reset tracker holds."""
        return cls(None, {"intent": {}, "entities": []}, timestamp=0.0)

    @property
    def intent(self) -> dict[str, Any]:
        """Return the ``intent`` dict of the parse (``{}`` when absent)."""
        return self.parse_data.get("intent") or {}  # type: ignore[union-attr]

    @property
    def intent_name(self) -> str | None:
        """Return the intent name, or None."""
        return self.intent.get("name")

    def is_empty(self) -> bool:
        """Return whether this is the placeholder of a reset tracker."""
        return not self.text and not self.intent_name and not self.entities

    def entity_labels(self) -> list[str]:
        """Return entity types plus ``type#role`` and ``type#group`` labels."""
        if not self.entities:  # PERF: the common case, asked for every dialogue state
            return []
        labels = [e["entity"] for e in self.entities if "entity" in e]
        for key in ("role", "group"):
            labels.extend(
                f"{e['entity']}{ENTITY_LABEL_SEPARATOR}{e[key]}"
                for e in self.entities
                if "entity" in e and e.get(key) is not None
            )
        return labels

    def as_sub_state(self) -> dict[str, Any]:
        """Return the policy sub-state: intent or text, plus entity labels."""
        out: dict[str, Any] = {}
        flag = self.use_text_for_featurization
        if self.text and (flag or flag is None):
            out["text"] = self.text
        if self.intent_name and not flag:
            out["intent"] = self.intent_name
        labels = self.entity_labels()
        if labels and not flag:
            out["entities"] = tuple(sorted(set(labels)))
        return out

    def fields(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "parse_data": self.parse_data,
            "input_channel": self.input_channel,
            "message_id": self.message_id,
        }

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.latest_message = self
        tracker.followup_action = None


@dataclass
class DefinePrevUserUtteredFeaturization(Event):
    """Whether the last user turn is featurized by text (``user_featurization``)."""

    type_name: ClassVar[str] = "user_featurization"

    use_text_for_featurization: bool = False

    def fields(self) -> dict[str, Any]:
        return {"use_text_for_featurization": self.use_text_for_featurization}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        if tracker.latest_action_name == ACTION_LISTEN:
            tracker.set_latest_message_featurization(self.use_text_for_featurization)


@dataclass
class EntitiesAdded(Event):
    """Entities predicted after the user turn (``entities``)."""

    type_name: ClassVar[str] = "entities"

    entities: list[dict[str, Any]] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        return {"entities": self.entities}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        if tracker.latest_action_name == ACTION_LISTEN:
            tracker.add_latest_message_entities(self.entities)


@dataclass
class BotUttered(Event):
    """A bot message (``bot``); ``data`` holds buttons, image, custom..."""

    type_name: ClassVar[str] = "bot"
    always_metadata: ClassVar[bool] = True

    text: str | None = None
    data: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.data is None:
            self.data = {}

    def fields(self) -> dict[str, Any]:
        return {"text": self.text, "data": self.data}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.latest_bot_utterance = self


@dataclass
class SlotSet(Event):
    """A slot got a value (``slot``)."""

    type_name: ClassVar[str] = "slot"

    name: str = ""
    value: Any = None

    def fields(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.set_slot(self.name, self.value)


@dataclass
class Restarted(Event):
    """The conversation restarts (``restart``)."""

    type_name: ClassVar[str] = "restart"

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.reset()
        tracker.followup_action = ACTION_SESSION_START


@dataclass
class UserUtteranceReverted(Event):
    """Undo the last user message and the listen before it (``rewind``)."""

    type_name: ClassVar[str] = "rewind"

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.replay()


@dataclass
class AllSlotsReset(Event):
    """All slots go back to their initial values (``reset_slots``)."""

    type_name: ClassVar[str] = "reset_slots"

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.reset_slots()


@dataclass
class ActionReverted(Event):
    """Undo the last action (``undo``)."""

    type_name: ClassVar[str] = "undo"

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.replay()


@dataclass
class SessionStarted(Event):
    """A new session begins (``session_started``)."""

    type_name: ClassVar[str] = "session_started"

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.reset()


@dataclass
class ReminderScheduled(Event):
    """Schedule an intent to be triggered later (``reminder``)."""

    type_name: ClassVar[str] = "reminder"

    intent: str = ""
    trigger_date_time: datetime = field(default_factory=datetime.now)
    entities: list[dict[str, Any]] | None = None
    name: str = field(default_factory=lambda: str(uuid.uuid1()))
    kill_on_user_message: bool = True

    def fields(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "date_time": self.trigger_date_time.isoformat(),
            "entities": self.entities,
            "name": self.name,
            "kill_on_user_msg": self.kill_on_user_message,
        }


@dataclass
class ReminderCancelled(Event):
    """Cancel reminders (``cancel_reminder``); serializes no fields."""

    type_name: ClassVar[str] = "cancel_reminder"

    name: str | None = None
    intent: str | None = None
    entities: list[dict[str, Any]] | None = None


@dataclass
class FollowupAction(Event):
    """Force the next action (``followup``)."""

    type_name: ClassVar[str] = "followup"

    name: str = ""

    def fields(self) -> dict[str, Any]:
        return {"name": self.name}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.followup_action = self.name


@dataclass
class ConversationPaused(Event):
    """Stop predicting for this conversation (``pause``)."""

    type_name: ClassVar[str] = "pause"

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.paused = True


@dataclass
class ConversationResumed(Event):
    """Predict again (``resume``)."""

    type_name: ClassVar[str] = "resume"

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.paused = False


@dataclass
class ActionExecuted(Event):
    """An action ran (``action``); ``action_text`` for end-to-end bot turns."""

    type_name: ClassVar[str] = "action"

    action_name: str | None = None
    policy: str | None = None
    confidence: float | None = None
    action_text: str | None = None
    hide_rule_turn: bool = False
    # Not serialized: training marks story-opening actions it cannot learn.
    unpredictable: bool = field(default=False, kw_only=True)

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.action_name,
            "policy": self.policy,
            "confidence": self.confidence,
            "action_text": self.action_text,
            "hide_rule_turn": self.hide_rule_turn,
        }

    def as_sub_state(self) -> dict[str, str]:
        """Return ``{"action_name": ...}`` or ``{"action_text": ...}``."""
        if self.action_name:
            return {"action_name": self.action_name}
        return {"action_text": self.action_text or ""}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.set_latest_action(self.as_sub_state())
        tracker.followup_action = None


@dataclass
class AgentUttered(Event):
    """Legacy agent message (``agent``); no effect."""

    type_name: ClassVar[str] = "agent"

    text: str | None = None
    data: Any = None

    def fields(self) -> dict[str, Any]:
        return {"text": self.text, "data": self.data}


@dataclass
class ActiveLoop(Event):
    """Activate a loop (form) or, with ``name=None``, deactivate it."""

    type_name: ClassVar[str] = "active_loop"

    name: str | None = None

    def fields(self) -> dict[str, Any]:
        return {"name": self.name}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        tracker.change_loop_to(self.name)


@dataclass
class LoopInterrupted(Event):
    """Mark the active loop as interrupted (``loop_interrupted``)."""

    type_name: ClassVar[str] = "loop_interrupted"

    is_interrupted: bool = False

    def fields(self) -> dict[str, Any]:
        return {"is_interrupted": self.is_interrupted}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        if tracker.active_loop is not None:
            tracker.active_loop["is_interrupted"] = self.is_interrupted


@dataclass
class ActionExecutionRejected(Event):
    """An action refused to run (``action_execution_rejected``)."""

    type_name: ClassVar[str] = "action_execution_rejected"

    action_name: str = ""
    policy: str | None = None
    confidence: float | None = None

    def fields(self) -> dict[str, Any]:
        return {"name": self.action_name, "policy": self.policy, "confidence": self.confidence}

    def apply_to(self, tracker: DialogueStateTracker) -> None:
        if tracker.active_loop is not None and tracker.active_loop["name"] == self.action_name:
            tracker.active_loop["rejected"] = True


@dataclass
class StoryExported(Event):
    """Legacy story export request (``export``); serializes no fields."""

    type_name: ClassVar[str] = "export"

    path: str | None = None


@dataclass
class PassthroughEvent(Event):
    """An event Parley accepts and keeps but does not act on (Rasa Pro types)."""

    kind: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.kind, "timestamp": self.timestamp}
        if self.metadata:
            out["metadata"] = self.metadata
        out.update(self.extra)
        return out


PASSTHROUGH_TYPES = frozenset(
    {
        "stack",
        "flow_started",
        "flow_interrupted",
        "flow_resumed",
        "flow_completed",
        "flow_cancelled",
        "session_ended",
        "routing_session_ended",
        "error",
        "agent_started",
        "agent_completed",
        "agent_interrupted",
        "agent_resumed",
        "agent_cancelled",
    }
)


def event_from_dict(data: dict[str, Any]) -> Event:
    """Parse one Rasa event dict; an unknown ``event`` raises BadRequest."""
    from engine.conversation.event_parsing import parse_event

    return parse_event(data)


def events_from_dicts(items: Iterable[Any]) -> list[Event]:
    """Parse a list of event dicts, skipping items without ``event`` and legacy ``topic``."""
    from engine.conversation.event_parsing import parse_events

    return parse_events(items)


def events_as_dicts(events: Iterable[Event]) -> list[dict[str, Any]]:
    """Serialize events with :meth:`Event.as_dict`."""
    return [event.as_dict() for event in events]

