"""CRFEntityExtractor: BILOU tagging, roles, comma splitting, persistence."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.errors import DataError
from engine.nlu.component import NotFittedError, Token
from engine.nlu.extractors.crf import CRFEntityExtractor, decode
from engine.nlu.featurizers.regex import RegexFeaturizer
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import example, examples, prepared, restaurant_data, run

TRAVEL = NluData(
    examples=[
        example(t, "travel")
        for t in [
            'fly from [Berlin]{"entity": "city", "role": "departure"} to [Rome]{"entity": "city", "role": "destination"}',
            'from [Paris]{"entity": "city", "role": "departure"} to [London]{"entity": "city", "role": "destination"}',
            'a flight from [Madrid]{"entity": "city", "role": "departure"} to [Oslo]{"entity": "city", "role": "destination"}',
            'to [Vienna]{"entity": "city", "role": "destination"} from [Prague]{"entity": "city", "role": "departure"}',
            'I go from [Lisbon]{"entity": "city", "role": "departure"} to [Athens]{"entity": "city", "role": "destination"}',
        ]
    ]
)


def fitted(data: NluData, **config: object) -> list:
    components = [WhitespaceTokenizer(), RegexFeaturizer(), CRFEntityExtractor(config)]
    prepared(components, data)
    return components


def test_extracts_multi_token_entities_with_confidence() -> None:
    data = NluData(examples=examples(
        "inform",
        "I live in [New York](city)",
        "I live in [San Francisco](city)",
        "I live in [Los Angeles](city)",
        "I live in [Berlin](city)",
        "my home is [New Delhi](city)",
    ))
    components = fitted(data)
    [entity] = run(components, "I live in San Diego").entities
    assert (entity["entity"], entity["value"], entity["start"], entity["end"]) == ("city", "San Diego", 10, 19)
    assert entity["extractor"] == "CRFEntityExtractor"
    assert 0.0 < entity["confidence_entity"] <= 1.0


def test_roles_are_predicted() -> None:
    components = fitted(TRAVEL)
    entities = run(components, "fly from Paris to Rome").entities
    assert [(e["value"], e.get("role")) for e in entities] == [("Paris", "departure"), ("Rome", "destination")]
    assert all(0.0 < e["confidence_role"] <= 1.0 for e in entities)


def test_extractor_name_option() -> None:
    components = fitted(restaurant_data(), extractor_name="MitieEntityExtractor")
    entities = run(components, "book a table in Berlin").entities
    assert entities and {e["extractor"] for e in entities} == {"MitieEntityExtractor"}


def test_decode_bilou_and_comma_splitting() -> None:
    text = "apples, pears and plums"
    tokens = [Token("apples", 0, 6), Token("pears", 8, 13), Token("and", 14, 17), Token("plums", 18, 23)]
    tags = ["B-fruit", "L-fruit", "O", "U-fruit"]
    spans = decode(text, tokens, tags, [0.9, 0.8, 1.0, 0.7], True, True)
    assert spans == [("fruit", 0, 0, 0.9), ("fruit", 1, 1, 0.8), ("fruit", 3, 3, 0.7)]
    spans = decode(text, tokens, tags, [0.9, 0.8, 1.0, 0.7], True, {"fruit": False})
    assert spans == [("fruit", 0, 1, 0.8), ("fruit", 3, 3, 0.7)]


def test_decode_without_bilou_merges_neighbours() -> None:
    tokens = [Token("New", 0, 3), Token("York", 4, 8)]
    assert decode("New York", tokens, ["city", "city"], [0.9, 0.6], False, False) == [("city", 0, 1, 0.6)]


def test_no_annotations_extracts_nothing() -> None:
    components = fitted(NluData(examples=examples("greet", "hi", "hello")))
    assert components[-1].models_ == {}
    assert run(components, "hi Berlin").entities == []


def test_unknown_feature_is_a_data_error() -> None:
    with pytest.raises(DataError, match="unknown feature"):
        CRFEntityExtractor({"features": [["low", "shape"]]}).validate_config()


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        run([WhitespaceTokenizer(), CRFEntityExtractor()], "hi")


def test_persist_load_round_trip_without_the_files(tmp_path) -> None:
    components = fitted(TRAVEL)
    components[-1].persist(tmp_path / "crf")
    assert (tmp_path / "crf" / "entity.crfsuite").exists()
    loaded = CRFEntityExtractor.load(tmp_path / "crf")
    for path in (tmp_path / "crf").iterdir():
        path.unlink()  # the engine deletes the unpacked model after loading
    text = "from Oslo to Berlin"
    assert run([*components[:-1], loaded], text).entities == run(components, text).entities


def test_parallel_parses_from_several_threads_agree() -> None:
    from concurrent.futures import ThreadPoolExecutor

    components = fitted(TRAVEL)
    texts = ["fly from Paris to Rome", "from Oslo to Berlin", "a flight from Madrid to Athens"] * 20
    expected = [run(components, t).entities for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda t: run(components, t).entities, texts)) == expected
