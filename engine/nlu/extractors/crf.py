"""CRFEntityExtractor: conditional random field entity tagging (python-crfsuite).

Tokens are tagged with BILOU labels (``B-city``, ``I-city``, ``L-city``,
``U-city``, ``O``); one CRF is trained per tag kind present in the data
(``entity``, and ``role`` / ``group`` when annotations use them). Each model
is persisted as crfsuite's own model file and loaded into memory.
"""
from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, Message, Token, check_number, config_error

logger = logging.getLogger(__name__)

TAG_KINDS = ("entity", "role", "group")
NO_TAG = "O"
KNOWN_FEATURES = frozenset(
    {"low", "title", "upper", "digit", "bias", "prefix5", "prefix2", "suffix5", "suffix3", "suffix2", "pattern"}
)
# Accepted for Rasa compatibility but need spaCy or dense features we lack.
IGNORED_FEATURES = frozenset({"pos", "pos2", "text_dense_features"})


def token_features(tokens: list[Token], patterns: list[list[str]], window: list[list[str]]) -> list[list[str]]:
    """Return crfsuite attribute strings per token for the feature ``window``."""
    half = len(window) // 2
    lows = [t.text.lower() for t in tokens]
    items: list[list[str]] = []
    for i, token in enumerate(tokens):
        attrs: list[str] = []
        if i == 0:
            attrs.append("BOS")
        if i == len(tokens) - 1:
            attrs.append("EOS")
        for position, names in enumerate(window):
            j = i + position - half
            if j < 0 or j >= len(tokens):
                continue
            text, low, prefix = tokens[j].text, lows[j], f"{position - half}:"
            for name in names:
                if name == "low":
                    attrs.append(f"{prefix}low={low}")
                elif name == "title" and text.istitle():
                    attrs.append(f"{prefix}title")
                elif name == "upper" and text.isupper():
                    attrs.append(f"{prefix}upper")
                elif name == "digit" and text.isdigit():
                    attrs.append(f"{prefix}digit")
                elif name == "bias":
                    attrs.append(f"{prefix}bias")
                elif name.startswith("prefix") and name[6:].isdigit():
                    attrs.append(f"{prefix}{name}={low[: int(name[6:])]}")
                elif name.startswith("suffix") and name[6:].isdigit():
                    attrs.append(f"{prefix}{name}={low[-int(name[6:]):]}")
                elif name == "pattern" and j < len(patterns):
                    attrs.extend(f"{prefix}pattern={p}" for p in patterns[j])
        items.append(attrs)
    return items


def tags_for(message: Message, kind: str, bilou: bool) -> list[str]:
    """Return the gold tag of each token of a training message for ``kind``."""
    tags = [NO_TAG] * len(message.tokens)
    for entity in message.target_entities:
        label = entity.get(kind)
        start, end = entity.get("start"), entity.get("end")
        if not label or start is None or end is None:
            continue
        covered = [i for i, t in enumerate(message.tokens) if t.start < end and t.end > start]
        if not covered:
            logger.debug("entity %r of %r covers no token; skipped", entity, message.text)
            continue
        for n, i in enumerate(covered):
            if not bilou:
                tags[i] = str(label)
            elif len(covered) == 1:
                tags[i] = f"U-{label}"
            else:
                first, last = n == 0, n == len(covered) - 1
                tags[i] = f"{'B' if first else 'L' if last else 'I'}-{label}"
    return tags


def decode(
    text: str,
    tokens: list[Token],
    tags: list[str],
    confidences: list[float],
    bilou: bool,
    split_by_comma: Any,
) -> list[tuple[str, int, int, float]]:
    """Turn per-token tags into (label, first token, last token, confidence) spans."""
    spans: list[tuple[str, int, int, float]] = []
    current: list[Any] | None = None  # [label, first, last, min confidence]

    def close() -> None:
        """End the entity being built, if any."""
        nonlocal current
        if current is not None:
            spans.append((current[0], current[1], current[2], current[3]))
            current = None

    for i, tag in enumerate(tags):
        if tag == NO_TAG:
            close()
            continue
        prefix, label = (tag[0], tag[2:]) if bilou and len(tag) > 2 and tag[1] == "-" else ("I", tag)
        if current is not None and (current[0] != label or prefix in ("B", "U")):
            close()
        if current is not None and _splits(split_by_comma, label) and "," in text[tokens[i - 1].end : tokens[i].start]:
            close()
        if current is None:
            current = [label, i, i, confidences[i]]
        else:
            current[2] = i
            current[3] = min(current[3], confidences[i])
        if prefix in ("L", "U"):
            close()
    close()
    return spans


def _known_feature(feature: str) -> bool:
    if feature in KNOWN_FEATURES or feature in IGNORED_FEATURES:
        return True
    return feature[:6] in ("prefix", "suffix") and feature[6:].isdigit()


def _splits(split_by_comma: Any, label: str) -> bool:
    if isinstance(split_by_comma, dict):
        return bool(split_by_comma.get(label, True))
    return bool(split_by_comma)


