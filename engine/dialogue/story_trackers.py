"""Turn stories and rules into training trackers.

Each story becomes event sequences: a user turn is ``action_listen`` (when
not already listening) + a ``user`` event + the slots its entities fill
implicitly; ``action``/``bot`` steps become ``action`` events; ``or``
steps fork alternatives. Stories are joined on checkpoints (an end
checkpoint continues with every part starting at it; no augmentation).
Rules get condition events, the ``...`` snippet marker (unless
``conversation_start``), a trailing ``...`` when ``wait_for_user_input``
is false, and ``null`` values become "must not be set".

:func:`augmented_trackers` glues random pairs of finished stories into
longer conversations (Rasa's story augmentation); only the ML policy
learns from them.
"""
from __future__ import annotations

import itertools
import logging
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from engine.conversation.constants import ACTION_LISTEN, RULE_SNIPPET_ACTION, SHOULD_NOT_BE_SET
from engine.conversation.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from engine.conversation.slots import Slot
from engine.conversation.tracker import DialogueStateTracker
from engine.data.types import Story

if TYPE_CHECKING:
    from engine.conversation.domain import Domain

logger = logging.getLogger(__name__)

MAX_TRACKERS = 20_000
MAX_CHECKPOINT_DEPTH = 10


class TrainingTracker(DialogueStateTracker):
    """A tracker built from a story or rule (``sender_id`` is its name).

    Attributes:
        is_rule_tracker: Built from a rule.
    """

    def __init__(
        self, sender_id: str, slots: Iterable[Slot] | Mapping[str, Slot] | None = None, *, is_rule_tracker: bool = False
    ) -> None:
        super().__init__(sender_id, slots)
        self.is_rule_tracker = is_rule_tracker
        self.is_augmented = False

    def init_copy(self) -> TrainingTracker:
        """Return an empty tracker of the same kind."""
        return TrainingTracker(self.sender_id, self.slots, is_rule_tracker=self.is_rule_tracker)

    def copy(self) -> TrainingTracker:
        """Return an independent copy with the same events."""
        clone = self.init_copy()
        for event in self.events:
            clone.update(event)
        return clone


@dataclass
class _Part:
    """A story cut at checkpoints: starts, steps (``or`` unexpanded), ends."""

    name: str
    starts: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)


def _split_at_checkpoints(story: Story) -> list[_Part]:
    parts: list[_Part] = []
    current = _Part(story.name)
    continues_split = False  # `current` only holds the checkpoints that closed parts[-1]
    for step in story.steps:
        if "checkpoint" not in step:
            current.steps.append(step)
            continues_split = False
        elif current.steps:
            current.ends.append(step["checkpoint"])
            parts.append(current)
            current = _Part(story.name, starts=[step])
            continues_split = True
        else:
            if continues_split:
                parts[-1].ends.append(step["checkpoint"])
            current.starts.append(step)
    if current.steps or not parts:
        parts.append(current)
    return parts


