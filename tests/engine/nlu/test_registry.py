"""Component registry and Rasa-name mappings (every reference bot's config builds)."""
from __future__ import annotations

import logging

import pytest
import yaml

from engine.errors import DataError
from engine.nlu import registry
from engine.nlu.pipeline import NluPipeline
from tests.conftest import shared_path


def names(pipeline: NluPipeline) -> list[str]:
    return [type(c).__name__ for c in pipeline.components]


def test_every_registered_component_imports() -> None:
    for name in registry.COMPONENTS:
        assert registry.component_class(name).__name__ == name


def test_default_pipeline_when_config_has_none(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="engine.nlu"):
        pipeline = NluPipeline.from_config({"language": "en", "pipeline": None})
    assert names(pipeline) == [
        "WhitespaceTokenizer",
        "RegexFeaturizer",
        "CountVectorsFeaturizer",
        "CountVectorsFeaturizer",
        "IntentEntityClassifier",
        "EntitySynonymMapper",
        "ResponseSelector",
        "FallbackClassifier",
    ]
    assert [rasa for rasa, _ in pipeline.mappings] == ["LexicalSyntacticFeaturizer", "DIETClassifier"]
    mapping_lines = [r.getMessage() for r in caplog.records if "->" in r.getMessage()]
    assert len(mapping_lines) == 2
    assert any("DIETClassifier -> IntentEntityClassifier" in line for line in mapping_lines)
    fallback = pipeline.components[-1]
    assert fallback.config == {"threshold": 0.3, "ambiguity_threshold": 0.1}
    assert pipeline.language == "en"


def test_missing_pipeline_key_is_the_default_too() -> None:
    assert names(NluPipeline.from_config({})) == names(NluPipeline.from_config({"pipeline": None}))


def test_moodbot_config_maps_to_the_default_pipeline() -> None:
    path = shared_path("data", "bots", "moodbot", "config.yml")
    pipeline = NluPipeline.from_config(yaml.safe_load(path.read_text()))
    assert names(pipeline) == names(NluPipeline.from_config({}))
    assert dict(pipeline.mappings)["DIETClassifier"].startswith("IntentEntityClassifier")


def test_model_based_components_map_to_stand_ins() -> None:
    pipeline = NluPipeline.from_config(
        {
            "pipeline": [
                {"name": "SpacyNLP", "model": "en_core_web_md"},
                {"name": "SpacyTokenizer"},
                {"name": "SpacyFeaturizer"},
                {"name": "DIETClassifier", "entity_recognition": False, "epochs": 1},
                {"name": "SpacyEntityExtractor"},
                {"name": "DucklingEntityExtractor"},
            ]
        }
    )
    assert names(pipeline) == [
        "WhitespaceTokenizer",
        "CountVectorsFeaturizer",
        "CountVectorsFeaturizer",
        "IntentEntityClassifier",
    ]
    mappings = dict(pipeline.mappings)
    assert mappings["SpacyNLP"].startswith("skipped")
    assert mappings["SpacyTokenizer"] == "WhitespaceTokenizer"
    assert mappings["SpacyFeaturizer"].startswith("CountVectorsFeaturizer")
    assert mappings["SpacyEntityExtractor"].startswith("skipped")
    assert mappings["DucklingEntityExtractor"].startswith("skipped")
    assert pipeline.components[3].config["entity_recognition"] is False


def test_diet_random_seed_seeds_the_intent_model_and_the_crf() -> None:
    steps = [{"name": "WhitespaceTokenizer"}, {"name": "CountVectorsFeaturizer"}, {"name": "DIETClassifier", "random_seed": 42}]
    config = {"pipeline": steps}
    diet = NluPipeline.from_config(config).components[-1]
    assert diet.config["random_state"] == 42
    assert diet._entity_config()["random_seed"] == 42


def test_dense_featurizer_is_skipped_when_sparse_ones_exist() -> None:
    pipeline = NluPipeline.from_config(
        {"pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "SpacyFeaturizer"}, {"name": "CountVectorsFeaturizer"}, {"name": "DIETClassifier"}]}
    )
    assert names(pipeline).count("CountVectorsFeaturizer") == 1
    assert dict(pipeline.mappings)["SpacyFeaturizer"].startswith("skipped")


LANGUAGE_MODEL_PIPELINE = {
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "LanguageModelFeaturizer", "model_name": "bert"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "DIETClassifier"},
    ]
}