class CRFEntityExtractor(Component):
    """Extract entities (with roles and groups) with linear-chain CRFs.

    Config (Rasa's names and defaults):
        BILOU_flag: Tag with BILOU prefixes (True).
        split_entities_by_comma: True, False, or per entity type.
        features: Feature names per window position (previous, current,
            next token): low, title, upper, digit, bias, prefixN, suffixN,
            pattern (regex featurizer matches).
        max_iterations / L1_c / L2_c: Training options (50 / 0.1 / 0.1).
        extractor_name: ``extractor`` of the output entities (defaults to
            the class name; set to the Rasa name when standing in for one).
    """

    provides = frozenset({"entities"})
    requires = frozenset({"tokens"})
    learned_attributes = ("models_",)

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults."""
        return {
            "BILOU_flag": True,
            "split_entities_by_comma": True,
            "features": [
                ["low", "title", "upper"],
                ["low", "bias", "prefix5", "prefix2", "suffix5", "suffix3", "suffix2", "upper", "title", "digit", "pattern"],
                ["low", "title", "upper"],
            ],
            "max_iterations": 50,
            "L1_c": 0.1,
            "L2_c": 0.1,
            "extractor_name": None,
        }

    def validate_config(self) -> None:
        """Check the feature window and training options."""
        name = type(self).__name__
        window = self.config["features"]
        if not isinstance(window, list) or not window or not all(isinstance(w, list) for w in window):
            raise config_error(name, "features must be a list of lists of feature names.")
        for feature in (f for names in window for f in names):
            if not _known_feature(str(feature)):
                raise config_error(name, f"unknown feature {feature!r}; known: {sorted(KNOWN_FEATURES)}.")
        check_number(name, "max_iterations", self.config["max_iterations"], minimum=1, integer=True)
        check_number(name, "L1_c", self.config["L1_c"], minimum=0)
        check_number(name, "L2_c", self.config["L2_c"], minimum=0)

    @property
    def extractor_name(self) -> str:
        """Value of ``extractor`` on the output entities."""
        return self.config.get("extractor_name") or type(self).__name__

    def _window(self) -> list[list[str]]:
        return [[str(f) for f in names if f not in IGNORED_FEATURES] for names in self.config["features"]]

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> CRFEntityExtractor:
        """Train one CRF per tag kind that occurs in the annotations."""
        import pycrfsuite

        self.validate_config()
        bilou = bool(self.config["BILOU_flag"])
        window = self._window()
        usable = [m for m in messages if m.tokens]
        self.__dict__.pop("_local", None)  # taggers of the previous fit
        self.models_: dict[str, bytes] = {}
        for kind in TAG_KINDS:
            if not any(e.get(kind) for m in usable for e in m.target_entities):
                continue
            trainer = pycrfsuite.Trainer(verbose=False)
            for message in usable:
                trainer.append(token_features(message.tokens, message.token_patterns, window), tags_for(message, kind, bilou))
            trainer.set_params(
                {
                    "c1": float(self.config["L1_c"]),
                    "c2": float(self.config["L2_c"]),
                    "max_iterations": int(self.config["max_iterations"]),
                    "feature.possible_transitions": True,
                }
            )
            with tempfile.TemporaryDirectory(prefix="parley-crf-") as tmp:
                path = Path(tmp) / f"{kind}.crfsuite"
                trainer.train(str(path))
                self.models_[kind] = path.read_bytes()
        return self

    def _tagger(self, kind: str) -> Any:
        # crfsuite taggers are stateful (set, then tag), so each thread gets its own.
        import pycrfsuite

        local = self.__dict__.setdefault("_local", threading.local())
        taggers = local.__dict__.setdefault("taggers", {})
        tagger = taggers.get(kind)
        if tagger is None:
            tagger = pycrfsuite.Tagger()
            tagger.open_inmemory(self.models_[kind])
            taggers[kind] = tagger
        return tagger

    def _tag(self, kind: str, items: list[list[str]]) -> tuple[list[str], list[float]]:
        tagger = self._tagger(kind)
        tagger.set(items)
        tags = tagger.tag()
        return tags, [tagger.marginal(tag, i) for i, tag in enumerate(tags)]

    def extract(self, message: Message) -> list[dict[str, Any]]:
        """Return the entities the CRFs find in a tokenized message."""
        self.check_fitted()
        if "entity" not in self.models_ or not message.tokens:
            return []
        bilou = bool(self.config["BILOU_flag"])
        tokens = message.tokens
        items = token_features(tokens, message.token_patterns, self._window())
        tags, confidences = self._tag("entity", items)
        entities: list[dict[str, Any]] = []
        spans = decode(message.text, tokens, tags, confidences, bilou, self.config["split_entities_by_comma"])
        extra = {kind: self._tag(kind, items) for kind in ("role", "group") if kind in self.models_}
        for label, first, last, confidence in spans:
            start, end = tokens[first].start, tokens[last].end
            entity: dict[str, Any] = {
                "entity": label,
                "start": start,
                "end": end,
                "value": message.text[start:end],
                "extractor": self.extractor_name,
                "confidence_entity": float(confidence),
            }
            for kind, (kind_tags, kind_conf) in extra.items():
                for i in range(first, last + 1):
                    if kind_tags[i] != NO_TAG:
                        tag = kind_tags[i]
                        entity[kind] = tag[2:] if bilou and len(tag) > 2 and tag[1] == "-" else tag
                        entity[f"confidence_{kind}"] = float(kind_conf[i])
                        break
            entities.append(entity)
        return entities

    def process(self, message: Message) -> None:
        """Append the extracted entities to the message."""
        message.entities.extend(self.extract(message))

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        for kind, model in self.models_.items():
            (directory / f"{kind}.crfsuite").write_bytes(model)
        return {"kinds": sorted(self.models_)}

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        # Read into memory: the model directory may be deleted after loading.
        self.models_ = {kind: (directory / f"{kind}.crfsuite").read_bytes() for kind in state["kinds"]}
