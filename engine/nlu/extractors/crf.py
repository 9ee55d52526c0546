"""CRFEntityExtractor: conditional random field entity tagging (python-crfsuite).

One CRF is trained per tag kind present in the data (``entity``, and
``role`` / ``group`` when annotations use them); each model is persisted as
crfsuite's own model file and loaded into memory.

Training speed is what the defaults are about. A linear-chain CRF costs
(tokens x labels^2) per pass, and Rasa's BILOU tags with L-BFGS took 3.5
minutes on HWU64 (54 entity types, 217 labels). The defaults tag with
IOB1 (56 labels there) and, on large data, train with the averaged
perceptron: about 4 s, at equal or better entity F1 (see
``bench/nlu_accuracy.py``). Small data sets still use L-BFGS, whose
marginals make better confidences.

Four things make up for what the perceptron lacks. They took the HWU64
10-fold mean of entity F1 (overlap, ``bench/nlu_accuracy.py``) from 84.86
to 85.5 (85.54, 85.52 and 85.37 with seeds 0-2); the whole pipeline
still trains in under 30 s per fold (README, "NLU accuracy"):

* crfsuite's perceptron visits the data in a random order, so runs differ
  by up to a point of F1 on a fold. Five runs of 8 epochs are trained and
  their per-token label marginals averaged (three runs of 10: 85.26, five
  of 8: 85.40, for the training cost of one run more; ten runs add
  nothing).
* The runs also differ in what they see: each of the first four leaves
  out one group of features (``crf_features.RUN_LEFT_OUT``: bigrams, the
  words two away, affixes, the neighbours' details), so their errors
  differ more than a data order makes them (+0.27 over five runs on all
  features with seeds 0 and 1) for about 6% more training time. Tagging
  is unchanged: a run ignores the attributes it never saw. (Not with dense
  token vectors, where it was not measured.)
* With intent-conditioned features, a wrong intent costs about two points
  (tagging under the gold intent would give 86.8). The message is tagged
  under each of the top intents (``intent_candidates``) and the marginals
  are weighted by the intents' confidences, so an unsure intent hedges
  instead of committing (+0.1 to +0.15 on folds 1-4).
* Rare words (seen once in training; at parse time also unseen ones) get a
  feature of their own, alone, beside their neighbours and under the
  intent: most missed entities are names the CRF never saw (+0.1).

The order is seeded (``random_seed``): crfsuite shuffles with the C
library's ``rand()``, so unseeded runs depended on how many models the
process had trained before, and the same data could train different
models. The seed alone moves the 10-fold mean by about 0.1-0.2, so the
gains above were measured over two or three seeds.

Tried without gain on HWU64: word clusters (k-means over PPMI-SVD context
vectors of the training words, with a char n-gram map for unseen words), a
gazetteer of training entity values, intent-conditioned context words,
passive-aggressive, AROW and L2-SGD training, six runs of 5 epochs, letting
the runs vote instead of averaging marginals (-0.1), averaging the runs'
weights into one model (-0.07), domain-only intent features, training
without the intent on a share of the examples (or under a cross-validated
predicted intent), word dropout, an extra untyped candidate at parse time,
sharpening or flattening the candidates' weights, biasing against ``O``,
and L-BFGS on IOB1 (-1.7 on two folds, four times slower).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import tempfile
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, Message, check_choice, check_number, config_error
from engine.nlu.extractors.crf_features import (
    IGNORED_FEATURES,
    KNOWN_FEATURES,
    RUN_LEFT_OUT,
    add_intent_features,
    known_feature,
    rare_flags,
    rich_features,
    window_features,
    with_dense,
    without_group,
)
from engine.nlu.extractors.tagging import NO_TAG, SCHEMES, decode, is_prefixed, strip_prefix, tags_for

__all__ = ["CRFEntityExtractor", "decode"]

logger = logging.getLogger(__name__)

TAG_KINDS = ("entity", "role", "group")
ALGORITHMS = ("auto", "lbfgs", "ap")
# "auto" trains with L-BFGS while tokens x labels^2 stays below this
# (a few seconds), with the averaged perceptron above it.
LBFGS_BUDGET = 2e7
# Dense token vectors are scaled so that a whole vector has about this norm.
DENSE_NORM = 3.0
# Perceptron runs averaged by default ("ensemble_size": None).
PERCEPTRON_RUNS = 5
# Words seen at most this often in training count as rare (see crf_features).
RARE_MAX_COUNT = 1
# Candidate intents below this share of the candidates' confidence are not tagged.
MIN_INTENT_WEIGHT = 0.02


class CRFEntityExtractor(Component):
    """Extract entities (with roles and groups) with linear-chain CRFs.

    Config (Rasa's names and defaults, plus Parley's speed options):
        BILOU_flag: Tag with boundary prefixes (True); False uses bare labels.
        tag_scheme: ``BILOU``, ``BIO``, ``IOB1`` or ``IO``; None (default)
            means IOB1 when ``BILOU_flag`` is on, else IO.
        split_entities_by_comma: True, False, or per entity type.
        features: Rasa's feature window (lists of names per position:
            low, title, upper, digit, bias, prefixN, suffixN, pattern); None
            (default) uses Parley's richer feature set.
        algorithm: ``auto`` (default), ``lbfgs`` or ``ap`` (averaged perceptron).
        max_iterations / L1_c / L2_c: L-BFGS options (50 / 0.1 / 0.1).
        perceptron_epochs: Averaged perceptron passes per run (8).
        ensemble_size: CRFs trained per tag kind, whose marginals are
            averaged; None (default) means 5 with the averaged perceptron
            (its runs differ) and 1 with L-BFGS (deterministic).
        random_seed: Seed of crfsuite's data order, so that training the
            same data twice gives the same model (0).
        intent_candidates: With intent features, tag under this many top
            intents and weight by their confidences (3; 1 = the top only).
        use_intent_features: Condition tags on the intent (gold intent in
            training, the predicted ``message.intent`` when parsing). Set
            by the pipeline when an intent classifier runs before.
        extractor_name: ``extractor`` of the output entities (defaults to
            the class name; set to the Rasa name when standing in for one).
    """

    provides = frozenset({"entities"})
    requires = frozenset({"tokens"})
    # models_: kind -> crfsuite model files; frequent_words_: None with Rasa's feature window.
    learned_attributes = ("models_", "scheme_", "dense_scale_", "frequent_words_")
    format_version = 2

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults plus Parley's."""
        return {
            "BILOU_flag": True,
            "tag_scheme": None,
            "split_entities_by_comma": True,
            "features": None,
            "algorithm": "auto",
            "max_iterations": 50,
            "L1_c": 0.1,
            "L2_c": 0.1,
            "perceptron_epochs": 8,
            "ensemble_size": None,
            "random_seed": 0,
            "intent_candidates": 3,
            "use_intent_features": False,
            "extractor_name": None,
        }

    def validate_config(self) -> None:
        """Check the feature window, tag scheme and training options."""
        name = type(self).__name__
        window = self.config["features"]
        if window is not None:
            if not isinstance(window, list) or not window or not all(isinstance(w, list) for w in window):
                raise config_error(name, "features must be a list of lists of feature names.")
            for feature in (f for names in window for f in names):
                if not known_feature(str(feature)):
                    raise config_error(name, f"unknown feature {feature!r}; known: {sorted(KNOWN_FEATURES)}.")
        if self.config["tag_scheme"] is not None:
            check_choice(name, "tag_scheme", self.config["tag_scheme"], SCHEMES)
        check_choice(name, "algorithm", self.config["algorithm"], ALGORITHMS)
        check_number(name, "max_iterations", self.config["max_iterations"], minimum=1, integer=True)
        check_number(name, "perceptron_epochs", self.config["perceptron_epochs"], minimum=1, integer=True)
        check_number(name, "L1_c", self.config["L1_c"], minimum=0)
        check_number(name, "L2_c", self.config["L2_c"], minimum=0)
        if self.config["ensemble_size"] is not None:
            check_number(name, "ensemble_size", self.config["ensemble_size"], minimum=1, integer=True)
        check_number(name, "intent_candidates", self.config["intent_candidates"], minimum=1, integer=True)
        check_number(name, "random_seed", self.config["random_seed"], minimum=0, integer=True)

    @property
    def extractor_name(self) -> str:
        """Value of ``extractor`` on the output entities."""
        return self.config.get("extractor_name") or type(self).__name__

    def _scheme(self) -> str:
        return self.config["tag_scheme"] or ("IOB1" if self.config["BILOU_flag"] else "IO")

    # -- features ---------------------------------------------------------

    def _items(self, message: Message, intent: str | None) -> list[Any]:
        window = self.config["features"]
        rare = rare_flags(message.tokens, self.frequent_words_)
        if window is None:
            items = rich_features(message.tokens, message.token_patterns, rare)
        else:
            window = [[str(f) for f in names if f not in IGNORED_FEATURES] for names in window]
            items = window_features(message.tokens, message.token_patterns, window)
        if self.config["use_intent_features"]:
            add_intent_features(items, message.tokens, intent, rare)
        scale = getattr(self, "dense_scale_", None)
        if scale is not None:
            return with_dense(items, message.token_vectors, scale)
        return items

    def _candidate_intents(self, message: Message) -> list[tuple[str | None, float]]:
        """The intents to tag under, with weights summing to 1."""
        top = (message.intent or {}).get("name")
        if not self.config["use_intent_features"] or top is None:
            return [(top, 1.0)]
        ranked = [(str(r["name"]), float(r.get("confidence") or 0.0)) for r in message.intent_ranking]
        ranked = [(name, conf) for name, conf in ranked if name != top][: int(self.config["intent_candidates"]) - 1]
        candidates = [(str(top), float(message.intent.get("confidence") or 0.0)), *ranked]
        total = sum(conf for _, conf in candidates)
        if total <= 0:
            return [(top, 1.0)]
        weighted = [(name, conf / total) for name, conf in candidates]
        return [(name, w) for i, (name, w) in enumerate(weighted) if i == 0 or w >= MIN_INTENT_WEIGHT]

    # -- learning ---------------------------------------------------------

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> CRFEntityExtractor:
        """Train one CRF per tag kind that occurs in the annotations."""
        import numpy as np

        self.validate_config()
        usable = [m for m in messages if m.tokens]
        self.__dict__.pop("_local", None)  # taggers of the previous fit
        self.scheme_ = self._scheme()
        vectors = [m.token_vectors for m in usable if m.token_vectors is not None and len(m.token_vectors)]
        self.dense_scale_: float | None = None
        if vectors and len(vectors) == len(usable):
            stacked = np.vstack(vectors)
            spread = float(np.sqrt(np.mean(np.sum(np.square(stacked), axis=1)))) or 1.0
            self.dense_scale_ = DENSE_NORM / spread
        self.frequent_words_: frozenset[str] | None = None
        if self.config["features"] is None:
            counts = Counter(t.text.lower() for m in usable for t in m.tokens)
            self.frequent_words_ = frozenset(w for w, n in counts.items() if n > RARE_MAX_COUNT)
        self.models_: dict[str, list[bytes]] = {}
        for kind in TAG_KINDS:
            if not any(e.get(kind) for m in usable for e in m.target_entities):
                continue
            sequences = [(self._items(m, m.target_intent), tags_for(m, kind, self.scheme_)) for m in usable]
            algorithm = self._algorithm(sequences)
            runs = self.config["ensemble_size"] or (PERCEPTRON_RUNS if algorithm == "ap" else 1)
            self.models_[kind] = self._train(sequences, algorithm, int(runs))
        return self

    def _algorithm(self, sequences: list[tuple[list[Any], list[str]]]) -> str:
        algorithm = str(self.config["algorithm"])
        if algorithm == "auto":
            labels = {tag for _, tags in sequences for tag in tags}
            tokens = sum(len(tags) for _, tags in sequences)
            algorithm = "lbfgs" if tokens * len(labels) ** 2 <= LBFGS_BUDGET else "ap"
        return algorithm

    def _train(self, sequences: list[tuple[list[Any], list[str]]], algorithm: str, runs: int) -> list[bytes]:
        """Train ``runs`` models on the sequences.

        With several runs on Parley's sparse feature set, run ``r`` leaves
        out the feature group ``RUN_LEFT_OUT[r]`` (so each run gets its own
        copy of the data); otherwise crfsuite gets the data once and trains
        ``runs`` times. With dense token vectors all runs see every feature:
        the groups were chosen, and only measured, without them.
        """
        import pycrfsuite

        params: dict[str, Any] = {"feature.possible_transitions": True}
        if algorithm == "lbfgs":
            params.update(
                c1=float(self.config["L1_c"]),
                c2=float(self.config["L2_c"]),
                max_iterations=int(self.config["max_iterations"]),
            )
        else:
            params["max_iterations"] = int(self.config["perceptron_epochs"])
        views = runs > 1 and self.config["features"] is None and self.dense_scale_ is None
        trainer, loaded = None, None
        models = []
        with tempfile.TemporaryDirectory(prefix="parley-crf-") as tmp:
            for run in range(runs):
                left_out = RUN_LEFT_OUT[run % len(RUN_LEFT_OUT)] if views else ()
                if trainer is None or left_out != loaded:
                    trainer, loaded = pycrfsuite.Trainer(algorithm=algorithm, verbose=False), left_out
                    for items, tags in sequences:
                        trainer.append(without_group(items, left_out), tags)
                    trainer.set_params(params)
                # The perceptron visits the data in crfsuite's random order, so each run differs.
                seed_crfsuite(int(self.config["random_seed"]) * 1000 + run + 1)  # glibc takes seed 0 as 1
                path = Path(tmp) / f"model{run}.crfsuite"
                trainer.train(str(path))
                models.append(path.read_bytes())
        return models

    # -- inference --------------------------------------------------------

    def _taggers(self, kind: str) -> list[Any]:
        # crfsuite taggers are stateful (set, then tag), so each thread gets its own.
        import pycrfsuite

        local = self.__dict__.setdefault("_local", threading.local())
        taggers = local.__dict__.setdefault("taggers", {})
        if kind not in taggers:
            opened = []
            for model in self.models_[kind]:
                tagger = pycrfsuite.Tagger()
                tagger.open_inmemory(model)
                opened.append(tagger)
            taggers[kind] = opened
        return taggers[kind]

    def _tag(self, kind: str, inputs: list[tuple[list[Any], float]]) -> tuple[list[str], list[float]]:
        """Tag the items of each candidate intent (with its weight) with every model.

        One model and one candidate: the Viterbi path. Otherwise each token
        gets the label with the highest weighted mean marginal, among the
        labels on some model's Viterbi path (computing every label's
        marginal would cost a millisecond on HWU64's 56 labels). A token
        every path leaves untagged stays untagged without computing
        marginals (its confidence, 1.0, is not read).
        """
        import pycrfsuite

        taggers = self._taggers(kind)
        if len(taggers) == 1 and len(inputs) == 1:
            tagger = taggers[0]
            tagger.set(inputs[0][0])
            tags = tagger.tag()
            return tags, [tagger.marginal(tag, i) for i, tag in enumerate(tags)]
        # Converted once, not once per tagger and pass.
        inputs = [(pycrfsuite.ItemSequence(items), weight) for items, weight in inputs]
        paths = []
        for items, _ in inputs:
            for tagger in taggers:
                tagger.set(items)
                paths.append(tagger.tag())
        candidates = [sorted({path[i] for path in paths}) for i in range(len(paths[0]))]
        scores = [dict.fromkeys(labels, 0.0) for labels in candidates]
        contested = [i for i, labels in enumerate(candidates) if labels != [NO_TAG]]
        if not contested:
            return [NO_TAG] * len(candidates), [1.0] * len(candidates)
        for i, labels in enumerate(candidates):
            if labels == [NO_TAG]:
                scores[i][NO_TAG] = 1.0
        # A tagger holds one sequence (marginals are of the last one set): each
        # still holds the last candidate's, so that one is scored first.
        for position, (items, weight) in enumerate(reversed(inputs)):
            share = weight / len(taggers)
            for tagger in taggers:
                if position:
                    tagger.set(items)
                for i in contested:
                    labels = scores[i]
                    for label in labels:
                        labels[label] += share * tagger.marginal(label, i)
        tags = [max(labels, key=labels.__getitem__) for labels in scores]
        return tags, [labels[tag] for labels, tag in zip(scores, tags)]

    def extract(self, message: Message) -> list[dict[str, Any]]:
        """Return the entities the CRFs find in a tokenized message."""
        self.check_fitted()
        if "entity" not in self.models_ or not message.tokens:
            return []
        prefixed = is_prefixed(self.scheme_)
        tokens = message.tokens
        inputs = [(self._items(message, intent), weight) for intent, weight in self._candidate_intents(message)]
        tags, confidences = self._tag("entity", inputs)
        spans = decode(message.text, tokens, tags, confidences, prefixed, self.config["split_entities_by_comma"])
        extra = {kind: self._tag(kind, inputs) for kind in ("role", "group") if kind in self.models_}
        entities: list[dict[str, Any]] = []
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
                        entity[kind] = strip_prefix(kind_tags[i], prefixed)
                        entity[f"confidence_{kind}"] = float(kind_conf[i])
                        break
            entities.append(entity)
        return entities

    def process(self, message: Message) -> None:
        """Append the extracted entities to the message."""
        message.entities.extend(self.extract(message))

    # -- persistence ------------------------------------------------------

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        for kind, models in self.models_.items():
            for run, model in enumerate(models):
                (directory / _model_file(kind, run)).write_bytes(model)
        runs = {kind: len(models) for kind, models in sorted(self.models_.items())}
        frequent = sorted(self.frequent_words_) if self.frequent_words_ is not None else None
        return {
            "runs": runs,
            "scheme": self.scheme_,
            "dense_scale": self.dense_scale_,
            "frequent_words": frequent,
        }

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        # Read into memory: the model directory may be deleted after loading.
        self.models_ = {
            kind: [(directory / _model_file(kind, run)).read_bytes() for run in range(int(count))]
            for kind, count in state["runs"].items()
        }
        if state["scheme"] not in SCHEMES:
            raise ValueError(f"unknown tag scheme {state['scheme']!r}")
        self.scheme_ = str(state["scheme"])
        scale = state.get("dense_scale")
        self.dense_scale_ = float(scale) if scale is not None else None
        # Models written before rare-word features have no "frequent_words".
        frequent = state.get("frequent_words")
        self.frequent_words_ = frozenset(str(w) for w in frequent) if frequent is not None else None


@lru_cache(maxsize=1)
def _libc_srand() -> Any:
    # The process's own symbols include the C library crfsuite calls rand() from.
    try:
        return ctypes.CDLL(None).srand
    except (OSError, AttributeError):
        pass
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).srand if name else None
    except (OSError, AttributeError):
        return None


def seed_crfsuite(seed: int) -> None:
    """Seed crfsuite's data shuffling, which draws from the C library's ``rand()``.

    Without it a perceptron run depends on how many models the process
    trained before. Where the C library cannot be found, runs stay unseeded.
    """
    srand = _libc_srand()
    if srand is not None:
        srand(ctypes.c_uint(seed & 0xFFFFFFFF))
    else:
        logger.debug("C library not found: crfsuite training is not seeded")


def _model_file(kind: str, run: int) -> str:
    """File name of ensemble member ``run`` of the ``kind`` tagger."""
    return f"{kind}.crfsuite" if run == 0 else f"{kind}.{run}.crfsuite"