def test_language_model_featurizer_uses_the_sentence_encoder_when_installed(monkeypatch) -> None:
    from engine.nlu.featurizers import encoder, sentence_embedding

    monkeypatch.setattr(encoder, "missing_modules", lambda: [])
    monkeypatch.setattr(sentence_embedding, "missing_modules", lambda: [])
    pipeline = NluPipeline.from_config(LANGUAGE_MODEL_PIPELINE)
    assert names(pipeline)[1] == "SentenceEmbeddingFeaturizer"
    assert dict(pipeline.mappings)["LanguageModelFeaturizer"].startswith("SentenceEmbeddingFeaturizer")


def test_language_model_featurizer_is_skipped_without_the_encoder_extra(monkeypatch) -> None:
    from engine.nlu.featurizers import encoder

    monkeypatch.setattr(encoder, "missing_modules", lambda: ["torch"])
    pipeline = NluPipeline.from_config(LANGUAGE_MODEL_PIPELINE)
    assert "SentenceEmbeddingFeaturizer" not in names(pipeline)
    assert dict(pipeline.mappings)["LanguageModelFeaturizer"].startswith("skipped")


def test_naming_the_encoder_without_the_extra_is_a_clear_training_error(monkeypatch) -> None:
    from engine.nlu.featurizers import encoder, sentence_embedding

    monkeypatch.setattr(encoder, "missing_modules", lambda: ["torch", "transformers"])
    monkeypatch.setattr(sentence_embedding, "missing_modules", lambda: ["torch", "transformers"])
    with pytest.raises(DataError, match="encoder' extra"):
        NluPipeline.from_config(
            {"pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "SentenceEmbeddingFeaturizer"}, {"name": "DIETClassifier"}]}
        )


def test_other_classifiers_map_to_the_linear_classifier() -> None:
    for rasa_name in ("SklearnIntentClassifier", "LogisticRegressionClassifier", "MitieIntentClassifier"):
        pipeline = NluPipeline.from_config(
            {"pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "CountVectorsFeaturizer"}, {"name": rasa_name, "C": [1, 10]}]}
        )
        assert names(pipeline)[-1] == "LinearIntentClassifier"
        assert pipeline.mappings == [(rasa_name, "LinearIntentClassifier")]


def test_configured_duckling_is_served() -> None:
    pipeline = NluPipeline.from_config({"pipeline": [{"name": "DucklingHTTPExtractor", "url": "http://localhost:8000"}]})
    assert names(pipeline) == ["DucklingEntityExtractor"]
    assert pipeline.components[0].extractor_name == "DucklingHTTPExtractor"


def test_unknown_component_is_a_data_error_listing_valid_names() -> None:
    with pytest.raises(DataError) as info:
        NluPipeline.from_config({"pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "MagicClassifier"}]})
    assert "MagicClassifier" in info.value.message
    assert "CountVectorsFeaturizer" in info.value.message and "DIETClassifier" in info.value.message


def test_custom_component_path_is_a_data_error() -> None:
    with pytest.raises(DataError, match="custom component"):
        NluPipeline.from_config({"pipeline": [{"name": "addons.MyTokenizer"}]})


@pytest.mark.parametrize("entry", ["WhitespaceTokenizer", {"model": "x"}, {"name": ""}])
def test_malformed_entry_is_a_data_error(entry: object) -> None:
    with pytest.raises(DataError, match="Entry 1"):
        NluPipeline.from_config({"pipeline": [entry]})


def test_component_before_its_requirements_is_a_data_error() -> None:
    with pytest.raises(DataError, match="needs a tokenizer"):
        NluPipeline.from_config({"pipeline": [{"name": "CountVectorsFeaturizer"}, {"name": "WhitespaceTokenizer"}]})
    with pytest.raises(DataError, match="needs a featurizer"):
        NluPipeline.from_config({"pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "DIETClassifier"}]})
    with pytest.raises(DataError, match="needs an intent classifier"):
        NluPipeline.from_config({"pipeline": [{"name": "FallbackClassifier"}]})


def test_bad_option_is_a_data_error() -> None:
    with pytest.raises(DataError, match="analyzer"):
        NluPipeline.from_config({"pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "CountVectorsFeaturizer", "analyzer": "words"}]})


def test_every_reference_bot_config_builds() -> None:
    configs = sorted(shared_path("data", "bots").glob("*/config*.yml"))
    assert configs
    for path in configs:
        pipeline = NluPipeline.from_config(yaml.safe_load(path.read_text()))
        assert pipeline.components, path
