"""CountVectorsFeaturizer: bag of words or character n-grams, TF-IDF weighted.

The vocabulary is learned with scikit-learn's ``CountVectorizer`` (so
``min_df``, ``max_df`` and ``max_features`` behave as there) and stored as
JSON; IDF weights go to an ``.npz`` file. At inference the n-grams of one
message are looked up in a plain dict, which is much cheaper than a
``CountVectorizer.transform`` call per message.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import (
    Component,
    FeatureBlock,
    Message,
    check_choice,
    check_number,
    config_error,
)

_WORD = re.compile(r"\w+")
ANALYZERS = ("word", "char", "char_wb")


class CountVectorsFeaturizer(Component):
    """Sparse sentence features from token n-grams or character n-grams.

    Config (Rasa's names and defaults, plus weighting options):
        analyzer: ``word``, ``char`` or ``char_wb``.
        min_ngram / max_ngram: n-gram range (1, 1).
        lowercase: Lower-case before counting (True).
        stop_words: None, ``english`` or a list of words (word analyzer).
        min_df / max_df / max_features: Vocabulary pruning as in sklearn.
        OOV_token: Word that stands for any unseen token (word analyzer).
        OOV_words: Training words replaced by ``OOV_token``.
        token_pattern: Optional regex splitting tokens further (word analyzer).
        use_idf / sublinear_tf / norm: TF-IDF weighting of the counts
            (True / True / ``l2``); set ``use_idf: false, sublinear_tf:
            false, norm: null`` for Rasa's raw counts.
        alias: Name of the feature block (defaults to the class name).
    """

    provides = frozenset({"features"})
    requires = frozenset({"tokens"})
    learned_attributes = ("vocabulary_", "idf_")
    featurizes_training_data = True

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults plus TF-IDF weighting."""
        return {
            "analyzer": "word",
            "min_ngram": 1,
            "max_ngram": 1,
            "lowercase": True,
            "stop_words": None,
            "min_df": 1,
            "max_df": 1.0,
            "max_features": None,
            "OOV_token": None,
            "OOV_words": [],
            "token_pattern": None,
            "use_idf": True,
            "sublinear_tf": True,
            "norm": "l2",
            "alias": None,
        }

    def validate_config(self) -> None:
        """Check analyzer, n-gram range, pruning and weighting options."""
        name = type(self).__name__
        cfg = self.config
        check_choice(name, "analyzer", cfg["analyzer"], ANALYZERS)
        check_number(name, "min_ngram", cfg["min_ngram"], minimum=1, integer=True)
        check_number(name, "max_ngram", cfg["max_ngram"], minimum=1, integer=True)
        if cfg["max_ngram"] < cfg["min_ngram"]:
            raise config_error(name, "max_ngram must not be smaller than min_ngram.")
        check_number(name, "min_df", cfg["min_df"], minimum=0)
        check_number(name, "max_df", cfg["max_df"], minimum=0)
        if cfg["max_features"] is not None:
            check_number(name, "max_features", cfg["max_features"], minimum=1, integer=True)
        check_choice(name, "norm", cfg["norm"], ("l1", "l2", None))
        if cfg["token_pattern"]:
            try:
                re.compile(cfg["token_pattern"])
            except (re.error, TypeError) as ex:
                raise config_error(name, f"token_pattern is not a valid regex: {ex}")
        stop = cfg["stop_words"]
        if stop is not None and stop != "english" and not isinstance(stop, list):
            raise config_error(name, "stop_words must be null, 'english' or a list of words.")

    @property
    def block_name(self) -> str:
        """Name of the feature block this featurizer writes."""
        return self.config.get("alias") or type(self).__name__

    # -- analysis ---------------------------------------------------------

    def _words(self, message: Message) -> list[str]:
        """Token texts (lower-cased); the word analyzer splits them into words."""
        cfg = self.config
        texts = [t.text.lower() if cfg["lowercase"] else t.text for t in message.tokens]
        if cfg["analyzer"] != "word":
            return texts
        pattern = self._word_pattern()
        words: list[str] = []
        for text in texts:
            for match in pattern.finditer(text):
                if match.group():
                    words.append(match.group())
        return words

    def _word_pattern(self) -> re.Pattern[str]:
        cached = getattr(self, "_pattern_cache", None)
        if cached is None:
            pattern = self.config["token_pattern"]
            cached = self._pattern_cache = re.compile(pattern) if pattern else _WORD
        return cached

    def _analyze(self, words: list[str], oov: dict[str, int] | None) -> list[str]:
        """Return the n-gram terms of one message (OOV replacement applied)."""
        cfg = self.config
        low, high = cfg["min_ngram"], cfg["max_ngram"]
        if cfg["analyzer"] == "word":
            token = cfg["OOV_token"]
            if token:
                if oov is None:  # training: only the configured OOV words
                    replace = {w.lower() if cfg["lowercase"] else w for w in cfg["OOV_words"] or []}
                    words = [token if w in replace else w for w in words]
                else:  # inference: anything not in the vocabulary
                    words = [w if w in oov else token for w in words]
            stop = self._stop_words()
            if stop:
                words = [w for w in words if w not in stop]
            terms: list[str] = []
            for n in range(low, high + 1):
                for i in range(len(words) - n + 1):
                    terms.append(" ".join(words[i : i + n]))
            return terms
        terms = []
        if cfg["analyzer"] == "char":
            text = " ".join(words)
            for n in range(low, high + 1):
                terms.extend(text[i : i + n] for i in range(len(text) - n + 1))
            return terms
        for word in words:  # char_wb: n-grams inside space-padded words
            padded = f" {word} "
            for n in range(low, high + 1):
                if len(padded) < n:
                    continue
                terms.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return terms

    def _stop_words(self) -> frozenset[str]:
        stop = self.config["stop_words"]
        if not stop:
            return frozenset()
        cached = getattr(self, "_stop_cache", None)
        if cached is None:
            if stop == "english":
                from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

                cached = frozenset(ENGLISH_STOP_WORDS)
            else:
                cached = frozenset(str(w) for w in stop)
            self._stop_cache = cached
        return cached

    # -- learning ---------------------------------------------------------

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> CountVectorsFeaturizer:
        """Learn the vocabulary (and IDF weights) from the training messages."""
        import numpy as np
        from sklearn.feature_extraction.text import CountVectorizer

        self.validate_config()
        documents = [self._analyze(self._words(m), None) for m in messages]
        vocabulary: dict[str, int] = {}
        counts = None
        if any(documents):
            vectorizer = CountVectorizer(
                analyzer=lambda terms: terms,
                min_df=self.config["min_df"],
                max_df=self.config["max_df"],
                max_features=self.config["max_features"],
            )
            try:
                counts = vectorizer.fit_transform(documents)
            except ValueError as ex:  # min_df/max_df/max_features leave no term
                raise config_error(type(self).__name__, f"{ex}") from ex
            vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
        oov = self.config["OOV_token"]
        if self.config["analyzer"] == "word" and oov and oov not in vocabulary:
            vocabulary[oov] = len(vocabulary)  # so unseen words at inference still count
        self.vocabulary_ = vocabulary
        size = len(vocabulary)
        idf = np.ones(size, dtype=np.float64)
        if self.config["use_idf"] and vocabulary and counts is not None:
            n_docs = counts.shape[0]
            df = np.zeros(size, dtype=np.float64)
            df[: counts.shape[1]] = np.bincount(counts.indices, minlength=counts.shape[1])
            idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0  # smoothed, as sklearn's TfidfTransformer
        self.idf_ = idf
        return self

    # -- inference --------------------------------------------------------

    def process(self, message: Message) -> None:
        """Append this featurizer's block to ``message.features``."""
        import numpy as np

        self.check_fitted()
        vocabulary = self.vocabulary_
        counts: dict[int, float] = {}
        for term in self._analyze(self._words(message), vocabulary):
            index = vocabulary.get(term)
            if index is not None:
                counts[index] = counts.get(index, 0.0) + 1.0
        indices = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if len(values):
            if self.config["sublinear_tf"]:
                values = 1.0 + np.log(values)
            values = values * self.idf_[indices]
            norm = self.config["norm"]
            if norm == "l2":
                values = values / np.sqrt(np.dot(values, values))
            elif norm == "l1":
                values = values / np.abs(values).sum()
        message.features.append(FeatureBlock(self.block_name, indices, values, len(vocabulary)))

    # -- persistence ------------------------------------------------------

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        import numpy as np

        np.savez(directory / "idf.npz", idf=self.idf_)
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return {"vocabulary": terms}

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        import numpy as np

        self.vocabulary_ = {term: i for i, term in enumerate(state["vocabulary"])}
        with np.load(directory / "idf.npz", allow_pickle=False) as arrays:
            self.idf_ = np.asarray(arrays["idf"], dtype=np.float64)
        if len(self.idf_) != len(self.vocabulary_):
            raise ValueError("vocabulary and IDF weights differ in size")
