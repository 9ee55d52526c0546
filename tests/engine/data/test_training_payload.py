"""One YAML document with config, domain and data (``POST /model/train``)."""
from __future__ import annotations

import pytest

from engine.data.training_payload import PAYLOAD_NAME, load_project_from_yaml
from engine.errors import DataError

PAYLOAD = """
version: "3.1"
recipe: default.v1
language: en
pipeline:
- name: WhitespaceTokenizer
policies:
- name: RulePolicy
intents:
- greet
- faq
responses:
  utter_greet:
  - text: Hi!
  utter_faq/hours:
  - text: At nine.
session_config:
  session_expiration_time: 30
nlu:
- intent: greet
  examples: |
    - hi
    - hello [Ana](name)
- intent: faq/hours
  examples: |
    - when do you open
stories:
- story: greet
  steps:
  - intent: greet
  - action: utter_greet
rules:
- rule: faq
  steps:
  - intent: faq
  - action: utter_faq
"""


def test_single_document_payload_loads():
    project = load_project_from_yaml(PAYLOAD)
    assert project.config["language"] == "en"
    assert project.config["pipeline"] == [{"name": "WhitespaceTokenizer"}]
    assert "intents" not in project.config and "nlu" not in project.config
    assert project.domain["intents"] == ["greet", "faq"]
    assert project.domain["session_config"] == {"session_expiration_time": 30}
    assert "nlu" not in project.domain and "pipeline" not in project.domain
    assert [e.text for e in project.nlu.examples] == ["hi", "hello Ana", "when do you open"]
    assert project.nlu.responses["utter_faq/hours"] == [{"text": "At nine."}]
    assert [s.name for s in project.stories] == ["greet"]
    assert [r.name for r in project.rules] == ["faq"]
    assert project.files == []


def test_bytes_payload_is_accepted():
    assert load_project_from_yaml(PAYLOAD.encode("utf-8")).domain["intents"] == ["greet", "faq"]


def test_payload_without_pipeline_leaves_defaults_to_training():
    project = load_project_from_yaml("nlu:\n- intent: greet\n  examples: |\n    - hi\n")
    assert project.config["pipeline"] is None and project.config["policies"] is None
    assert project.domain == {}


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("", None, "empty"),
        ("nlu: [\n", 2, "invalid YAML"),
        ("- just a list\n", 1, "must be a mapping"),
        ("language: en\nintents: greet\n", 2, "'intents' must be a list"),
        ("stories:\n- story: s\n  steps:\n  - 5\n", 4, "story step must be a mapping"),
        ("pipeline: 3\n", 1, "'pipeline' must be a list"),
    ],
)
def test_bad_payloads_are_data_errors(body, line, fragment):
    with pytest.raises(DataError) as info:
        load_project_from_yaml(body)
    assert info.value.file == PAYLOAD_NAME
    assert info.value.line == line
    assert fragment in info.value.message


def test_alias_bomb_payload_is_refused():
    refs = ",".join(["*a"] * 9)
    body = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for name in "bcdefghi":
        body += f"{name}: &{name} [{refs}]\n"
        refs = ",".join([f"*{name}"] * 9)
    with pytest.raises(DataError, match="expands"):
        load_project_from_yaml(body)
