"""The NLU component contract and the message object components work on.

Every NLU component follows the scikit-learn estimator contract:

* ``__init__(config)`` merges the user's config over
  :meth:`Component.get_default_config` and stores it; nothing else.
* ``fit(messages, data)`` learns and returns ``self``; learned state lives in
  attributes ending in ``_`` (listed in ``learned_attributes``), whose
  presence means "fitted".
* ``process(message)`` reads learned state and writes only to the message.
* ``persist(directory)`` / ``load(directory)`` write and read explicit
  formats (JSON, numpy ``.npz``, or a library's own model file) with a
  format version check. No pickles.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Sequence, TypeVar

from engine.data.types import NluData, NluExample
from engine.errors import DataError, EngineError, ModelLoadError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

C = TypeVar("C", bound="Component")

COMPONENT_FILE = "component.json"


class NotFittedError(EngineError, ValueError, AttributeError):
    """A component was used before ``fit`` (or ``load``) gave it state.

    Also a ValueError and an AttributeError, like scikit-learn's, so
    ``getattr(component, "classes", None)`` works on unfitted components.
    """

    default_reason = "NotFitted"


@dataclass(slots=True)
class Token:
    """A token of a message text with its character offsets.

    Attributes:
        text: The token text exactly as it appears in the message.
        start: Offset of the first character in the message text.
        end: Offset one past the last character.
    """

    text: str
    start: int
    end: int


@dataclass(slots=True)
class FeatureBlock:
    """One featurizer's sentence-level output: a sparse row vector.

    Attributes:
        name: Name of the producing featurizer (for error messages).
        indices: Column indices of the non-zero entries (int32).
        values: Values of those entries (float64).
        size: Width of the block (number of columns).
    """

    name: str
    indices: np.ndarray
    values: np.ndarray
    size: int


@dataclass
class Message:
    """The working object a pipeline passes from component to component.

    Predictions (``intent``, ``intent_ranking``, ``entities``,
    ``response_selector``) are written by classifiers and extractors; the
    ``target_*`` fields hold the gold annotations of a training example.

    Attributes:
        text: The message text.
        tokens: Tokens of ``text`` (set by a tokenizer).
        features: Sentence-level sparse feature blocks, in pipeline order.
        token_patterns: Per token, names of the regex/lookup patterns that
            match it (set by ``RegexFeaturizer``).
        token_vectors: Dense per-token vectors, shape (tokens, dim), from a
            dense featurizer (``SentenceEmbeddingFeaturizer``); None without.
        intent: Predicted intent ``{"name", "confidence"}``; None while no
            classifier has run.
        intent_ranking: Ranked intent predictions.
        entities: Extracted entities in Rasa's entity dict shape.
        response_selector: Rasa's ``response_selector`` block, if any.
        target_intent: Gold intent (base name for retrieval intents).
        target_response_key: Gold full retrieval intent (``faq/ask_x``).
        target_entities: Gold entity annotations.
        intent_tokens: Tokens of the gold intent name (tokenizer option).
    """

    text: str
    tokens: list[Token] = field(default_factory=list)
    features: list[FeatureBlock] = field(default_factory=list)
    token_patterns: list[list[str]] = field(default_factory=list)
    token_vectors: np.ndarray | None = None
    intent: dict[str, Any] | None = None
    intent_ranking: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    response_selector: dict[str, Any] | None = None
    target_intent: str | None = None
    target_response_key: str | None = None
    target_entities: list[dict[str, Any]] = field(default_factory=list)
    intent_tokens: list[Token] = field(default_factory=list)

    @classmethod
    def from_example(cls, example: NluExample) -> Message:
        """Build a training message from an annotated example.

        A retrieval intent (``faq/ask_name``) trains intent classifiers on
        its base name and response selectors on the full name, as Rasa does.
        """
        intent = example.intent
        base = intent.split("/", 1)[0] if intent else None
        return cls(
            text=example.text,
            target_intent=base,
            target_response_key=intent if intent and "/" in intent else None,
            target_entities=[dict(e) for e in example.entities],
        )

    def to_parse_dict(self, message_id: str | None = None) -> dict[str, Any]:
        """Render the message as Rasa's parse result JSON (plain types)."""
        intent = self.intent or {"name": None, "confidence": 0.0}
        result: dict[str, Any] = {
            "text": self.text,
            "intent": {"name": intent.get("name"), "confidence": float(intent.get("confidence") or 0.0)},
            "entities": [dict(e) for e in self.entities],
            "text_tokens": [[t.start, t.end] for t in self.tokens],
            "intent_ranking": [
                {"name": r["name"], "confidence": float(r["confidence"])} for r in self.intent_ranking
            ],
        }
        if self.response_selector is not None:
            result["response_selector"] = self.response_selector
        if message_id is not None:
            result["message_id"] = message_id
        return result


