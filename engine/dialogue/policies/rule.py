"""RulePolicy: rules, default intents, loop happy paths and core fallback.

Prediction order (Rasa's): a text-based (end-to-end) rule; the default
intent mappings (``restart``, ``back``, ``session_start``) right after the
user spoke; the active loop's happy path (run the loop, then listen); an
intent-based rule. With no match the fallback action gets
``core_fallback_threshold`` (0.3). A rule matches when, walking back from
now, each of its states is contained in the conversation's state (``null``
in a rule means "must not be set"); the longest matching rule wins.

Training also replays rules and stories through the policy: a story that
contradicts a rule fails training (``check_for_contradictions``), and
rules no story uses are remembered so their turns are hidden from the ML
policies (``hide_rule_turn``).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from engine.conversation import constants as c
from engine.conversation.events import ActionExecuted, ActionExecutionRejected, LoopInterrupted
from engine.dialogue.featurization import (
    State,
    choose_last_user_input,
    is_prev_action_listen,
    states_for_tracker,
    training_examples,
)
from engine.dialogue.policies.base import Policy, PolicyPrediction
from engine.dialogue.policies.rule_matching import RuleMatcher, feature_key, loop_name, unhappy_states
from engine.errors import DataError

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker
    from engine.dialogue.story_trackers import TrainingTracker

logger = logging.getLogger(__name__)

DEFAULT_ACTION_MAPPINGS = {
    c.INTENT_RESTART: c.ACTION_RESTART,
    c.INTENT_BACK: c.ACTION_BACK,
    c.INTENT_SESSION_START: c.ACTION_SESSION_START,
}
DEFAULT_RULES = "predicting default action with intent "
LOOP_RULES = "handling active loops and forms - "
LOOP_RULES_SEPARATOR = " - "
LOOP_WAS_INTERRUPTED = "loop_was_interrupted"
DO_NOT_PREDICT_LOOP_ACTION = "do_not_predict_loop_action"


class RulePolicy(Policy):
    """Follow rules exactly; see the module docstring."""

    name = "RulePolicy"
    default_priority = 6

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.rules_: dict[str, str] = {}
        self.unhappy_: dict[str, str] = {}
        self.rules_not_in_stories_: list[str] = []
        self._hidden: set[str] = set()
        self.rule_only_data_: dict[str, list[str]] = {"rule_only_slots": [], "rule_only_loops": []}
        self._matcher = RuleMatcher()
        self._sources: dict[str, list[tuple[str, str]]] = defaultdict(list)

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's RulePolicy defaults."""
        return {
            "priority": cls.default_priority,
            "core_fallback_threshold": 0.3,
            "core_fallback_action_name": c.ACTION_DEFAULT_FALLBACK,
            "enable_fallback_prediction": True,
            "restrict_rules": True,
            "check_for_contradictions": True,
            "use_nlu_confidence_as_score": False,
        }

    # -- training ----------------------------------------------------------

    def fit(self, trackers: list[TrainingTracker], domain: Domain) -> RulePolicy:
        """Learn rules; check them against stories (see module docstring).

        Raises:
            DataError: A rule has several user turns (``restrict_rules``),
                the fallback action is not in the domain, or rules and
                stories contradict each other.
        """
        fallback = self.config["core_fallback_action_name"]
        if fallback and domain.index_for_action(fallback) is None:
            raise DataError(f"The fallback action '{fallback}' of the RulePolicy must be in the domain.")
        rule_trackers = [t for t in trackers if t.is_rule_tracker]
        story_trackers = [t for t in trackers if not t.is_rule_tracker]
        if self.config["restrict_rules"]:
            self._check_single_user_turn(rule_trackers)
        if self.config["check_for_contradictions"]:
            from engine.dialogue.policies.rule_checks import check_rules_are_complete

            check_rules_are_complete(rule_trackers, domain)
        rule_examples = [ex for t in rule_trackers for ex in training_examples(t, domain, omit_unset_slots=True)]
        story_examples = [ex for t in story_trackers for ex in training_examples(t, domain)]
        rules: dict[str, str] = {}
        for states, action in rule_examples:
            key = feature_key(states)
            if key is not None:
                rules[key] = action
        self.rules_ = {k: a for k, a in rules.items() if a != c.RULE_SNIPPET_ACTION}
        self._matcher = RuleMatcher()
        self.unhappy_ = self._unhappy_lookup(rule_examples + story_examples)
        self.rule_only_data_ = {"rule_only_slots": [], "rule_only_loops": []}
        self.rules_not_in_stories_ = []
        if self.config["check_for_contradictions"]:
            self.rule_only_data_ = self._rule_only_data(rule_examples, story_examples)
            self.rules_not_in_stories_ = self._analyze(rule_trackers, rule_trackers + story_trackers, domain)
        self._hidden = set(self.rules_not_in_stories_)
        logger.debug("RulePolicy learned %d rules", len(self.rules_))
        return self

    @staticmethod
    def _check_single_user_turn(rule_trackers: list[TrainingTracker]) -> None:
        from engine.conversation.events import UserUttered

        too_long = sorted(
            {t.sender_id for t in rule_trackers if sum(isinstance(e, UserUttered) for e in t.events) > 1}
        )
        if too_long:
            raise DataError(
                f"Found rules '{', '.join(too_long)}' that contain more than 1 user message. "
                "Rules are not meant to hardcode a state machine; use stories for these cases."
            )

    @staticmethod
    def _unhappy_lookup(examples: list[tuple[list[State], str]]) -> dict[str, str]:
        lookup: dict[str, str] = {}
        for states, action in examples:
            loop = loop_name(states[-1]) if states else None
            if not loop:
                continue
            reduced = unhappy_states(states)
            key = feature_key(reduced)
            if key is None:
                continue
            listened = is_prev_action_listen(reduced[-1])
            if listened and action == loop:
                lookup[key] = LOOP_WAS_INTERRUPTED
            elif not listened and action != loop:
                lookup[key] = DO_NOT_PREDICT_LOOP_ACTION
        return lookup

    @staticmethod
    def _rule_only_data(rule_examples: list[Any], story_examples: list[Any]) -> dict[str, list[str]]:
        def collect(examples: list[Any]) -> tuple[set[str], set[str]]:
            slots, loops = set(), set()
            for states, _ in examples:
                for state in states:
                    slots.update(state.get("slots", {}))
                    loop = state.get("active_loop", {}).get("name")
                    if loop:
                        loops.add(loop)
            return slots, loops

        rule_slots, rule_loops = collect(rule_examples)
        story_slots, story_loops = collect(story_examples)
        return {
            "rule_only_slots": sorted(rule_slots - story_slots - {c.SHOULD_NOT_BE_SET}),
            "rule_only_loops": sorted(rule_loops - story_loops - {c.SHOULD_NOT_BE_SET}),
        }

    def _analyze(self, rule_trackers: list[Any], all_trackers: list[Any], domain: Domain) -> list[str]:
        self._sources = defaultdict(list)
        self._replay(rule_trackers, domain, collect_sources=True)
        errors, used = self._replay(all_trackers, domain, collect_sources=False)
        if errors:
            raise DataError(
                "Contradicting rules or stories found:\n"
                + "\n".join(errors)
                + "\nPlease update your stories and rules so that they don't contradict each other."
            )
        every = set(self._sources) | {DEFAULT_RULES + i for i in DEFAULT_ACTION_MAPPINGS}
        for loop in domain.form_names:
            every |= {LOOP_RULES + loop, LOOP_RULES + loop + LOOP_RULES_SEPARATOR + c.ACTION_LISTEN}
        return sorted(every - used)

    def _replay(self, trackers: list[Any], domain: Domain, collect_sources: bool) -> tuple[list[str], set[str]]:
        errors: list[str] = []
        used: set[str] = set()
        for tracker in trackers:
            running = tracker.init_copy()
            unpredictable = True
            for event in tracker.applied_events():
                if not isinstance(event, ActionExecuted):
                    running.update(event)
                    continue
                if event.action_name == c.RULE_SNIPPET_ACTION:
                    unpredictable = True
                    running.update(event)
                    continue
                if unpredictable or event.unpredictable:
                    unpredictable = False
                    running.update(event)
                    continue
                gold = event.action_name or event.action_text or ""
                predicted, source = self._predicted_during_training(running, domain, gold)
                if collect_sources:
                    if source:
                        self._collect_source(running, predicted, gold, source)
                else:
                    if not tracker.is_rule_tracker and predicted == gold and source:
                        used.add(source)
                    errors += self._check_prediction(running, predicted, gold, source)
                running.update(event)
        return errors, used

    def _predicted_during_training(self, tracker: Any, domain: Domain, gold: str) -> tuple[str | None, str | None]:
        predicted, source = self._predict_next(tracker, domain)
        loop = tracker.active_loop_name
        if loop and predicted != gold and predicted == loop:
            # Training data has no rejections: emulate the loop rejecting here.
            tracker.update(ActionExecutionRejected(loop, timestamp=0.0))
            predicted, source = self._predict_next(tracker, domain)
        return predicted, source

    def _predict_next(self, tracker: Any, domain: Domain) -> tuple[str | None, str | None]:
        prediction, source = self._predict(tracker, domain)
        if prediction.probabilities == self._default_probabilities(domain) and not tracker.is_rule_tracker:
            return None, source
        return domain.action_names[prediction.max_index], source

    def _collect_source(self, tracker: Any, predicted: str | None, gold: str, source: str) -> None:
        name = tracker.sender_id
        if source.startswith(DEFAULT_RULES) or source.startswith(LOOP_RULES):
            gold, name = predicted or "", source
        self._sources[source].append((name, gold))

    def _check_prediction(self, tracker: Any, predicted: str | None, gold: str, source: str | None) -> list[str]:
        if not predicted or not source or predicted == gold:
            return []
        if self._should_delete(source, tracker, predicted):
            self.rules_.pop(source, None)
            return []
        contradicting = sorted({name for name, action in self._sources.get(source, []) if action != gold})
        if not contradicting:
            return []
        kind = "rule" if tracker.is_rule_tracker else "story"
        message = (
            f"- the prediction of the action '{gold}' in {kind} '{tracker.sender_id}' "
            f"is contradicting with rule(s) '{', '.join(contradicting)}'"
        )
        if predicted != self.config["core_fallback_action_name"]:
            message += f" which predicted action '{predicted}'"
        return [message + "."]

    def _should_delete(self, source: str, tracker: Any, predicted: str) -> bool:
        """A one-turn rule ending in listen yields to stories that continue."""
        if tracker.is_rule_tracker or source.count("prev_action") > 1 or predicted != c.ACTION_LISTEN:
            return False
        return any(key.startswith(source[:-2]) and key != source for key in self.rules_)

    # -- prediction --------------------------------------------------------

    def _default_probabilities(self, domain: Domain) -> list[float]:
        probabilities = [0.0] * len(domain.action_names)
        index = domain.index_for_action(self.config["core_fallback_action_name"])
        if self.config["enable_fallback_prediction"] and index is not None:
            probabilities[index] = float(self.config["core_fallback_threshold"])
        return probabilities

    def _result(self, action: str | None, tracker: DialogueStateTracker, domain: Domain) -> list[float]:
        probabilities = self._default_probabilities(domain)
        index = domain.index_for_action(action) if action else None
        if index is not None:
            score = 1.0
            if self.config["use_nlu_confidence_as_score"]:
                score = float(tracker.latest_message.intent.get("confidence", 1.0))
            probabilities[index] = score
        return probabilities

    def _rule_prediction(
        self, probabilities: list[float], source: str | None, *, interrupted: bool = False, **flags: Any
    ) -> PolicyPrediction:
        return PolicyPrediction(
            probabilities,
            self.name,
            self.priority,
            events=[LoopInterrupted(True)] if interrupted else [],
            hide_rule_turn=source in self._hidden,
            **flags,
        )

    def _from_rules(
        self, tracker: DialogueStateTracker, all_states: list[State], use_text: bool, longest: int | None = None
    ) -> tuple[str | None, str | None, bool]:
        if use_text and tracker.latest_action_name != c.ACTION_LISTEN:
            return None, None, False
        states = all_states[:-1] + [{k: dict(v) for k, v in all_states[-1].items()}] if all_states else []
        choose_last_user_input(states, use_text)
        keys = self._matcher.possible_keys(self.rules_, states)
        best = max(keys, key=lambda k: (len(k), k)) if keys else ""
        predicted = self.rules_.get(best) if best else None
        interrupted = False
        loop = tracker.active_loop_name
        if loop:
            conditions = {self.unhappy_[k] for k in self._matcher.possible_keys(self.unhappy_, states)}
            if predicted == c.ACTION_LISTEN and not loop_name(self._matcher.last_state(best)):
                # A general rule ended inside the loop: go back to the loop.
                if DO_NOT_PREDICT_LOOP_ACTION not in conditions:
                    return loop, best, interrupted
                predicted = None
            interrupted = LOOP_WAS_INTERRUPTED in conditions
        return predicted, best or feature_key(states, longest), interrupted

    @staticmethod
    def _from_default_actions(tracker: DialogueStateTracker) -> tuple[str | None, str | None]:
        if tracker.latest_action_name != c.ACTION_LISTEN:
            return None, None
        intent = tracker.latest_message.intent_name
        action = DEFAULT_ACTION_MAPPINGS.get(intent or "")
        return (action, DEFAULT_RULES + intent) if action and intent else (None, None)

    @staticmethod
    def _from_loop_happy_path(tracker: DialogueStateTracker) -> tuple[str | None, str | None]:
        loop = tracker.active_loop_name
        if loop is None or tracker.is_active_loop_rejected:
            return None, None
        if tracker.latest_action and tracker.latest_action.get("action_name") != loop:
            return loop, LOOP_RULES + loop
        if tracker.latest_action_name == loop:
            return c.ACTION_LISTEN, LOOP_RULES + loop + LOOP_RULES_SEPARATOR + c.ACTION_LISTEN
        return None, None

    def _predict(
        self, tracker: DialogueStateTracker, domain: Domain, *, serving: bool = False
    ) -> tuple[PolicyPrediction, str | None]:
        """Predict and name the source; ``serving`` skips sources that cannot be hidden rules.

        When serving, a source only decides ``hide_rule_turn`` (is it one of
        the hidden rules' keys?), so a conversation longer than every hidden
        rule gets no source instead of its whole history's key.
        """
        states = states_for_tracker(tracker, domain)
        longest = self._longest_hidden() if serving else None
        text_action, text_source, text_interrupted = self._from_rules(tracker, states, True, longest)
        default_action, default_source = self._from_default_actions(tracker)
        if default_action and not text_action:
            return self._rule_prediction(self._result(default_action, tracker, domain), default_source), default_source
        loop_action, loop_source = self._from_loop_happy_path(tracker)
        if loop_action:
            prediction = self._rule_prediction(
                self._result(loop_action, tracker, domain), loop_source, is_no_user_prediction=True
            )
            return prediction, loop_source
        if text_action:
            prediction = self._rule_prediction(
                self._result(text_action, tracker, domain),
                text_source,
                interrupted=text_interrupted,
                is_end_to_end_prediction=True,
            )
            return prediction, text_source
        action, source, interrupted = self._from_rules(tracker, states, False, longest)
        probabilities = self._result(action, tracker, domain) if action else self._default_probabilities(domain)
        prediction = self._rule_prediction(probabilities, source, interrupted=text_interrupted or interrupted)
        return prediction, source

    def _longest_hidden(self) -> int:
        """Return the most states a hidden rule's key holds (computed once per set)."""
        hidden = self._hidden
        if getattr(self, "_longest_for", None) is not hidden:
            # Sources of default and loop rules are plain text, not state keys.
            self._longest_key = self._matcher.longest([key for key in hidden if key.startswith("[")])
            self._longest_for = hidden
        return self._longest_key

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        """Predict per the module docstring."""
        return self._predict(tracker, domain, serving=True)[0]

    # -- persistence -------------------------------------------------------

    def learned_state(self) -> dict[str, Any]:
        """Return rules, unhappy-path lookup, hidden sources and rule-only data."""
        return {
            "rules": self.rules_,
            "rules_for_loop_unhappy_path": self.unhappy_,
            "rules_not_in_stories": self.rules_not_in_stories_,
            "rule_only_data": self.rule_only_data_,
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`learned_state` returned."""
        self.rules_ = dict(state.get("rules") or {})
        self.unhappy_ = dict(state.get("rules_for_loop_unhappy_path") or {})
        self.rules_not_in_stories_ = list(state.get("rules_not_in_stories") or [])
        self._hidden = set(self.rules_not_in_stories_)
        self.rule_only_data_ = dict(state.get("rule_only_data") or {})
        self._matcher = RuleMatcher()