def _alternatives(steps: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    options = [step["or"] if "or" in step else [step] for step in steps]
    return [list(combo) for combo in itertools.product(*options)]


class _Builder:
    """Appends step events to a training tracker."""

    def __init__(self, domain: Domain, is_rule: bool) -> None:
        self.domain = domain
        self.is_rule = is_rule

    def _listen_if_needed(self, tracker: TrainingTracker) -> None:
        last = tracker.events[-1] if tracker.events else None
        if not (isinstance(last, ActionExecuted) and last.action_name == ACTION_LISTEN):
            tracker.update(ActionExecuted(ACTION_LISTEN, timestamp=0.0))

    def _slot_value(self, item: dict[str, Any]) -> Any:
        value = item.get("value")
        if item.get("has_value", True):
            return SHOULD_NOT_BE_SET if value is None and self.is_rule else value
        slot = self.domain.slots.get(item["name"])
        kind = slot.type_name if slot else "text"
        if kind == "list":
            return ["filled"]
        if kind == "bool":
            return True
        if kind != "text":
            logger.warning("slot_was_set without a value for %s slot %r", kind, item["name"])
        return "filled"

    def add_step(self, tracker: TrainingTracker, step: dict[str, Any]) -> None:
        """Append the events of one (non-``or``) step."""
        if step.get("user_turn"):
            self._listen_if_needed(tracker)
            intent = step.get("intent")
            entities = list(step.get("entities") or [])
            parse = {"intent": {"name": intent, "confidence": 1.0} if intent else {}, "entities": entities}
            tracker.update(
                UserUttered(step.get("text"), parse, use_text_for_featurization=intent is None, timestamp=0.0)
            )
            for name, value in self.domain.slots_for_entities(entities):
                tracker.update(SlotSet(name, value, timestamp=0.0))
        elif "action" in step:
            tracker.update(ActionExecuted(step["action"], timestamp=0.0))
        elif "bot" in step:
            tracker.update(ActionExecuted(None, action_text=step["bot"], timestamp=0.0))
        elif "slot_was_set" in step:
            for item in step["slot_was_set"]:
                tracker.update(SlotSet(item["name"], self._slot_value(item), timestamp=0.0))
        elif "active_loop" in step:
            name = step["active_loop"]
            if name is None and self.is_rule:
                name = SHOULD_NOT_BE_SET
            tracker.update(ActiveLoop(name, timestamp=0.0))

    def add_steps(self, tracker: TrainingTracker, steps: list[dict[str, Any]], at_story_start: bool) -> None:
        """Append steps; a story's opening action is marked unpredictable."""
        first_action = at_story_start
        for step in steps:
            before = len(tracker.events)
            self.add_step(tracker, step)
            if step.get("user_turn"):
                first_action = False
            elif first_action and ("action" in step or "bot" in step):
                # Nothing precedes it: it cannot be learned as a prediction.
                event = tracker.events[before]
                if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN:
                    event.unpredictable = True
                first_action = False


def _conditions_hold(tracker: TrainingTracker, start: dict[str, Any]) -> bool:
    return all(
        tracker.get_slot(item["name"]) == item.get("value") for item in start.get("slot_was_set") or []
    )


def story_trackers(stories: list[Story], domain: Domain) -> list[TrainingTracker]:
    """Build the training trackers of ``stories`` (checkpoints joined)."""
    parts = [part for story in stories for part in _split_at_checkpoints(story)]
    by_start: dict[str, list[_Part]] = {}
    for part in parts:
        for start in part.starts:
            by_start.setdefault(start["checkpoint"], []).append(part)
    builder = _Builder(domain, is_rule=False)
    finished: list[TrainingTracker] = []
    unused: set[str] = set()

    def extend(tracker: TrainingTracker, part: _Part, depth: int) -> None:
        for steps in _alternatives(part.steps):
            if len(finished) >= MAX_TRACKERS:
                return
            branch = tracker.copy()
            branch.sender_id = part.name if depth == 0 else tracker.sender_id
            builder.add_steps(branch, steps, at_story_start=depth == 0)
            followers = [
                (nxt, start)
                for cp in part.ends
                for nxt in by_start.get(cp, [])
                for start in nxt.starts
                if start["checkpoint"] == cp
            ]
            followers = [(nxt, start) for nxt, start in followers if _conditions_hold(branch, start)]
            if not followers or depth >= MAX_CHECKPOINT_DEPTH:
                unused.update(cp for cp in part.ends if cp not in by_start)
                builder._listen_if_needed(branch)
                finished.append(branch)
                continue
            for nxt, _ in followers:
                extend(branch, nxt, depth + 1)

    for part in parts:
        if not part.starts:
            extend(TrainingTracker(part.name, domain.slots), part, 0)
    if unused:
        logger.warning("unused end checkpoints in stories: %s", ", ".join(sorted(unused)))
    if len(finished) >= MAX_TRACKERS:
        logger.warning("story expansion stopped at %d trackers", MAX_TRACKERS)
    return finished


def rule_trackers(rules: list[Story], domain: Domain) -> list[TrainingTracker]:
    """Build the training trackers of ``rules``."""
    builder = _Builder(domain, is_rule=True)
    finished: list[TrainingTracker] = []
    for rule in rules:
        steps = [s for s in rule.steps if "checkpoint" not in s]
        for condition in _alternatives(rule.condition):
            for alternative in _alternatives(steps):
                tracker = TrainingTracker(rule.name, domain.slots, is_rule_tracker=True)
                prefix = list(condition)
                for step in prefix:
                    builder.add_step(tracker, step)
                if not rule.conversation_start:
                    tracker.update(ActionExecuted(RULE_SNIPPET_ACTION, timestamp=0.0))
                builder.add_steps(tracker, alternative, at_story_start=True)
                if rule.wait_for_user_input:
                    builder._listen_if_needed(tracker)
                else:
                    tracker.update(ActionExecuted(RULE_SNIPPET_ACTION, timestamp=0.0))
                finished.append(tracker)
    return finished


def training_trackers(stories: list[Story], rules: list[Story], domain: Domain) -> list[TrainingTracker]:
    """Return story trackers followed by rule trackers."""
    return story_trackers(stories, domain) + rule_trackers(rules, domain)


def _starts_with_user_turn(tracker: TrainingTracker) -> bool:
    events = tracker.events
    return (
        len(events) > 1
        and isinstance(events[0], ActionExecuted)
        and events[0].action_name == ACTION_LISTEN
        and isinstance(events[1], UserUttered)
    )


def augmented_trackers(
    trackers: list[TrainingTracker], factor: int, rng: random.Random | None = None
) -> list[TrainingTracker]:
    """Return up to ``factor * 10`` trackers, each two random stories one after the other.

    Only stories that start with a user turn are appended (the first one's
    final ``action_listen`` leads into it); slots carry over, as they would
    in a real conversation.
    """
    stories = [t for t in trackers if not t.is_rule_tracker and not t.is_augmented]
    followers = [t for t in stories if _starts_with_user_turn(t)]
    if factor <= 0 or not stories or not followers:
        return []
    rng = rng or random.Random(42)
    glued: list[TrainingTracker] = []
    for _ in range(factor * 10):
        first, second = rng.choice(stories), rng.choice(followers)
        tracker = first.copy()
        tracker.sender_id = f"{first.sender_id} > {second.sender_id}"
        tracker.is_augmented = True
        for event in second.events[1:]:
            tracker.update(event)
        glued.append(tracker)
    return glued
