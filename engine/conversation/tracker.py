"""The dialogue state tracker: one conversation's events and derived state.

Appending an event (:meth:`DialogueStateTracker.update`) applies its effect
(see :mod:`engine.conversation.events`). :meth:`applied_events` is the list
of events that still shape the state (restarts, rewinds, undos and repeated
loop runs removed); :meth:`current_state` is Rasa's tracker JSON.
"""
from __future__ import annotations

import copy
import enum
import time
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from engine.conversation.constants import ACTION_LISTEN, SHOULD_NOT_BE_SET
from engine.conversation.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    UserUttered,
    UserUtteranceReverted,
    events_from_dicts,
)
from engine.conversation.slots import Slot
from engine.errors import BadRequest

if TYPE_CHECKING:
    from engine.conversation.domain import Domain


class EventVerbosity(enum.Enum):
    """Which events :meth:`DialogueStateTracker.current_state` includes."""

    NONE = 1
    APPLIED = 2
    AFTER_RESTART = 3
    ALL = 4

    @classmethod
    def parse(cls, value: str | EventVerbosity) -> EventVerbosity:
        """Parse an ``include_events`` value (case-insensitive name).

        Raises:
            BadRequest: The value names no verbosity.
        """
        if isinstance(value, EventVerbosity):
            return value
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise BadRequest(
                f"Invalid parameter value for 'include_events'. Should be one of "
                f"{', '.join(cls.__members__)}, got '{value}'."
            ) from None


def _shallow_copy(event: Event) -> Any:
    """Return what ``copy.copy`` gives for an event (PERF: several times faster)."""
    clone = object.__new__(type(event))
    clone.__dict__.update(event.__dict__)
    return clone


def _pop_through(events: list[Event], kind: type[Event]) -> None:
    """Remove events from the end up to and including the last ``kind`` event."""
    while events:
        if isinstance(events.pop(), kind):
            break


def _first_loop_run_or_unhappy(loop: str, applied: list[Event]) -> bool:
    """Return whether running ``loop`` now must be kept in the applied events."""
    next_action: str | None = None
    for event in reversed(applied):
        if isinstance(event, ActiveLoop) and event.name is None:
            return True
        if isinstance(event, ActionExecutionRejected) and event.action_name == loop:
            return True
        if isinstance(event, UserUttered) and next_action is not None and next_action != loop:
            return True
        if isinstance(event, ActionExecuted):
            if event.action_name == loop:
                return False
            next_action = event.action_name
    return True


