"""config.yml: language, pipeline, policies, recipe, assistant_id."""
from __future__ import annotations

import pytest

from engine.data.config_yaml import read_config_file
from engine.errors import DataError


def test_full_config_keeps_component_dicts(write):
    config = read_config_file(write("config.yml", """
        recipe: default.v1
        assistant_id: my_bot
        language: de
        pipeline:
        - name: WhitespaceTokenizer
        - name: DIETClassifier
          epochs: 10
        policies:
        - name: RulePolicy
        """))
    assert config["language"] == "de"
    assert config["recipe"] == "default.v1"
    assert config["assistant_id"] == "my_bot"
    assert config["pipeline"] == [{"name": "WhitespaceTokenizer"}, {"name": "DIETClassifier", "epochs": 10}]
    assert config["policies"] == [{"name": "RulePolicy"}]
    assert config["importers"] is None


@pytest.mark.parametrize("body", ["pipeline:\npolicies:\n", "pipeline: []\n", "language: en\n", ""])
def test_missing_or_empty_pipeline_and_policies_stay_none(write, body):
    config = read_config_file(write("config.yml", body))
    assert config["pipeline"] is None
    assert config["policies"] is None


def test_unknown_keys_are_kept(write):
    config = read_config_file(write("config.yml", "language: en\ncustom_key: 5\n"))
    assert config["custom_key"] == 5


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("pipeline: supervised_embeddings\n", 1, "named templates"),
        ("pipeline:\n- WhitespaceTokenizer\n", 2, "an item of 'pipeline' must be a mapping"),
        ("policies:\n- max_history: 5\n", 2, "needs a 'name'"),
        ("language: [en]\n", 1, "'language' must be a string"),
        ("- name: x\n", 1, "the config must be a mapping"),
    ],
)
def test_wrong_shapes_are_data_errors(write, text, line, fragment):
    path = write("config.yml", text)
    with pytest.raises(DataError) as info:
        read_config_file(path)
    assert info.value.file == str(path)
    assert info.value.line == line
    assert fragment in info.value.message
