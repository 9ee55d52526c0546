"""CRFEntityExtractor: BILOU tagging, roles, comma splitting, persistence."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.errors import DataError
from engine.nlu.component import Message, NotFittedError, Token
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


CITIES = NluData(examples=examples(
    "inform",
    "I live in [New York](city)",
    "I live in [San Francisco](city)",
    "I live in [Los Angeles](city)",
    "I live in [Berlin](city)",
    "my home is [New Delhi](city)",
    "we moved to [Rio de Janeiro](city) last year",
))


def fitted(data: NluData, **config: object) -> list:
    components = [WhitespaceTokenizer(), RegexFeaturizer(), CRFEntityExtractor(config)]
    prepared(components, data)
    return components


def test_extracts_multi_token_entities_with_confidence() -> None:
    components = fitted(CITIES)
    [entity] = run(components, "I live in San Diego").entities
    assert (entity["entity"], entity["value"], entity["start"], entity["end"]) == ("city", "San Diego", 10, 19)
    assert entity["extractor"] == "CRFEntityExtractor"
    assert 0.0 < entity["confidence_entity"] <= 1.0


def test_roles_are_predicted() -> None:
    components = fitted(TRAVEL)
    entities = run(components, "fly from Paris to Rome").entities
    assert [(e["value"], e.get("role")) for e in entities] == [("Paris", "departure"), ("Rome", "destination")]
    assert all(0.0 < e["confidence_role"] <= 1.0 for e in entities)


PIZZAS = NluData(examples=[
    example(t, "order_pizza")
    for t in [
        'a [large]{"entity": "size", "group": "1"} [pepperoni]{"entity": "topping", "group": "1"} and a '
        '[small]{"entity": "size", "group": "2"} [mushroom]{"entity": "topping", "group": "2"}',
        'one [small]{"entity": "size", "group": "1"} [cheese]{"entity": "topping", "group": "1"} and one '
        '[medium]{"entity": "size", "group": "2"} [ham]{"entity": "topping", "group": "2"}',
        '[medium]{"entity": "size", "group": "1"} [veggie]{"entity": "topping", "group": "1"} plus '
        '[large]{"entity": "size", "group": "2"} [tuna]{"entity": "topping", "group": "2"}',
        'a [large]{"entity": "size", "group": "1"} [ham]{"entity": "topping", "group": "1"} and a '
        '[medium]{"entity": "size", "group": "2"} [cheese]{"entity": "topping", "group": "2"}',
        'I want a [small]{"entity": "size", "group": "1"} [tuna]{"entity": "topping", "group": "1"}',
    ]
])


def test_groups_are_predicted_and_persisted(tmp_path) -> None:
    components = fitted(PIZZAS)  # L-BFGS on small data: deterministic, unlike the perceptron's random order
    text = "a small ham and a large veggie"
    entities = run(components, text).entities
    expected = [("size", "small", "1"), ("topping", "ham", "1"), ("size", "large", "2"), ("topping", "veggie", "2")]
    assert [(e["entity"], e["value"], e.get("group")) for e in entities] == expected
    assert all(0.0 < e["confidence_group"] <= 1.0 for e in entities)
    components[-1].persist(tmp_path)
    loaded = CRFEntityExtractor.load(tmp_path)
    assert run([*components[:-1], loaded], text).entities == entities


def test_perceptron_trains_an_ensemble_and_weighs_candidate_intents(tmp_path) -> None:
    components = fitted(CITIES, algorithm="ap", perceptron_epochs=20, use_intent_features=True)
    crf = components[-1]
    assert len(crf.models_["entity"]) == 5  # averaged perceptron: five runs by default
    assert len(fitted(CITIES, algorithm="lbfgs")[-1].models_["entity"]) == 1
    message = Message(text="I live in New York")
    for component in components[:-1]:
        component.process(message)
    message.intent = {"name": "inform", "confidence": 0.6}
    message.intent_ranking = [{"name": "inform", "confidence": 0.6}, {"name": "chitchat", "confidence": 0.39},
                              {"name": "deny", "confidence": 0.01}]
    assert crf._candidate_intents(message) == [("inform", 0.6), ("chitchat", 0.39)]  # 1% is below the cut
    [entity] = crf.extract(message)
    assert entity["value"] == "New York"
    assert 0.0 < entity["confidence_entity"] <= 1.0
    crf.persist(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.crfsuite")) == [
        *(f"entity.{run}.crfsuite" for run in range(1, 5)), "entity.crfsuite"
    ]
    assert CRFEntityExtractor.load(tmp_path).extract(message) == [entity]


def test_candidate_marginals_are_weighted_per_candidate() -> None:
    crf = fitted(CITIES, algorithm="ap", perceptron_epochs=20, use_intent_features=True)[-1]
    message = run(fitted(CITIES)[:-1], "I live in New York")
    inputs = [(crf._items(message, "inform"), 0.7), (crf._items(message, "chitchat"), 0.3)]
    tags, confidences = crf._tag("entity", inputs)
    assert tags[3:] == ["I-city", "I-city"]
    expected = []
    for i, tag in enumerate(tags):
        if i < 3:  # every run leaves "I live in" untagged: no marginals computed
            expected.append(1.0)
            continue
        total = 0.0
        for items, weight in inputs:
            for tagger in crf._taggers("entity"):
                tagger.set(items)
                total += weight / len(crf._taggers("entity")) * tagger.marginal(tag, i)
        expected.append(total)
    assert confidences == pytest.approx(expected)


def test_perceptron_runs_each_leave_out_one_feature_group() -> None:
    def attributes(crf: CRFEntityExtractor) -> list[set[str]]:
        return [{attr for attr, _ in tagger.info().state_features} for tagger in crf._taggers("entity")]

    runs = attributes(fitted(CITIES, algorithm="ap", perceptron_epochs=5)[-1])
    bigrams = [any(a.startswith(("bg-=", "bg+=")) for a in run) for run in runs]
    affixes = [any(a.startswith("s3=") for a in run) for run in runs]
    assert bigrams == [False, True, True, True, True]  # the first run trains without word bigrams
    assert affixes == [True, True, False, True, True]  # the third without affixes
    assert all(any(a.startswith("w=") for a in run) for run in runs)  # the words themselves always
    [single] = attributes(fitted(CITIES, algorithm="ap", ensemble_size=1)[-1])
    assert any(a.startswith("bg-=") for a in single)  # one model sees every feature
    window = attributes(fitted(CITIES, algorithm="ap", features=[["low"], ["low", "suffix3"], ["low"]])[-1])
    kinds = [{a.split("=")[0] for a in run} for run in window]
    # Rasa's window is not split between the runs.
    assert all(run == {"BOS", "EOS", "-1:low", "0:low", "0:suffix3", "1:low"} for run in kinds)


def test_perceptron_training_is_reproducible() -> None:
    def models(**config: object) -> list[bytes]:
        return fitted(CITIES, algorithm="ap", ensemble_size=2, **config)[-1].models_["entity"]

    first = models()
    assert models() == first  # the data order is seeded: the same data trains the same model
    assert models(random_seed=7) != first
    assert first[0] != first[1]  # runs differ from each other


def test_rare_words_are_features_and_persisted(tmp_path) -> None:
    components = fitted(CITIES)
    crf = components[-1]
    assert "live" in crf.frequent_words_ and "berlin" not in crf.frequent_words_  # seen 4 times / once
    message = Message(text="I live in Springfield")
    for component in components[:-1]:
        component.process(message)
    items = crf._items(message, None)
    assert "rare" in items[3] and "1rare" in items[2] and "rare" not in items[1]
    entities = crf.extract(message)
    crf.persist(tmp_path)
    loaded = CRFEntityExtractor.load(tmp_path)
    assert loaded.frequent_words_ == crf.frequent_words_
    assert loaded.extract(message) == entities
    assert fitted(CITIES, features=[["low"], ["low", "bias"], ["low"]])[-1].frequent_words_ is None


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


@pytest.mark.parametrize("algorithm", ["lbfgs", "ap"])
@pytest.mark.parametrize("scheme", ["BILOU", "BIO", "IOB1"])
def test_every_algorithm_and_tag_scheme_finds_multi_token_entities(algorithm: str, scheme: str) -> None:
    components = fitted(CITIES, algorithm=algorithm, tag_scheme=scheme, perceptron_epochs=20)
    assert components[-1].scheme_ == scheme
    assert [e["value"] for e in run(components, "I live in New York").entities] == ["New York"]


def test_bilou_flag_off_means_bare_labels() -> None:
    assert fitted(CITIES, BILOU_flag=False)[-1].scheme_ == "IO"
    assert fitted(CITIES)[-1].scheme_ == "IOB1"


def test_entity_type_follows_the_predicted_intent() -> None:
    # "apple" is a company when trading and a fruit when cooking: only the intent tells.
    data = NluData(examples=[
        *examples("trade", "buy [apple](company) shares", "sell [apple](company) now", "buy [tesla](company)",
                  "short [apple](company) stock", "I like [apple](company) stock"),
        *examples("cook", "bake an [apple](fruit) pie", "peel the [apple](fruit)", "slice a [pear](fruit)",
                  "cut the [apple](fruit) now", "I like [apple](fruit) juice"),
    ])
    components = fitted(data, use_intent_features=True)
    message = run(components[:-1], "I like apple")
    for intent, expected in [("trade", "company"), ("cook", "fruit")]:
        message.entities = []
        message.intent = {"name": intent, "confidence": 1.0}
        components[-1].process(message)
        assert [(e["value"], e["entity"]) for e in message.entities] == [("apple", expected)]


def test_dense_token_vectors_are_used_and_persisted(tmp_path) -> None:
    import numpy as np

    data = NluData(examples=examples(
        "order", "I want [xa](dish)", "I want [qo](dish)", "I want [ze](dish)", "I want it now", "I want more",
    ))
    components = [WhitespaceTokenizer(), RegexFeaturizer()]
    messages = prepared(components, data)
    for m in messages:  # dimension 0 marks dishes; the words themselves are unseen below
        m.token_vectors = np.array([[1.0 if m.text[t.start:t.end] in ("xa", "qo", "ze") else 0.0, 0.5] for t in m.tokens])
    crf = CRFEntityExtractor({"algorithm": "lbfgs"}).fit(messages, data)
    assert crf.dense_scale_ is not None
    crf.persist(tmp_path)
    loaded = CRFEntityExtractor.load(tmp_path)
    message = run(components, "I want yu")
    message.token_vectors = np.array([[0.0, 0.5], [0.0, 0.5], [1.0, 0.5]])
    assert [e["value"] for e in crf.extract(message)] == ["yu"]
    assert loaded.extract(message) == crf.extract(message)


def test_offsets_are_right_on_non_latin_text() -> None:
    data = NluData(examples=examples(
        "inform",
        "मैं [दिल्ली](city) में रहता हूँ",
        "मैं [मुंबई](city) में रहता हूँ",
        "मैं [कोलकाता](city) में रहता हूँ",
        "ich wohne in [Köln](city) 🙂",
        "ich wohne in [Düsseldorf](city) 🙂",
    ))
    components = fitted(data)
    text = "मैं दिल्ली में रहता हूँ"
    [entity] = run(components, text).entities
    assert text[entity["start"]:entity["end"]] == entity["value"] == "दिल्ली"
    text = "ich wohne in Köln 🙂"
    [entity] = run(components, text).entities
    assert (entity["start"], entity["end"], entity["value"]) == (13, 17, "Köln")


def test_models_of_the_previous_format_are_refused(tmp_path) -> None:
    import json

    from engine.errors import ModelLoadError

    components = fitted(CITIES)
    components[-1].persist(tmp_path)
    meta = json.loads((tmp_path / "component.json").read_text())
    meta["format_version"] = 1
    (tmp_path / "component.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="retrain"):
        CRFEntityExtractor.load(tmp_path)


def test_bad_scheme_and_algorithm_are_data_errors() -> None:
    with pytest.raises(DataError, match="tag_scheme"):
        CRFEntityExtractor({"tag_scheme": "BILUO"}).validate_config()
    with pytest.raises(DataError, match="algorithm"):
        CRFEntityExtractor({"algorithm": "sgd"}).validate_config()