def _fold_applied(events: list[Event], loops: set[str], applied: list[Event]) -> list[Event]:
    """Apply ``events`` to the applied-events list ``applied``; return the result."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            _pop_through(applied, ActionExecuted)
        elif isinstance(event, UserUtteranceReverted):
            _pop_through(applied, UserUttered)
            _pop_through(applied, ActionExecuted)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loops
            and not _first_loop_run_or_unhappy(event.action_name, applied)
        ):
            _collapse_loop_run(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def _collapse_loop_run(loop: str, applied: list[Event]) -> None:
    """Drop user/action turns back to the previous run of ``loop``, keep slots etc."""
    for index in range(len(applied) - 1, -1, -1):
        event = applied[index]
        if isinstance(event, ActionExecuted) and event.action_name == loop:
            break
        if isinstance(event, (ActionExecuted, UserUttered, DefinePrevUserUtteredFeaturization)):
            del applied[index]


class DialogueStateTracker:
    """One conversation: its events and the state they produce.

    Attributes:
        sender_id: The conversation id.
        events: Every event, in order.
        slots: Slot name -> :class:`Slot` with the current value.
        latest_message: The last user message (an empty one after a reset).
        latest_bot_utterance: The last bot message.
        latest_action: ``{"action_name": ...}`` / ``{"action_text": ...}`` or ``{}``.
        followup_action: Action forced next, or None.
        paused: Whether the conversation is paused.
        active_loop: ``{"name", "is_interrupted", "rejected",
            "trigger_message"}`` or None.
    """

    def __init__(
        self, sender_id: str, slots: Iterable[Slot] | Mapping[str, Slot] | None = None
    ) -> None:
        templates = slots.values() if isinstance(slots, Mapping) else (slots or [])
        self.sender_id = sender_id
        self.slots: dict[str, Slot] = {slot.name: slot.copy() for slot in templates}
        self.events: list[Event] = []
        # PERF: featurized states kept between predictions (see
        #   engine.dialogue.featurization); None means nothing is cached.
        self.state_cache: dict[Any, Any] | None = None
        # (events list, count, last event, loop names, applied events) of the
        #   last applied_events() call, extended when events are appended.
        self._applied: tuple[list[Event], int, Event | None, set[str], list[Event]] | None = None
        self.reset()
        # The follow-up action as the events alone set it: what a replay gives.
        self._event_followup = self.followup_action

    @classmethod
    def from_events(
        cls, sender_id: str, events: Iterable[Event], slots: Iterable[Slot] | Mapping[str, Slot] | None
    ) -> DialogueStateTracker:
        """Build a tracker and apply ``events`` (timestamps kept)."""
        tracker = cls(sender_id, slots)
        for event in events:
            tracker.update(event)
        return tracker

    @classmethod
    def from_dicts(cls, sender_id: str, events: list[dict[str, Any]], domain: Domain) -> DialogueStateTracker:
        """Build a tracker from stored event dicts.

        Raises:
            BadRequest: An event dict is invalid.
        """
        return cls.from_events(sender_id, events_from_dicts(events), domain.slots)

    def init_copy(self) -> DialogueStateTracker:
        """Return an empty tracker with the same id and slot definitions."""
        return type(self)(self.sender_id, self.slots)

    def copy(self) -> DialogueStateTracker:
        """Return an independent tracker with the same events and state.

        The result is what replaying the events on a fresh tracker gives, but
        the derived state is copied instead (PERF: a replay costs a turn time
        proportional to the conversation's length).
        """
        if type(self) is DialogueStateTracker:
            # PERF: no __init__ (fresh slots and a reset state, all overwritten below).
            clone = object.__new__(DialogueStateTracker)
            clone.sender_id = self.sender_id
            clone.slots = {name: slot.twin() for name, slot in self.slots.items()}
            clone.state_cache = None
            clone._applied = None
        else:
            clone = self.init_copy()
            for name, slot in self.slots.items():
                clone.slots[name] = slot.twin()
        clone.events = list(self.events)
        clone.paused = self.paused
        clone.latest_action = dict(self.latest_action)
        clone.latest_message = self.latest_message
        clone.latest_bot_utterance = self.latest_bot_utterance
        # A follow-up consumed without an event (the processor does that) is back after a replay.
        clone.followup_action = clone._event_followup = self._event_followup
        clone.active_loop = copy.deepcopy(self.active_loop)
        return clone

    # -- state changes used by events -------------------------------------

    def reset(self) -> None:
        """Reset the derived state (events are kept)."""
        self.reset_slots()
        self.paused = False
        self.latest_action: dict[str, str] = {}
        self.latest_message: UserUttered = UserUttered.empty()
        self.latest_bot_utterance: BotUttered = BotUttered(timestamp=0.0)
        self.followup_action: str | None = ACTION_LISTEN
        self.active_loop: dict[str, Any] | None = None

    def replay(self) -> None:
        """Reset and re-apply the applied events (after a rewind or undo)."""
        self.reset()
        for event in self.applied_events():
            event.apply_to(self)

    def reset_slots(self) -> None:
        """Set every slot back to its initial value."""
        for slot in self.slots.values():
            slot.reset()

    def set_slot(self, name: str, value: Any) -> None:
        """Set slot ``name``; unknown slots are ignored (as in Rasa)."""
        slot = self.slots.get(name)
        if slot is not None:
            slot.set(value)

    def set_latest_action(self, sub_state: dict[str, str]) -> None:
        """Record the latest action and reset the loop's interruption flags."""
        self.latest_action = sub_state
        loop_name = self.active_loop_name
        if self.active_loop is not None and loop_name:
            self.active_loop["is_interrupted"] = False
        if self.active_loop is not None and sub_state.get("action_name") == loop_name:
            self.active_loop["rejected"] = False

    def change_loop_to(self, name: str | None) -> None:
        """Activate loop ``name`` (None deactivates)."""
        if name is None:
            self.active_loop = None
            return
        self.active_loop = {
            "name": name,
            "is_interrupted": False,
            "rejected": False,
            "trigger_message": copy.deepcopy(self.latest_message.parse_data),
        }

    def set_latest_message_featurization(self, use_text: bool) -> None:
        """Record whether the latest user turn is featurized by its text."""
        message = _shallow_copy(self.latest_message)
        message.use_text_for_featurization = use_text
        self.latest_message = message

    def add_latest_message_entities(self, entities: list[dict[str, Any]]) -> None:
        """Add entities (deduplicated) to the latest user message."""
        message = _shallow_copy(self.latest_message)
        message.entities = list(message.entities) + [e for e in entities if e not in message.entities]
        self.latest_message = message

    # -- appending ---------------------------------------------------------

    def update(self, event: Event) -> None:
        """Append ``event`` and apply it."""
        if not isinstance(event, Event):
            raise TypeError(f"expected an Event, got {type(event).__name__}")
        self.events.append(event)
        event.apply_to(self)
        self._event_followup = self.followup_action

    def update_with_events(
        self, events: Iterable[Event], override_timestamp: bool = True, now: float | None = None
    ) -> None:
        """Append several events, by default re-stamped with server time."""
        for event in events:
            if override_timestamp:
                event.timestamp = time.time() if now is None else now
            self.update(event)

    # -- derived views -----------------------------------------------------

    def applied_events(self) -> list[Event]:
        """Return the events that still shape the state (Rasa's algorithm).

        The algorithm folds the events left to right given the set of loop
        names, so events appended since the last call extend the last result
        (PERF: no pass over a long conversation each time) unless they bring
        a new loop name.
        """
        events = self.events
        cached = self._applied
        if cached is not None and cached[0] is events and cached[1] <= len(events) and (
            cached[1] == 0 or events[cached[1] - 1] is cached[2]
        ):
            _, count, _, loops, previous = cached
            new = events[count:]
            if not any(isinstance(e, ActiveLoop) and e.name and e.name not in loops for e in new):
                applied = _fold_applied(new, loops, list(previous))
                self._applied = (events, len(events), events[-1] if events else None, loops, applied)
                return list(applied)
        loops = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
        applied = _fold_applied(events, loops, [])
        self._applied = (events, len(events), events[-1] if events else None, loops, applied)
        return list(applied)

    def events_after_latest_restart(self) -> list[Event]:
        """Return the events after the last ``restart`` event."""
        for index in range(len(self.events) - 1, -1, -1):
            if isinstance(self.events[index], Restarted):
                return self.events[index + 1:]
        return list(self.events)

    def has_applied_events(self) -> bool:
        """Return whether any event still shapes the state."""
        return bool(self.applied_events())

    @property
    def latest_action_name(self) -> str | None:
        """Return the latest action's name or e2e text, or None."""
        return self.latest_action.get("action_name") or self.latest_action.get("action_text")

    @property
    def active_loop_name(self) -> str | None:
        """Return the active loop's name (None when inactive or a rule marker)."""
        if not self.active_loop or self.active_loop["name"] == SHOULD_NOT_BE_SET:
            return None
        return self.active_loop["name"]

    @property
    def is_active_loop_rejected(self) -> bool:
        """Return whether the active loop rejected its last execution."""
        return bool(self.active_loop and self.active_loop.get("rejected"))

    @property
    def is_active_loop_interrupted(self) -> bool:
        """Return whether the active loop resumes after an unhappy path."""
        return bool(self.active_loop and self.active_loop.get("is_interrupted"))

    def is_paused(self) -> bool:
        """Return whether the conversation is paused."""
        return self.paused

    def get_slot(self, name: str) -> Any:
        """Return the value of slot ``name`` (None for unknown slots)."""
        slot = self.slots.get(name)
        return None if slot is None else slot.value

    def current_slot_values(self) -> dict[str, Any]:
        """Return slot name -> value for every slot."""
        return {name: slot.value for name, slot in self.slots.items()}

    def get_last_event_for(
        self, kind: type[Event] | tuple[type[Event], ...], exclude_actions: Iterable[str] = (), skip: int = 0
    ) -> Event | None:
        """Return the last event of ``kind`` (skipping ``skip`` matches)."""
        excluded = set(exclude_actions)
        for event in reversed(self.events):
            if not isinstance(event, kind):
                continue
            if isinstance(event, ActionExecuted) and event.action_name in excluded:
                continue
            if skip == 0:
                return event
            skip -= 1
        return None

    @property
    def latest_input_channel(self) -> str | None:
        """Return the input channel of the last user message."""
        last = self.get_last_event_for(UserUttered)
        return last.input_channel if isinstance(last, UserUttered) else None

    @property
    def latest_event_time(self) -> float | None:
        """Return the timestamp of the last event, or None."""
        return self.events[-1].timestamp if self.events else None

    def latest_message_dict(self) -> dict[str, Any]:
        """Return the latest parse data with the live entity list."""
        data = dict(self.latest_message.parse_data or {})
        data["entities"] = self.latest_message.entities
        return data

    def current_state(self, verbosity: str | EventVerbosity = EventVerbosity.AFTER_RESTART) -> dict[str, Any]:
        """Return Rasa's tracker JSON.

        Raises:
            BadRequest: ``verbosity`` is not a valid ``include_events`` value.
        """
        level = EventVerbosity.parse(verbosity)
        selected: list[Event] | None
        if level is EventVerbosity.NONE:
            selected = None
        elif level is EventVerbosity.APPLIED:
            selected = self.applied_events()
        elif level is EventVerbosity.AFTER_RESTART:
            selected = self.events_after_latest_restart()
        else:
            selected = self.events
        return {
            "sender_id": self.sender_id,
            "slots": self.current_slot_values(),
            "latest_message": self.latest_message_dict(),
            "latest_event_time": self.latest_event_time,
            "followup_action": self.followup_action,
            "paused": self.paused,
            "events": None if selected is None else [e.as_dict() for e in selected],
            "latest_input_channel": self.latest_input_channel,
            "active_loop": dict(self.active_loop) if self.active_loop else {},
            "latest_action": dict(self.latest_action),
            "latest_action_name": self.latest_action_name,
        }

    def travel_back_in_time(self, until: float) -> DialogueStateTracker:
        """Return a new tracker holding only the events up to ``until``."""
        tracker = self.init_copy()
        for event in self.events:
            if event.timestamp is not None and event.timestamp > until:
                break
            tracker.update(event)
        return tracker

    def __repr__(self) -> str:
        return f"DialogueStateTracker({self.sender_id!r}, {len(self.events)} events)"
