"""NLU training data YAML: intents, examples, synonyms, regexes, lookups, responses."""
from __future__ import annotations

import logging
import textwrap

import pytest

from engine.data.nlu_yaml import merge_nlu, read_nlu_doc
from engine.data.types import NluData
from engine.data.yaml_io import read_yaml_text
from engine.errors import DataError


def _nlu(text: str) -> NluData:
    return read_nlu_doc(read_yaml_text(textwrap.dedent(text), file="nlu.yml"), file="nlu.yml")


def test_block_examples_with_entities():
    data = _nlu("""
        nlu:
        - intent: ask_weather
          examples: |
            - weather in [Berlin](city)
            - will it rain
        """)
    assert [(e.text, e.intent) for e in data.examples] == [
        ("weather in Berlin", "ask_weather"),
        ("will it rain", "ask_weather"),
    ]
    assert data.examples[0].entities == [{"start": 11, "end": 17, "value": "Berlin", "entity": "city"}]
    assert data.intents == ["ask_weather"]
    assert data.entity_types == ["city"]


def test_list_examples_with_metadata_merged_over_intent_metadata():
    data = _nlu("""
        nlu:
        - intent: greet
          metadata: {sentiment: neutral, source: a}
          examples:
          - text: hi
            metadata: {source: b}
          - text: hello
        """)
    assert [(e.text, e.metadata) for e in data.examples] == [
        ("hi", {"sentiment": "neutral", "source": "b"}),
        ("hello", {"sentiment": "neutral", "source": "a"}),
    ]


def test_retrieval_intent_keeps_full_name():
    data = _nlu("""
        nlu:
        - intent: faq/opening_hours
          examples: |
            - when do you open?
        """)
    assert data.examples[0].intent == "faq/opening_hours"


def test_lines_without_dash_are_skipped_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        data = _nlu("""
            nlu:
            - intent: greet
              examples: |
                - hi
                hello
                - hey
            """)
    assert [e.text for e in data.examples] == ["hi", "hey"]
    assert "nlu.yml:6" in caplog.text


def test_synonyms_from_blocks_and_annotations():
    data = _nlu("""
        nlu:
        - intent: inform
          examples: |
            - [NYC](city:New York)
            - [two]{"entity": "number", "value": "2"}
            - [Berlin](city)
        - synonym: Los Angeles
          examples: |
            - LA
            - City of Angels
        """)
    assert data.synonyms["nyc"] == "New York"
    assert data.synonyms["two"] == "2"
    assert data.synonyms["la"] == "Los Angeles"
    assert data.synonyms["city of angels"] == "Los Angeles"
    # Canonical values map to themselves; an unchanged annotation is no synonym.
    assert data.synonyms["new york"] == "New York"
    assert data.synonyms["los angeles"] == "Los Angeles"
    assert "berlin" not in data.synonyms


def test_regex_and_lookup_tables():
    data = _nlu(r"""
        nlu:
        - regex: zipcode
          examples: |
            - \d{5}
            - [A-Z]{2}\d{3}
        - lookup: city
          examples: |
            - Berlin
            - Rome
        """)
    assert data.regexes == [{"name": "zipcode", "pattern": r"\d{5}"}, {"name": "zipcode", "pattern": r"[A-Z]{2}\d{3}"}]
    assert data.lookups == [{"name": "city", "elements": ["Berlin", "Rome"]}]


def test_invalid_regex_names_the_line():
    with pytest.raises(DataError) as info:
        _nlu("""
            nlu:
            - regex: broken
              examples: |
                - ok
                - (unclosed
            """)
    assert info.value.line == 6
    assert "broken" in info.value.message


def test_responses_in_nlu_files_are_kept():
    data = _nlu("""
        responses:
          utter_faq/opening_hours:
          - text: We open at 9.
        """)
    assert data.responses == {"utter_faq/opening_hours": [{"text": "We open at 9."}]}


def test_bad_annotation_names_file_and_line():
    with pytest.raises(DataError) as info:
        _nlu("""
            nlu:
            - intent: inform
              examples: |
                - fine
                - [Berlin]{"entity": city}
            """)
    assert (info.value.file, info.value.line) == ("nlu.yml", 6)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("nlu: greet\n", 1, "'nlu' must be a list"),
        ("nlu:\n- greet\n", 2, "'nlu' item must be a mapping"),
        ("nlu:\n- intent:\n  examples: |\n    - hi\n", 2, "'intent' needs a name"),
        ("nlu:\n- intent: greet\n  examples: 3\n", 3, "'examples' must be a string or a list"),
        ("nlu:\n- intent: greet\n  examples:\n  - [1, 2]\n", 4, "an example must be a string"),
        ("responses:\n  utter_a: hello\n", 2, "response 'utter_a' must be a list"),
    ],
)
def test_wrong_types_are_data_errors_with_lines(text, line, fragment):
    with pytest.raises(DataError) as info:
        _nlu(text)
    assert info.value.line == line
    assert fragment in info.value.message


def test_merge_keeps_examples_and_merges_tables():
    first = _nlu("""
        nlu:
        - intent: greet
          examples: |
            - hi
        - lookup: city
          examples: |
            - Berlin
        """)
    second = _nlu("""
        nlu:
        - intent: bye
          examples: |
            - bye
        - lookup: city
          examples: |
            - Berlin
            - Rome
        """)
    merge_nlu(first, second)
    assert [e.text for e in first.examples] == ["hi", "bye"]
    assert first.lookups == [{"name": "city", "elements": ["Berlin", "Rome"]}]
