"""MLPolicy: a small neural network over featurized dialogue states.

It generalizes to conversation paths the stories never showed (config.yml's
``TEDPolicy`` maps to it, and its predictions are then reported as
``TEDPolicy``). Each of the last ``max_history`` states becomes one vector:

* the user's intent (one-hot), entity labels (multi-hot) and, for
  end-to-end stories, the words of the user's text (bag of words),
* slot features (each featurized slot's ``as_feature`` values),
* the previous action or bot text (one-hot), the active loop (one-hot);

the vectors are concatenated (older missing turns are zeros) and a
scikit-learn ``MLPClassifier`` learns the next action from the story
trackers (plus augmented ones glued from several stories; each example is
also learned from its latest state alone). The learned
weights are stored as JSON + ``weights.npz`` (no pickles) and prediction
is a plain numpy forward pass.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.dialogue.featurization import State, choose_last_user_input, states_for_tracker, training_examples
from engine.dialogue.policies.base import FORMAT_VERSION, POLICY_FILE, Policy, PolicyPrediction
from engine.errors import ModelLoadError

if TYPE_CHECKING:
    import numpy as np

    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker
    from engine.dialogue.story_trackers import TrainingTracker

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "weights.npz"
SMALL_DATA = 2000
_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class StateVectorizer:
    """Turns state sequences into fixed-length vectors (see module docstring).

    Attributes:
        index: Feature name -> column within one state's vector.
        slot_sizes: Slot name -> number of features.
    """

    def __init__(self, index: dict[str, int] | None = None, slot_sizes: dict[str, int] | None = None) -> None:
        self.index = dict(index or {})
        self.slot_sizes = dict(slot_sizes or {})

    @classmethod
    def fit(cls, sequences: list[list[State]], domain: Domain) -> StateVectorizer:
        """Build the feature index from the domain and the training states."""
        names: list[str] = [f"intent:{i}" for i in domain.intents]
        names += [f"action:{a}" for a in domain.action_names]
        names += [f"loop:{f}" for f in domain.form_names]
        slot_sizes = {s.name: s.feature_dimensionality for s in domain.slots.values() if s.feature_dimensionality}
        for slot, size in slot_sizes.items():
            names += [f"slot:{slot}:{k}" for k in range(size)]
        seen: set[str] = set(names)
        for states in sequences:
            for state in states:
                for name in cls._names_of(state):
                    if name not in seen and not name.startswith("slot:"):
                        seen.add(name)
                        names.append(name)
        return cls({name: i for i, name in enumerate(names)}, slot_sizes)

    @staticmethod
    def _names_of(state: State) -> list[str]:
        user = state.get("user", {})
        names = []
        if user.get("intent"):
            names.append(f"intent:{user['intent']}")
        names += [f"entity:{e}" for e in user.get("entities", ())]
        if user.get("text"):
            names += [f"word:{w}" for w in _words(user["text"])]
        prev = state.get("prev_action", {})
        if prev.get("action_name"):
            names.append(f"action:{prev['action_name']}")
        elif prev.get("action_text"):
            names.append(f"action:{prev['action_text']}")
        loop = state.get("active_loop", {}).get("name")
        if loop:
            names.append(f"loop:{loop}")
        return names

    @property
    def width(self) -> int:
        """Return the length of one state's vector."""
        return len(self.index)

    def state_vector(self, state: State, out: Any) -> None:
        """Write ``state``'s features into ``out`` (a zeroed row slice)."""
        for name in self._names_of(state):
            column = self.index.get(name)
            if column is not None:
                out[column] = 1.0
        for slot, values in state.get("slots", {}).items():
            if not isinstance(values, tuple):
                continue
            for k, value in enumerate(values[: self.slot_sizes.get(slot, 0)]):
                column = self.index.get(f"slot:{slot}:{k}")
                if column is not None:
                    out[column] = float(value)

    def transform(self, sequences: list[list[State]], max_history: int) -> np.ndarray:
        """Return one row per sequence: its last ``max_history`` states, oldest first."""
        import numpy as np

        width = self.width
        matrix = np.zeros((len(sequences), width * max_history), dtype=np.float32)
        for row, states in enumerate(sequences):
            recent = states[-max_history:]
            offset = max_history - len(recent)
            for position, state in enumerate(recent):
                start = (offset + position) * width
                self.state_vector(state, matrix[row, start:start + width])
        return matrix


