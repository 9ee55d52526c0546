"""The policy ensemble: configure, train, pick the winning prediction, persist.

Config uses Rasa's policy names. Policies Parley implements differently
map to an equivalent with one log line (``TEDPolicy`` -> the
:class:`MLPolicy` with TED's priority and ``max_history``, reporting its
predictions as ``TEDPolicy``; 2.x ``FallbackPolicy``/``MappingPolicy``/``FormPolicy``/
``TwoStageFallbackPolicy`` -> the RulePolicy); ``UnexpecTEDIntentPolicy``
is dropped with a log line.

Selection (Rasa's): the action an ``action_execution_rejected`` just
refused gets 0 everywhere; then the prediction maximizing
(no-user flag, end-to-end flag, confidence, priority) wins, ties going to
the earlier policy in the config.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.conversation.constants import ACTION_LISTEN
from engine.conversation.events import (
    ActionExecuted,
    ActionExecutionRejected,
    DefinePrevUserUtteredFeaturization,
    Event,
)
from engine.dialogue.legacy_policies import LEGACY_RULE_POLICIES, legacy_rules, rule_settings
from engine.dialogue.policies.base import Policy, PolicyPrediction
from engine.dialogue.policies.memoization import AugmentedMemoizationPolicy, MemoizationPolicy
from engine.dialogue.policies.ml import MLPolicy
from engine.dialogue.policies.rule import RulePolicy
from engine.dialogue.story_trackers import augmented_trackers, training_trackers
from engine.errors import DataError, ModelLoadError

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker
    from engine.data.types import Story

logger = logging.getLogger(__name__)

ENSEMBLE_FILE = "ensemble.json"
FORMAT_VERSION = 1

# RulePolicy is listed here too but built in from_config (legacy policies merge into it).
POLICY_CLASSES: dict[str, type[Policy]] = {
    cls.name: cls for cls in (MemoizationPolicy, AugmentedMemoizationPolicy, RulePolicy, MLPolicy)
}
TED_PRIORITY = 1
# Rasa names served by another implementation: name -> (class, config overrides).
MAPPED = {
    "TEDPolicy": (MLPolicy, {"priority": TED_PRIORITY, "max_history": 5, "policy_name": "TEDPolicy"}),
    "SklearnPolicy": (MLPolicy, {"priority": TED_PRIORITY, "max_history": 5, "policy_name": "SklearnPolicy"}),
}
# Settings of a mapped Rasa policy that carry over to its Parley equivalent.
MAPPED_SETTINGS = ("max_history", "priority", "random_seed", "augmentation_factor")
DROPPED = ("UnexpecTEDIntentPolicy",)
DEFAULT_POLICIES: list[dict[str, Any]] = [
    {"name": "MemoizationPolicy"},
    {"name": "RulePolicy"},
    {"name": "UnexpecTEDIntentPolicy", "max_history": 5, "epochs": 100},
    {"name": "TEDPolicy", "max_history": 5, "epochs": 100},
]


@dataclass
class Prediction:
    """The ensemble's choice of the next action.

    Attributes:
        action: The action name (or end-to-end text).
        policy: Winning policy's class name (Rasa 3.x style).
        confidence: The winner's highest probability.
        events: Events to apply before running the action.
        scores: ``[{"action", "score"}]`` over the action space, best first.
        hide_rule_turn: The turn is a rule's that stories never use.
        is_end_to_end_prediction: The winner used the message text.
    """

    action: str
    policy: str | None
    confidence: float
    events: list[Event] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    hide_rule_turn: bool = False
    is_end_to_end_prediction: bool = False


def _short_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _rejected_action(tracker: DialogueStateTracker) -> str | None:
    last = tracker.get_last_event_for((ActionExecuted, ActionExecutionRejected))
    return last.action_name if isinstance(last, ActionExecutionRejected) else None


def scores_for(probabilities: list[float], domain: Domain) -> list[dict[str, Any]]:
    """Return ``{"action", "score"}`` dicts sorted by score, then name."""
    pairs = [{"action": a, "score": p} for a, p in zip(domain.action_names, probabilities)]
    return sorted(pairs, key=lambda item: (-item["score"], item["action"]))


class PolicyEnsemble:
    """An ordered list of policies and Rasa's rules for combining them.

    Attributes:
        policies: The policies, in config order.
        mappings: ``(Rasa name, Parley class)`` for each mapped policy.
        dropped: Rasa policy names left out.
        legacy: 2.x policies served by the RulePolicy (see
            :mod:`engine.dialogue.legacy_policies`).
    """

    def __init__(
        self,
        policies: list[Policy],
        mappings: list[tuple[str, str]] | None = None,
        dropped: list[str] | None = None,
        legacy: list[str] | None = None,
    ) -> None:
        self.policies = policies
        self.mappings = mappings or []
        self.dropped = dropped or []
        self.legacy = legacy or []

    @classmethod
    def from_config(cls, policies: list[dict[str, Any]] | None) -> PolicyEnsemble:
        """Build the ensemble from config.yml's ``policies`` (None: Rasa's defaults).

        Raises:
            DataError: An entry has no name or an unknown name.
        """
        entries = DEFAULT_POLICIES if policies is None else policies
        if not isinstance(entries, list):
            raise DataError("config 'policies' must be a list.")
        built: list[Policy] = []
        mappings: list[tuple[str, str]] = []
        dropped: list[str] = []
        legacy: list[str] = []
        valid = sorted([*POLICY_CLASSES, *MAPPED, *DROPPED, *LEGACY_RULE_POLICIES])
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise DataError(f"Every policy needs a 'name'; got {entry!r}.")
            name = _short_name(entry["name"])
            config = {k: v for k, v in entry.items() if k != "name"}
            if name in DROPPED:
                logger.info("policy %s is not supported and is left out", name)
                dropped.append(name)
            elif name in MAPPED:
                target, overrides = MAPPED[name]
                # Rasa's `epochs` count transformer passes and do not carry over.
                settings = {**overrides, **{k: v for k, v in config.items() if k in MAPPED_SETTINGS}}
                logger.info("policy %s is served by %s(%s)", name, target.name, settings)
                mappings.append((name, target.name))
                built.append(target(**settings))
            elif name in LEGACY_RULE_POLICIES or name == RulePolicy.name:
                settings = rule_settings(name, config) if name != RulePolicy.name else config
                existing = next((p for p in built if isinstance(p, RulePolicy)), None)
                if existing is None:
                    built.append(RulePolicy(**settings))
                else:
                    known = RulePolicy.get_default_config()
                    existing.config.update({k: v for k, v in settings.items() if k in known})
                if name != RulePolicy.name:
                    logger.info("policy %s is served by RulePolicy(%s)", name, settings)
                    mappings.append((name, RulePolicy.name))
                    legacy.append(name)
            elif name in POLICY_CLASSES:
                built.append(POLICY_CLASSES[name](**config))
            else:
                raise DataError(f"Unknown policy '{entry['name']}'. Valid policies: {', '.join(valid)}.")
        return cls(built, mappings, dropped, legacy)

    def fit(self, stories: list[Story], rules: list[Story], domain: Domain) -> PolicyEnsemble:
        """Train every policy on the stories and rules; return self.

        Raises:
            DataError: The training data is inconsistent (e.g. contradicting rules).
        """
        trackers = training_trackers(stories, rules + legacy_rules(self.legacy, domain), domain)
        rule_policies = [p for p in self.policies if isinstance(p, RulePolicy)]
        for policy in rule_policies:
            policy.fit(trackers, domain)
        rule_only = rule_policies[0].rule_only_data_ if rule_policies else {}
        augmented: list[Any] | None = None
        for policy in self.policies:
            if isinstance(policy, RulePolicy):
                continue
            if isinstance(policy, (MemoizationPolicy, MLPolicy)):
                policy.set_rule_only_data(rule_only)
            if isinstance(policy, MLPolicy):
                if augmented is None:
                    augmented = augmented_trackers(trackers, int(policy.config["augmentation_factor"]))
                policy.fit(trackers + augmented, domain)
            else:
                policy.fit(trackers, domain)
        return self

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> Prediction:
        """Return the next action per the selection rules in the module docstring."""
        predictions = [policy.predict(tracker, domain) for policy in self.policies]
        rejected = _rejected_action(tracker)
        index = domain.index_for_action(rejected) if rejected else None
        if index is not None:
            for prediction in predictions:
                prediction.probabilities[index] = 0.0
        best, events = self._best(predictions, domain)
        if tracker.latest_action_name == ACTION_LISTEN:
            events.append(DefinePrevUserUtteredFeaturization(best.is_end_to_end_prediction))
        confidence = best.max_confidence
        return Prediction(
            action=domain.action_names[best.max_index] if domain.action_names else ACTION_LISTEN,
            policy=best.policy_name if self.policies else None,
            confidence=confidence,
            events=events,
            scores=scores_for(best.probabilities, domain),
            hide_rule_turn=best.hide_rule_turn,
            is_end_to_end_prediction=best.is_end_to_end_prediction,
        )

    @staticmethod
    def _best(predictions: list[PolicyPrediction], domain: Domain) -> tuple[PolicyPrediction, list[Event]]:
        if not predictions:
            return PolicyPrediction([0.0] * len(domain.action_names), "", 0), []
        no_user = any(p.is_no_user_prediction for p in predictions)
        end_to_end = any(p.is_end_to_end_prediction for p in predictions)
        events: list[Event] = []
        best: PolicyPrediction | None = None
        best_rank = (-1.0, -1)
        for prediction in predictions:
            events += prediction.events
            if prediction.is_no_user_prediction != no_user:
                continue
            if not no_user and prediction.is_end_to_end_prediction != end_to_end:
                continue
            rank = (prediction.max_confidence, prediction.priority)
            if rank > best_rank:
                best, best_rank = prediction, rank
        assert best is not None  # at least one prediction carries each flag value
        return best, events + best.optional_events

    def persist(self, directory: Path) -> None:
        """Write the ensemble (one sub-directory per policy) into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        entries = []
        for index, policy in enumerate(self.policies):
            folder = f"{index}_{policy.name}"
            policy.persist(directory / folder)
            entries.append({"policy": policy.name, "directory": folder})
        document = {
            "format_version": FORMAT_VERSION,
            "policies": entries,
            "mappings": [list(m) for m in self.mappings],
            "dropped": self.dropped,
        }
        (directory / ENSEMBLE_FILE).write_text(json.dumps(document), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> PolicyEnsemble:
        """Read an ensemble written by :meth:`persist`.

        Raises:
            ModelLoadError: Missing, unreadable or incompatible files.
        """
        path = Path(directory) / ENSEMBLE_FILE
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as ex:
            raise ModelLoadError(f"Cannot read policy ensemble '{path}': {ex}") from ex
        if document.get("format_version") != FORMAT_VERSION:
            raise ModelLoadError(f"Policy ensemble '{path}' has an unsupported format version; retrain the model.")
        policies = []
        for entry in document.get("policies", []):
            policy_cls = POLICY_CLASSES.get(entry.get("policy"))
            if policy_cls is None:
                raise ModelLoadError(f"Policy ensemble '{path}' names unknown policy {entry.get('policy')!r}.")
            policies.append(policy_cls.load(Path(directory) / entry["directory"]))
        _share_rule_only_data(policies)
        mappings = [tuple(m) for m in document.get("mappings", [])]
        return cls(policies, mappings, list(document.get("dropped", [])))  # type: ignore[arg-type]


def _share_rule_only_data(policies: list[Policy]) -> None:
    """Give policies with equal rule-only data one shared dict, as training does.

    PERF: states_for_tracker keeps one state history per set of options, the
    rule-only data's identity among them; shared data lets the memoization
    and ML policies featurize a conversation once between them.
    """
    seen: list[Any] = []
    for policy in policies:
        data = getattr(policy, "rule_only_data_", None)
        if data is None or isinstance(policy, RulePolicy):
            continue
        same = next((other for other in seen if other == data), None)
        if same is None:
            seen.append(data)
        else:
            policy.rule_only_data_ = same  # type: ignore[attr-defined]
