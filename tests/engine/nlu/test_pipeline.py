"""NluPipeline: training, Rasa's parse result shape, persistence, reference bots."""
from __future__ import annotations

import json

import pytest
import yaml

from engine.data.types import NluData
from engine.errors import ModelLoadError
from engine.nlu.pipeline import NluPipeline
from tests.engine.nlu.helpers import BOTS, examples, read_nlu_yaml, restaurant_data

CONFIG = {
    "language": "en",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "RegexFeaturizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 100},
        {"name": "RegexEntityExtractor"},
        {"name": "EntitySynonymMapper"},
    ],
}


@pytest.fixture(scope="module")
def trained() -> NluPipeline:
    return NluPipeline.from_config(CONFIG).fit(restaurant_data())


def test_parse_has_exactly_rasas_keys_and_types(trained: NluPipeline) -> None:
    result = trained.parse("book a table in Berlin for 4", message_id="abc")
    assert set(result) == {"text", "intent", "entities", "intent_ranking", "text_tokens", "message_id"}
    assert result["text"] == "book a table in Berlin for 4"
    assert result["message_id"] == "abc"
    assert set(result["intent"]) == {"name", "confidence"}
    assert result["intent"]["name"] == "book_table"
    assert type(result["intent"]["confidence"]) is float
    for entry in result["intent_ranking"]:
        assert set(entry) == {"name", "confidence"} and type(entry["confidence"]) is float
    assert result["text_tokens"] == [[0, 4], [5, 6], [7, 12], [13, 15], [16, 22], [23, 26], [27, 28]]
    for entity in result["entities"]:
        assert {"entity", "start", "end", "value", "extractor"} <= set(entity)
        assert type(entity["start"]) is int and type(entity["end"]) is int
    json.dumps(result)  # plain JSON types only


def test_message_id_only_when_given(trained: NluPipeline) -> None:
    assert "message_id" not in trained.parse("hello")


def test_ranking_is_sorted_and_at_most_ten() -> None:
    data = NluData(examples=[e for i in range(14) for e in examples(f"intent_{i}", f"topic{i} one", f"topic{i} two")])
    pipeline = NluPipeline.from_config(CONFIG).fit(data)
    ranking = pipeline.parse("topic5 one")["intent_ranking"]
    assert len(ranking) == 10
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)


def test_entities_from_crf_regex_and_synonyms(trained: NluPipeline) -> None:
    entities = trained.parse("can I book a table in NYC")["entities"]
    crf = [e for e in entities if e["extractor"] == "DIETClassifier"]
    assert crf and crf[0]["value"] == "New York"
    assert crf[0]["processors"] == ["EntitySynonymMapper"]
    assert "confidence_entity" in crf[0]
    regex = [e for e in trained.parse("a table in London")["entities"] if e["extractor"] == "RegexEntityExtractor"]
    assert [(e["entity"], e["value"]) for e in regex] == [("city", "London")]


def test_fallback_classifier_in_a_pipeline() -> None:
    config = {"pipeline": [*CONFIG["pipeline"], {"name": "FallbackClassifier", "threshold": 0.99}]}
    result = NluPipeline.from_config(config).fit(restaurant_data()).parse("hello")
    assert result["intent"] == {"name": "nlu_fallback", "confidence": 0.99}
    assert result["intent_ranking"][0] == {"name": "nlu_fallback", "confidence": 0.99}
    assert result["intent_ranking"][1]["name"] == "greet"


def test_empty_data_parses_to_no_intent() -> None:
    pipeline = NluPipeline.from_config({}).fit(NluData())
    result = pipeline.parse("hello there")
    assert result["intent"] == {"name": None, "confidence": 0.0}
    assert result["intent_ranking"] == [] and result["entities"] == []
    assert result["text_tokens"] == [[0, 5], [6, 11]]


def test_empty_text_parses() -> None:
    result = NluPipeline.from_config(CONFIG).fit(restaurant_data()).parse("")
    assert result["text"] == "" and result["text_tokens"] == []
    assert isinstance(result["intent"]["name"], str)


def test_progress_is_reported_per_component() -> None:
    stages: list[str] = []
    pipeline = NluPipeline.from_config(CONFIG)
    assert pipeline.fit(restaurant_data(), progress=stages.append) is pipeline
    assert stages == [type(c).__name__ for c in pipeline.components]


def test_persist_load_round_trip_gives_identical_parses(trained: NluPipeline, tmp_path) -> None:
    trained.persist(tmp_path)
    assert (tmp_path / "pipeline.json").exists()
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib")]
    loaded = NluPipeline.load(tmp_path)
    assert loaded.mappings == trained.mappings
    assert loaded.rasa_names == trained.rasa_names
    for text in ["book a table in Berlin for 4", "hello", "see you", "where can I park", "zip 12345", ""]:
        assert loaded.parse(text, "id") == trained.parse(text, "id")