class MLPolicy(Policy):
    """Predict the next action with a small neural network (see module docstring)."""

    name = "MLPolicy"
    default_priority = 1

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.vectorizer_ = StateVectorizer()
        self.classes_: list[str] = []
        self.weights_: list[Any] = []
        self.biases_: list[Any] = []
        self.uses_text_ = False
        self.rule_only_data_: dict[str, list[str]] = {}

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return defaults: TED's priority and history, a 64-unit hidden layer."""
        return {
            "priority": cls.default_priority,
            "max_history": 5,
            "hidden_layer_size": 64,
            "epochs": 100,
            "random_seed": 0,
            "augmentation_factor": 20,
            "policy_name": cls.name,
        }

    @property
    def max_history(self) -> int:
        """Return how many past states a prediction looks at."""
        return int(self.config.get("max_history") or 5)

    @property
    def reported_name(self) -> str:
        """Return the name predictions carry (``TEDPolicy`` when mapped from it)."""
        return str(self.config.get("policy_name") or self.name)

    def set_rule_only_data(self, data: dict[str, list[str]]) -> None:
        """Set the slots/loops only rules use; they are ignored at prediction."""
        self.rule_only_data_ = data

    # -- training --------------------------------------------------------------

    def fit(self, trackers: list[TrainingTracker], domain: Domain) -> MLPolicy:
        """Train on the story trackers (rule trackers are for the RulePolicy)."""
        sequences: list[list[State]] = []
        labels: list[str] = []
        seen: set[tuple[str, str]] = set()
        for tracker in trackers:
            if tracker.is_rule_tracker:
                continue
            for states, action in training_examples(tracker, domain):
                # The latest state alone is a training example too, so paths
                # that reach a familiar state in an unfamiliar way still work.
                for view in (states[-self.max_history:], states[-1:]):
                    key = (json.dumps(view, sort_keys=True, default=list), action)
                    if key in seen:
                        continue
                    seen.add(key)
                    sequences.append(view)
                    labels.append(action)
        self.vectorizer_ = StateVectorizer.fit(sequences, domain)
        self.uses_text_ = any(s.get("user", {}).get("text") for states in sequences for s in states)
        self.classes_ = sorted(set(labels))
        self.weights_, self.biases_ = [], []
        if len(self.classes_) >= 2:
            self._train(self.vectorizer_.transform(sequences, self.max_history), labels)
        logger.debug("%s trained on %d examples of %d actions", self.name, len(labels), len(self.classes_))
        return self

    def _train(self, features: Any, labels: list[str]) -> None:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        # Few examples make few mini-batch steps: L-BFGS fits small story sets
        # well. Adam handles large ones, with passes scaled down as the data
        # grows so training time stays bounded.
        epochs = int(self.config["epochs"])
        small = len(labels) < SMALL_DATA
        model = MLPClassifier(
            hidden_layer_sizes=(int(self.config["hidden_layer_size"]),),
            solver="lbfgs" if small else "adam",
            max_iter=epochs * 3 if small else max(10, round(epochs * SMALL_DATA / len(labels))),
            random_state=int(self.config["random_seed"]),
            alpha=1e-4,
        )
        from threadpoolctl import threadpool_limits

        # Small matrices: one BLAS thread is many times faster than two
        # threads fighting over a busy 2-core machine.
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(features, labels)
        self.classes_ = [str(c) for c in model.classes_]
        self.weights_ = [w.astype("float32") for w in model.coefs_]
        self.biases_ = [b.astype("float32") for b in model.intercepts_]

    # -- prediction --------------------------------------------------------------

    def _probabilities(self, states: list[State]) -> Any:
        import numpy as np

        if not self.classes_:
            return np.zeros(0)
        if not self.weights_:
            return np.ones(1)
        activation = self.vectorizer_.transform([states], self.max_history)
        for layer, (weights, bias) in enumerate(zip(self.weights_, self.biases_)):
            activation = activation @ weights + bias
            if layer < len(self.weights_) - 1:
                activation = np.maximum(activation, 0.0)
        logits = activation[0]
        if len(self.classes_) == 2:
            # sklearn's binary output is one logistic unit for the second class.
            positive = 1.0 / (1.0 + np.exp(-logits[0]))
            return np.array([1.0 - positive, positive])
        shifted = np.exp(logits - logits.max())
        return shifted / shifted.sum()

    def _states(self, tracker: DialogueStateTracker, domain: Domain, use_text: bool) -> list[State]:
        states = states_for_tracker(tracker, domain, ignore_rule_only_turns=True, rule_only_data=self.rule_only_data_)
        # Only the last max_history states are used; choose_last_user_input changes
        # only the last one, which states_for_tracker made fresh for this call.
        states = states[-self.max_history:]
        choose_last_user_input(states, use_text=use_text)
        return states

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        """Score every action; with end-to-end training the text or the intent view wins, whichever is surer."""
        best = self._probabilities(self._states(tracker, domain, use_text=False))
        if self.uses_text_ and tracker.latest_message.text:
            by_text = self._probabilities(self._states(tracker, domain, use_text=True))
            if len(by_text) and by_text.max() > best.max():
                best = by_text
        scores = {action: float(p) for action, p in zip(self.classes_, best)}
        return PolicyPrediction(
            self.prediction(domain, scores).probabilities, self.reported_name, self.priority
        )

    # -- persistence ---------------------------------------------------------------

    def learned_state(self) -> dict[str, Any]:
        """Return the feature index, classes and rule-only data (weights go to ``weights.npz``)."""
        return {
            "index": self.vectorizer_.index,
            "slot_sizes": self.vectorizer_.slot_sizes,
            "classes": self.classes_,
            "uses_text": self.uses_text_,
            "layers": len(self.weights_),
            "rule_only_data": self.rule_only_data_,
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`learned_state` returned (weights are loaded separately)."""
        self.vectorizer_ = StateVectorizer(state.get("index"), state.get("slot_sizes"))
        self.classes_ = list(state.get("classes") or [])
        self.uses_text_ = bool(state.get("uses_text"))
        self.rule_only_data_ = dict(state.get("rule_only_data") or {})

    def persist(self, directory: Path) -> None:
        """Write ``policy.json`` and the network weights as ``weights.npz``."""
        import numpy as np

        super().persist(directory)
        arrays = {f"w{i}": w for i, w in enumerate(self.weights_)}
        arrays.update({f"b{i}": b for i, b in enumerate(self.biases_)})
        np.savez(Path(directory) / WEIGHTS_FILE, **arrays)

    @classmethod
    def load(cls, directory: Path) -> MLPolicy:
        """Read a policy written by :meth:`persist`.

        Raises:
            ModelLoadError: A file is missing, unreadable or inconsistent.
        """
        import numpy as np

        policy = super().load(directory)
        assert isinstance(policy, MLPolicy)
        layers = int(json.loads((Path(directory) / POLICY_FILE).read_text("utf-8"))["state"].get("layers") or 0)
        try:
            with np.load(Path(directory) / WEIGHTS_FILE, allow_pickle=False) as data:
                policy.weights_ = [data[f"w{i}"] for i in range(layers)]
                policy.biases_ = [data[f"b{i}"] for i in range(layers)]
        except (OSError, KeyError, ValueError) as ex:
            raise ModelLoadError(f"Cannot read the weights of {cls.name} in '{directory}': {ex}") from ex
        return policy


__all__ = ["MLPolicy", "StateVectorizer", "FORMAT_VERSION"]
