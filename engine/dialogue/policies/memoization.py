"""Memoization policies: replay exactly what the stories did.

:class:`MemoizationPolicy` remembers, for every action of every story, the
last ``max_history`` states before it (``None`` = the whole story) and
predicts that action with confidence 1.0 when the conversation's states
match exactly. Keys that stories map to different actions are forgotten.
:class:`AugmentedMemoizationPolicy` also retries a miss on shorter
histories (dropping the oldest turns and the slots they set).
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from engine.conversation.events import ActionExecuted
from engine.dialogue.featurization import (
    State,
    choose_last_user_input,
    state_key,
    states_for_tracker,
    training_examples,
)
from engine.dialogue.policies.base import Policy, PolicyPrediction

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker
    from engine.dialogue.story_trackers import TrainingTracker

logger = logging.getLogger(__name__)


def _sliced(states: list[State], max_history: int | None) -> list[State]:
    return states[-max_history:] if max_history else states


class MemoizationPolicy(Policy):
    """Predict the action a story took in exactly this situation."""

    name = "MemoizationPolicy"
    default_priority = 3

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.lookup_: dict[str, str] = {}
        self.rule_only_data_: dict[str, list[str]] = {}

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return defaults: priority 3, unbounded history, confidence 1.0."""
        return {"priority": cls.default_priority, "max_history": None, "use_nlu_confidence_as_score": False}

    @property
    def max_history(self) -> int | None:
        """Return how many states a key holds (None: all)."""
        value = self.config.get("max_history")
        return int(value) if value else None

    def set_rule_only_data(self, data: dict[str, list[str]]) -> None:
        """Set the slots/loops only rules use; they are ignored at prediction."""
        self.rule_only_data_ = data

    def fit(self, trackers: list[TrainingTracker], domain: Domain) -> MemoizationPolicy:
        """Memorize the story trackers (rule trackers are not used)."""
        lookup: dict[str, str] = {}
        ambiguous: set[str] = set()
        for tracker in trackers:
            if tracker.is_rule_tracker:
                continue
            for states, action in training_examples(tracker, domain):
                key = state_key(_sliced(states, self.max_history))
                if key in ambiguous:
                    continue
                if key in lookup and lookup[key] != action:
                    ambiguous.add(key)
                    del lookup[key]
                else:
                    lookup[key] = action
        self.lookup_ = lookup
        logger.debug("%s memorized %d turns", self.name, len(lookup))
        return self

    def prediction_states(self, tracker: DialogueStateTracker, domain: Domain) -> list[State]:
        """Return the states the lookup key is made of."""
        states = states_for_tracker(
            tracker, domain, ignore_rule_only_turns=True, rule_only_data=self.rule_only_data_
        )
        choose_last_user_input(states, use_text=False)
        return _sliced(states, self.max_history)

    def recall(self, states: list[State], tracker: DialogueStateTracker, domain: Domain) -> str | None:
        """Return the memorized action for ``states``, or None."""
        if len(states) > self._longest():
            # PERF: no memorized key is that long; encoding a long history is not needed to know.
            return None
        return self.lookup_.get(state_key(states))

    def _longest(self) -> int:
        """Return the most states a memorized key holds (computed once per lookup)."""
        lookup = self.lookup_
        if getattr(self, "_longest_for", None) is not lookup:
            self._longest_key = max((len(json.loads(key)) for key in lookup), default=0)
            self._longest_for = lookup
        return self._longest_key

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        """Predict the memorized action with 1.0 (or the NLU confidence)."""
        action = self.recall(self.prediction_states(tracker, domain), tracker, domain)
        if action is None:
            return self.prediction(domain)
        score = 1.0
        if self.config.get("use_nlu_confidence_as_score"):
            score = float(tracker.latest_message.intent.get("confidence", 1.0))
        return self.prediction(domain, {action: score})

    def learned_state(self) -> dict[str, Any]:
        """Return the lookup and the rule-only data."""
        return {"lookup": self.lookup_, "rule_only_data": self.rule_only_data_}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Restore the lookup and the rule-only data."""
        self.lookup_ = dict(state.get("lookup") or {})
        self.rule_only_data_ = dict(state.get("rule_only_data") or {})


def _trim_to_max_history(tracker: DialogueStateTracker, max_history: int | None) -> DialogueStateTracker:
    """Keep the applied events of the last ``max_history`` turns (from an action)."""
    if not max_history:
        return tracker
    applied = tracker.applied_events()
    actions = 0
    for count, event in enumerate(reversed(applied), start=1):
        if isinstance(event, ActionExecuted):
            actions += 1
            if actions > max_history:
                return _tracker_from(tracker, applied[-count:])
    return tracker


def _tracker_from(tracker: DialogueStateTracker, events: list[Any]) -> DialogueStateTracker:
    fresh = tracker.init_copy()
    for event in events:
        fresh.update(event)
    return fresh


def _from_action(tracker: DialogueStateTracker, which: int) -> DialogueStateTracker | None:
    """Replay the applied events from the ``which``-th action (0 or 1) on."""
    applied = tracker.applied_events()
    indices = [i for i, e in enumerate(applied) if isinstance(e, ActionExecuted)][:2]
    if len(indices) <= which:
        return None
    return _tracker_from(tracker, applied[indices[which]:])


class AugmentedMemoizationPolicy(MemoizationPolicy):
    """Memoization that retries on ever shorter histories before giving up."""

    name = "AugmentedMemoizationPolicy"

    def recall(self, states: list[State], tracker: DialogueStateTracker, domain: Domain) -> str | None:
        """Look the states up; on a miss, forget old turns one by one and retry."""
        found = super().recall(states, tracker, domain)
        if found is not None:
            return found
        old_states = states
        shorter = _from_action(_trim_to_max_history(tracker, self.max_history), 0)
        while shorter is not None:
            new_states = self.prediction_states(shorter, domain)
            if new_states != old_states:
                found = super().recall(new_states, shorter, domain)
                if found is not None:
                    return found
                old_states = new_states
            shorter = _from_action(shorter, 1)
        return None
