"""The policy interface, its prediction type and JSON persistence.

Policies follow the scikit-learn contract: configuration in ``__init__``
(merged over :meth:`Policy.get_default_config`), learning in :meth:`fit`
(returns self, learned state in ``*_`` attributes), explicit
:meth:`persist` / :meth:`load` with a format version check.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from engine.conversation.events import Event
from engine.errors import ModelLoadError

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker
    from engine.dialogue.story_trackers import TrainingTracker

logger = logging.getLogger(__name__)

POLICY_FILE = "policy.json"
FORMAT_VERSION = 1


@dataclass
class PolicyPrediction:
    """One policy's opinion on the next action.

    Attributes:
        probabilities: One score per ``domain.action_names`` entry.
        policy_name: The policy's class name (Rasa 3.x style).
        priority: Tie-breaker between equally confident policies.
        events: Events applied whichever policy wins (e.g. ``loop_interrupted``).
        optional_events: Events applied only if this prediction wins.
        is_no_user_prediction: Predicted without looking at user input
            (loop happy path); beats predictions that use it.
        is_end_to_end_prediction: Based on the message text (e2e).
        hide_rule_turn: The turn comes from a rule stories never use.
    """

    probabilities: list[float]
    policy_name: str
    priority: int = 1
    events: list[Event] = field(default_factory=list)
    optional_events: list[Event] = field(default_factory=list)
    is_no_user_prediction: bool = False
    is_end_to_end_prediction: bool = False
    hide_rule_turn: bool = False

    @property
    def max_confidence(self) -> float:
        """Return the highest probability (0.0 for an empty action space)."""
        return max(self.probabilities, default=0.0)

    @property
    def max_index(self) -> int:
        """Return the index of the highest probability (first on ties)."""
        best, best_index = -1.0, 0
        for index, value in enumerate(self.probabilities):
            if value > best:
                best, best_index = value, index
        return best_index


class Policy:
    """Base class of dialogue policies.

    Attributes:
        config: Defaults merged with the configuration given.
    """

    name: ClassVar[str] = "Policy"
    default_priority: ClassVar[int] = 1

    def __init__(self, **config: Any) -> None:
        defaults = self.get_default_config()
        unknown = sorted(set(config) - set(defaults))
        if unknown:
            logger.info("%s ignores unsupported settings: %s", self.name, ", ".join(unknown))
        self.config = {**defaults, **{k: v for k, v in config.items() if k in defaults}}

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return the configuration defaults."""
        return {"priority": cls.default_priority}

    @property
    def priority(self) -> int:
        """Return the configured priority."""
        return int(self.config["priority"])

    def fit(self, trackers: list[TrainingTracker], domain: Domain) -> Policy:
        """Learn from story and rule trackers; return self."""
        raise NotImplementedError

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        """Score every action of ``domain`` for the next turn of ``tracker``."""
        raise NotImplementedError

    def prediction(
        self, domain: Domain, scores: dict[str, float] | None = None, **flags: Any
    ) -> PolicyPrediction:
        """Build a prediction from ``action name -> score`` (others 0.0)."""
        probabilities = [0.0] * len(domain.action_names)
        for action, score in (scores or {}).items():
            index = domain.index_for_action(action)
            if index is not None:
                probabilities[index] = score
        return PolicyPrediction(probabilities, self.name, self.priority, **flags)

    def learned_state(self) -> dict[str, Any]:
        """Return what :meth:`fit` learned, JSON-serializable."""
        return {}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`learned_state` returned."""

    def persist(self, directory: Path) -> None:
        """Write the policy as JSON into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        document = {
            "format_version": FORMAT_VERSION,
            "policy": self.name,
            "config": self.config,
            "state": self.learned_state(),
        }
        (directory / POLICY_FILE).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Policy:
        """Read a policy written by :meth:`persist`.

        Raises:
            ModelLoadError: Missing or unreadable file, another policy, or
                another format version.
        """
        path = Path(directory) / POLICY_FILE
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as ex:
            raise ModelLoadError(f"Cannot read policy file '{path}': {ex}") from ex
        if document.get("format_version") != FORMAT_VERSION:
            raise ModelLoadError(
                f"Policy file '{path}' has format version {document.get('format_version')}, "
                f"expected {FORMAT_VERSION}; retrain the model."
            )
        if document.get("policy") != cls.name:
            raise ModelLoadError(f"Policy file '{path}' holds {document.get('policy')}, not {cls.name}.")
        policy = cls(**document.get("config", {}))
        policy.restore_state(document.get("state", {}))
        return policy