class Component:
    """Base class of NLU components (scikit-learn style).

    Class attributes describe the component to the pipeline builder:

    Attributes:
        provides: Roles the component fills (``tokens``, ``features``,
            ``intent``, ``entities``, ``response``).
        requires: Roles that must be provided by an earlier component.
        learned_attributes: Learned ``*_`` attributes; all present = fitted.
            Empty for stateless components, which need no ``fit``.
        featurizes_training_data: Whether the pipeline must run ``process``
            on the training messages after ``fit`` (tokenizers, featurizers),
            so later components can learn from the output.
        format_version: Version of the persisted format; bumped when the
            files change incompatibly.
    """

    provides: ClassVar[frozenset[str]] = frozenset()
    requires: ClassVar[frozenset[str]] = frozenset()
    learned_attributes: ClassVar[tuple[str, ...]] = ()
    featurizes_training_data: ClassVar[bool] = False
    format_version: ClassVar[int] = 1

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config: dict[str, Any] = {**self.get_default_config(), **dict(config or {})}

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return the default configuration; user config is merged over it."""
        return {}

    @classmethod
    def component_name(cls) -> str:
        """Return the registry name of the component (its class name)."""
        return cls.__name__

    def validate_config(self) -> None:
        """Check the configuration; raise :class:`DataError` if it is bad.

        Called by the pipeline builder before any training, so a typo in
        config.yml fails fast.
        """

    # -- learning ---------------------------------------------------------

    def fit(self: C, messages: Sequence[Message], data: NluData | None = None) -> C:
        """Learn from training messages (already processed by earlier components).

        Args:
            messages: Training messages with ``target_*`` annotations.
            data: The full NLU training data (synonyms, regexes, lookups).

        Returns:
            self.
        """
        return self

    @property
    def is_fitted(self) -> bool:
        """Whether all learned attributes are present."""
        return all(hasattr(self, name) for name in self.learned_attributes)

    def check_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless the component is fitted."""
        if not self.is_fitted:
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet: call fit() or load() before using it."
            )

    # -- inference --------------------------------------------------------

    def process(self, message: Message) -> None:
        """Add this component's output to ``message`` (learned state is read-only)."""
        raise NotImplementedError

    def process_batch(self, messages: Sequence[Message]) -> None:
        """Process many messages; featurizers override this for speed."""
        for message in messages:
            self.process(message)

    # -- persistence ------------------------------------------------------

    def persist(self, directory: Path) -> None:
        """Write the fitted component into ``directory`` (created if needed)."""
        self.check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = self._persist_state(directory)
        meta = {
            "class": type(self).__name__,
            "format_version": self.format_version,
            "config": self.config,
            "state": state,
        }
        write_json(directory / COMPONENT_FILE, meta)

    @classmethod
    def load(cls: type[C], directory: Path) -> C:
        """Read a component written by :meth:`persist`.

        Raises:
            ModelLoadError: The files are missing, of another class or of an
                incompatible format version.
        """
        directory = Path(directory)
        meta = read_json(directory / COMPONENT_FILE)
        if meta.get("class") != cls.__name__:
            raise ModelLoadError(
                f"{directory} holds a {meta.get('class')!r} component, not {cls.__name__}."
            )
        if meta.get("format_version") != cls.format_version:
            raise ModelLoadError(
                f"{cls.__name__} in {directory} has format version {meta.get('format_version')}, "
                f"this Parley reads version {cls.format_version}; retrain the model."
            )
        component = cls(meta.get("config") or {})
        try:
            component._load_state(meta.get("state") or {}, directory)
        except ModelLoadError:
            raise
        except Exception as ex:  # corrupt or truncated files of any library
            raise ModelLoadError(f"Cannot load {cls.__name__} from {directory}: {ex}") from ex
        return component

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        """Write learned state; return its JSON-able part (may write more files)."""
        return {}

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        """Restore learned state written by :meth:`_persist_state`."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as UTF-8 JSON (keeps non-ASCII text readable)."""
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def read_json(path: Path) -> Any:
    """Read JSON written by :func:`write_json`; a missing/corrupt file is a ModelLoadError."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as ex:
        raise ModelLoadError(f"Model file {path} is missing.") from ex
    except (OSError, ValueError) as ex:
        raise ModelLoadError(f"Model file {path} is unreadable: {ex}") from ex


def config_error(component: str, problem: str) -> DataError:
    """Build the DataError for a bad option of ``component`` in config.yml."""
    return DataError(f"Invalid configuration of NLU component {component}: {problem}")


def check_choice(component: str, key: str, value: Any, choices: Sequence[Any]) -> None:
    """Raise a DataError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise config_error(component, f"{key} must be one of {list(choices)}, got {value!r}.")


def check_number(
    component: str, key: str, value: Any, *, minimum: float | None = None, integer: bool = False
) -> None:
    """Raise a DataError unless ``value`` is a number (>= ``minimum`` if given)."""
    ok_type = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type):
        kind = "an integer" if integer else "a number"
        raise config_error(component, f"{key} must be {kind}, got {value!r}.")
    if minimum is not None and value < minimum:
        raise config_error(component, f"{key} must be at least {minimum}, got {value!r}.")