def test_load_refuses_other_versions_and_missing_models(trained: NluPipeline, tmp_path) -> None:
    with pytest.raises(ModelLoadError):
        NluPipeline.load(tmp_path / "nothing")
    trained.persist(tmp_path)
    meta = json.loads((tmp_path / "pipeline.json").read_text())
    meta["format_version"] = 0
    (tmp_path / "pipeline.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="format version"):
        NluPipeline.load(tmp_path)


def test_load_refuses_unknown_components(trained: NluPipeline, tmp_path) -> None:
    trained.persist(tmp_path)
    meta = json.loads((tmp_path / "pipeline.json").read_text())
    meta["components"][0]["name"] = "EvilComponent"
    (tmp_path / "pipeline.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="unknown component"):
        NluPipeline.load(tmp_path)


def test_moodbot_trains_from_its_yaml() -> None:
    path = BOTS / "moodbot" / "data" / "nlu.yml"
    if not path.exists():
        pytest.skip(f"reference bot not available: {path}")
    document = yaml.safe_load(path.read_text())
    data = NluData(
        examples=[
            e
            for block in document["nlu"]
            if "intent" in block
            for e in examples(block["intent"], *[line[2:] for line in block["examples"].splitlines() if line.startswith("- ")])
        ]
    )
    pipeline = NluPipeline.from_config(yaml.safe_load((BOTS / "moodbot" / "config.yml").read_text())).fit(data)
    assert pipeline.parse("hello there")["intent"]["name"] == "greet"
    assert pipeline.parse("I am very sad")["intent"]["name"] == "mood_unhappy"
    assert pipeline.parse("are you a bot?")["intent"]["name"] == "bot_challenge"
    assert pipeline.parse("hello there")["intent"]["confidence"] > 0.7
    assert pipeline.parse("xqzt vbnm")["intent"]["name"] == "nlu_fallback"


# sara (5k examples, ~10 s to train) is left out to keep the unit tests fast;
# its config is still built in test_registry.py.
@pytest.mark.parametrize(
    "bot",
    ["concertbot", "e2ebot", "formbot", "helpdesk-assistant", "knowledgebasebot", "moodbot-example",
     "reminderbot", "responseselectorbot", "rules"],
)
def test_reference_bot_trains_persists_and_parses(bot: str, tmp_path) -> None:
    folder = BOTS / bot
    if not folder.exists():
        pytest.skip(f"reference bot not available: {folder}")
    config = yaml.safe_load((folder / "config.yml").read_text())
    for entry in config.get("pipeline") or []:
        entry.pop("url", None)  # no Duckling server in unit tests
    data = read_nlu_yaml(sorted((folder / "data").rglob("*.yml")))
    pipeline = NluPipeline.from_config(config).fit(data)
    pipeline.persist(tmp_path)
    loaded = NluPipeline.load(tmp_path)
    text = data.examples[0].text
    assert loaded.parse(text) == pipeline.parse(text)
    assert pipeline.parse(text)["intent"]["name"] in {data.examples[0].intent.split("/")[0], "nlu_fallback"}


def test_refitting_forgets_the_previous_training() -> None:
    pipeline = NluPipeline.from_config(
        {"pipeline": [*CONFIG["pipeline"], {"name": "KeywordIntentClassifier"}]}
    ).fit(restaurant_data())
    assert pipeline.parse("a table in Rome")["entities"]
    pipeline.parse("hello")
    pipeline.fit(NluData(examples=[*examples("yes", "yes", "sure"), *examples("no", "no", "nope")]))
    assert pipeline.parse("a table in Rome")["entities"] == []
    assert pipeline.parse("hello")["intent"]["name"] in {"yes", "no"}


def test_multi_intents_are_predicted_as_rasa_names_them() -> None:
    config = {"pipeline": [
        {"name": "WhitespaceTokenizer", "intent_tokenization_flag": True, "intent_split_symbol": "+"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "DIETClassifier"},
    ]}
    data = NluData(examples=[
        *examples("greet", "hello", "hi there", "good morning", "hey", "hello friend"),
        *examples("ask_time", "what time is it", "tell me the time", "what is the time now", "time please"),
        *examples("greet+ask_time", "hi, what time is it", "hello, tell me the time", "hey what is the time",
                  "good morning, time please", "hi there, what is the time", "hello friend, what time is it"),
    ])
    pipeline = NluPipeline.from_config(config).fit(data)
    ranking = [r["name"] for r in pipeline.parse("hello, what time is it")["intent_ranking"]]
    assert ranking == ["greet+ask_time", "ask_time", "greet"]
    assert pipeline.parse("what time is it now")["intent"]["name"] == "ask_time"
    assert pipeline.parse("hello")["intent"]["name"] == "greet"
