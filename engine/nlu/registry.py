"""NLU component names: our classes (imported lazily) and Rasa's names.

A config.yml entry names a component. Names of our own components build
that component. Rasa names we serve with something else resolve to our
stand-ins (a tokenizer becomes ``WhitespaceTokenizer``, ``DIETClassifier``
becomes ``IntentEntityClassifier``...) or to nothing, when the component
needs a model we do not ship (spaCy, MITIE, HuggingFace); each such mapping
is described by a short text the pipeline logs once. Any other name is a
:class:`DataError` listing the valid names.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from engine.errors import DataError

if TYPE_CHECKING:
    from engine.nlu.component import Component

# Our components: name -> "module:Class", imported on first use.
COMPONENTS: dict[str, str] = {
    "WhitespaceTokenizer": "engine.nlu.tokenizers.whitespace:WhitespaceTokenizer",
    "RegexTokenizer": "engine.nlu.tokenizers.regex:RegexTokenizer",
    "CountVectorsFeaturizer": "engine.nlu.featurizers.count_vectors:CountVectorsFeaturizer",
    "RegexFeaturizer": "engine.nlu.featurizers.regex:RegexFeaturizer",
    "SentenceEmbeddingFeaturizer": "engine.nlu.featurizers.sentence_embedding:SentenceEmbeddingFeaturizer",
    "LinearIntentClassifier": "engine.nlu.classifiers.linear:LinearIntentClassifier",
    "EnsembleIntentClassifier": "engine.nlu.classifiers.ensemble:EnsembleIntentClassifier",
    "IntentEntityClassifier": "engine.nlu.classifiers.diet:IntentEntityClassifier",
    "KeywordIntentClassifier": "engine.nlu.classifiers.keyword:KeywordIntentClassifier",
    "FallbackClassifier": "engine.nlu.classifiers.fallback:FallbackClassifier",
    "RegexEntityExtractor": "engine.nlu.extractors.regex:RegexEntityExtractor",
    "EntitySynonymMapper": "engine.nlu.extractors.synonyms:EntitySynonymMapper",
    "CRFEntityExtractor": "engine.nlu.extractors.crf:CRFEntityExtractor",
    "DucklingEntityExtractor": "engine.nlu.extractors.duckling:DucklingEntityExtractor",
    "ResponseSelector": "engine.nlu.selectors.response_selector:ResponseSelector",
}

# What config.yml without ``pipeline`` trains: Rasa 3.x's default pipeline,
# except for the n-gram ranges: word 1-2-grams and char_wb 2-5-grams (Rasa:
# words and char_wb 1-4) are 0.6 points more accurate on HWU64 and BANKING77.
DEFAULT_PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer", "min_ngram": 1, "max_ngram": 2},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
    {"name": "DIETClassifier", "epochs": 100},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector", "epochs": 100},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]

TOKENIZER_OPTIONS = ("intent_tokenization_flag", "intent_split_symbol", "token_pattern")
DENSE_FEATURIZERS = frozenset(
    {"SpacyFeaturizer", "MitieFeaturizer", "ConveRTFeaturizer", "LanguageModelFeaturizer"}
)
SPARSE_STAND_IN: list[dict[str, Any]] = [
    {"name": "CountVectorsFeaturizer", "min_ngram": 1, "max_ngram": 2},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
]
# Dense featurizers that the packaged sentence encoder serves (when installed).
ENCODER_FEATURIZERS = frozenset({"LanguageModelFeaturizer", "ConveRTFeaturizer"})


@dataclass
class Resolution:
    """What one config.yml entry builds.

    Attributes:
        rasa_name: The name written in config.yml.
        steps: Our components to build, as (name, config) pairs; empty when
            the entry is skipped.
        mapping: Description of the stand-in for the log and the model
            metadata; None when the entry is served by the component of
            that very name.
    """

    rasa_name: str
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    mapping: str | None = None


@dataclass
class ResolveContext:
    """Facts about the whole pipeline that some mappings depend on.

    Attributes:
        has_sparse_featurizer: The pipeline has a CountVectorsFeaturizer.
        dense_replaced: A dense featurizer was already replaced by sparse ones.
        encoder_used: A dense featurizer was already served by the encoder.
    """

    has_sparse_featurizer: bool = False
    dense_replaced: bool = False
    encoder_used: bool = False


def component_class(name: str) -> type[Component]:
    """Return our component class called ``name`` (imported now)."""
    try:
        target = COMPONENTS[name]
    except KeyError:
        raise DataError(f"Unknown NLU component {name!r}. Valid names: {', '.join(valid_names())}.") from None
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def _options(config: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: config[k] for k in keys if k in config}


def _skip(reason: str) -> Callable[[str, dict[str, Any], ResolveContext], Resolution]:
    def resolve(name: str, config: dict[str, Any], context: ResolveContext) -> Resolution:
        """Build nothing; the mapping text gives the reason."""
        return Resolution(name, [], f"skipped ({reason})")

    return resolve


def _tokenizer(name: str, config: dict[str, Any], context: ResolveContext) -> Resolution:
    return Resolution(name, [("WhitespaceTokenizer", _options(config, TOKENIZER_OPTIONS))], "WhitespaceTokenizer")


def _unspaced_tokenizer(name: str, config: dict[str, Any], context: ResolveContext) -> Resolution:
    # Jieba segments Chinese, which has no spaces: characters are the closest stand-in.
    options = _options(config, ("intent_tokenization_flag", "intent_split_symbol"))
    return Resolution(name, [("RegexTokenizer", options)], "RegexTokenizer (one token per CJK character)")


def _dense_featurizer(name: str, config: dict[str, Any], context: ResolveContext) -> Resolution:
    if name in ENCODER_FEATURIZERS and not context.encoder_used:
        from engine.nlu.featurizers.encoder import encoder_available

        if encoder_available():
            context.encoder_used = True
            return Resolution(
                name, [("SentenceEmbeddingFeaturizer", {})], "SentenceEmbeddingFeaturizer (all-MiniLM-L6-v2)"
            )
    if context.has_sparse_featurizer or context.dense_replaced or context.encoder_used:
        return Resolution(name, [], "skipped (pre-trained embeddings are not available; sparse features are used)")
    context.dense_replaced = True
    steps = [(e["name"], {k: v for k, v in e.items() if k != "name"}) for e in SPARSE_STAND_IN]
    return Resolution(name, steps, "CountVectorsFeaturizer (word 1-2) + CountVectorsFeaturizer (char_wb 2-5)")


def _diet(name: str, config: dict[str, Any], context: ResolveContext) -> Resolution:
    options = {k: v for k, v in config.items() if k in (
        "intent_classification", "entity_recognition", "ranking_length", "BILOU_flag", "split_entities_by_comma",
        "C", "class_weight", "max_iter", "random_state", "intent_model", "hidden_size", "mlp_weight", "svm_C",
        "svm_temperature", "tag_scheme", "algorithm", "perceptron_epochs",
    )}
    seed = config.get("random_seed")
    if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0:
        options["random_seed"] = seed  # the CRF's data order
        if options.get("random_state") is None:
            options["random_state"] = seed
    options["extractor_name"] = name
    return Resolution(
        name,
        [("IntentEntityClassifier", options)],
        "IntentEntityClassifier (EnsembleIntentClassifier + intent-aware CRFEntityExtractor when the data has entities)",
    )


def _linear(name: str, config: dict[str, Any], context: ResolveContext) -> Resolution:
    options = _options(config, ("ranking_length", "max_iter", "tol", "random_state", "class_weight"))
    if isinstance(config.get("C"), (int, float)) and not isinstance(config.get("C"), bool):
        options["C"] = config["C"]  # a list of C values (SklearnIntentClassifier grid) is ignored
    if options.get("class_weight") not in (None, "balanced"):
        options.pop("class_weight")
    return Resolution(name, [("LinearIntentClassifier", options)], "LinearIntentClassifier")


def _crf(name: str, config: dict[str, Any], context: ResolveContext) -> Resolution:
    return Resolution(name, [("CRFEntityExtractor", {"extractor_name": name})], "CRFEntityExtractor")


def _duckling(name: str, config: dict[str, Any], context: ResolveContext) -> Resolution:
    if not config.get("url"):
        return Resolution(name, [], "skipped (no Duckling server url configured)")
    options = {k: v for k, v in config.items() if k != "name"}
    options["extractor_name"] = name
    if name == "DucklingEntityExtractor":
        return Resolution(name, [("DucklingEntityExtractor", options)], None)
    return Resolution(name, [("DucklingEntityExtractor", options)], "DucklingEntityExtractor")


# Rasa names not served by a component of the same name.
RASA_MAPPINGS: dict[str, Callable[[str, dict[str, Any], ResolveContext], Resolution]] = {
    # tokenizers
    "SpacyTokenizer": _tokenizer,
    "MitieTokenizer": _tokenizer,
    "JiebaTokenizer": _unspaced_tokenizer,
    "ConveRTTokenizer": _tokenizer,
    "LanguageModelTokenizer": _tokenizer,
    # language models
    "SpacyNLP": _skip("needs a spaCy language model"),
    "MitieNLP": _skip("needs a MITIE model"),
    "HFTransformersNLP": _skip("needs a HuggingFace model"),
    # featurizers
    "SpacyFeaturizer": _dense_featurizer,
    "MitieFeaturizer": _dense_featurizer,
    "ConveRTFeaturizer": _dense_featurizer,
    "LanguageModelFeaturizer": _dense_featurizer,
    "LexicalSyntacticFeaturizer": _skip("token features are built into CRFEntityExtractor"),
    # intent classifiers
    "DIETClassifier": _diet,
    "EmbeddingIntentClassifier": _diet,
    "SklearnIntentClassifier": _linear,
    "LogisticRegressionClassifier": _linear,
    "MitieIntentClassifier": _linear,
    # entity extractors
    "MitieEntityExtractor": _crf,
    "SpacyEntityExtractor": _skip("needs a spaCy NER model"),
    "DucklingEntityExtractor": _duckling,
    "DucklingHTTPExtractor": _duckling,
    # handled elsewhere
    "RegexMessageHandler": _skip("'/intent' messages are parsed before the pipeline"),
}


def valid_names() -> list[str]:
    """All component names config.yml may use, sorted."""
    return sorted(set(COMPONENTS) | set(RASA_MAPPINGS))


def resolve(entry: Any, context: ResolveContext, position: int) -> Resolution:
    """Resolve one config.yml pipeline entry.

    Args:
        entry: The entry, a dict with ``name`` and options.
        context: Pipeline-wide facts (updated by some mappings).
        position: 1-based position of the entry, for error messages.

    Raises:
        DataError: The entry is malformed or names an unknown component.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise DataError(
            f"Entry {position} of the NLU pipeline must be a mapping with a 'name' key, got {entry!r}."
        )
    name = entry["name"].strip()
    config = {k: v for k, v in entry.items() if k != "name"}
    if name in RASA_MAPPINGS:
        return RASA_MAPPINGS[name](name, config, context)
    if name in COMPONENTS:
        return Resolution(name, [(name, config)], None)
    if "." in name:
        raise DataError(
            f"The NLU pipeline names the custom component {name!r}; Rasa custom components "
            f"cannot run in Parley. Valid names: {', '.join(valid_names())}."
        )
    raise DataError(f"Unknown NLU component {name!r} in the pipeline. Valid names: {', '.join(valid_names())}.")
