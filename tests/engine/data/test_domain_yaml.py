"""Domain files: 2.x and 3.x formats, directories, merging, shape errors."""
from __future__ import annotations

import logging

import pytest

from engine.data.domain_yaml import is_domain_doc, read_domain_path
from engine.errors import DataError

DOMAIN_2X = """
version: '2.0'
config:
  store_entities_as_slots: true
intents:
- greet
- inform:
    use_entities: [city]
entities:
- city
slots:
  city:
    type: text
    auto_fill: false
forms:
  booking_form:
    required_slots:
      city:
      - type: from_entity
        entity: city
responses:
  utter_greet:
  - text: Hi!
"""


def test_2x_domain_is_kept_as_written(write):
    domain, files = read_domain_path(write("domain.yml", DOMAIN_2X))
    assert domain["version"] == "2.0"
    assert domain["slots"]["city"] == {"type": "text", "auto_fill": False}
    assert domain["forms"]["booking_form"]["required_slots"] == {"city": [{"type": "from_entity", "entity": "city"}]}
    assert domain["intents"] == ["greet", {"inform": {"use_entities": ["city"]}}]
    assert domain["config"] == {"store_entities_as_slots": True}
    assert len(files) == 1


def test_domain_directory_is_merged_and_non_domain_files_ignored(write, tmp_path):
    write("domain/a.yml", """
        version: "3.1"
        intents: [greet, bye]
        responses:
          utter_greet:
          - text: Hi
        session_config:
          session_expiration_time: 60
          carry_over_slots_to_new_session: true
        """)
    write("domain/sub/b.yml", """
        version: "3.1"
        intents: [bye, thank]
        actions: [action_hello]
        responses:
          utter_greet:
          - text: Other
          utter_bye:
          - text: Bye
        session_config:
          session_expiration_time: 10
        """)
    write("domain/notes.yml", "nlu: []\n")
    domain, files = read_domain_path(tmp_path / "domain")
    assert domain["intents"] == ["greet", "bye", "thank"]
    assert domain["actions"] == ["action_hello"]
    assert domain["responses"] == {"utter_greet": [{"text": "Hi"}], "utter_bye": [{"text": "Bye"}]}
    assert domain["session_config"] == {"session_expiration_time": 10}
    assert [f.rsplit("/", 1)[-1] for f in files] == ["a.yml", "b.yml"]


def test_old_templates_key_reads_as_responses(write):
    domain, _ = read_domain_path(write("domain.yml", "intents: [greet]\ntemplates:\n  utter_greet:\n  - text: Hi\n"))
    assert domain["responses"] == {"utter_greet": [{"text": "Hi"}]}


def test_unquoted_version_skips_the_file_like_rasa(write, caplog):
    with caplog.at_level(logging.WARNING):
        domain, files = read_domain_path(write("domain.yml", "version: 3.1\nintents: [greet]\n"))
    assert domain == {} and files == []
    assert "quoted string" in caplog.text


def test_newer_version_skips_the_file(write, caplog):
    with caplog.at_level(logging.WARNING):
        domain, _ = read_domain_path(write("domain.yml", 'version: "4.0"\nintents: [greet]\n'))
    assert domain == {}
    assert "newer" in caplog.text


def test_garbage_version_is_an_error(write):
    with pytest.raises(DataError, match="not a format version"):
        read_domain_path(write("domain.yml", 'version: "three"\nintents: [greet]\n'))


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("intents: greet\n", 1, "'intents' must be a list, found a string"),
        ("intents:\n- greet\n- inform:\n", 3, "nothing after its colon"),
        ("intents:\n- [a, b]\n", 2, "an item of 'intents' must be"),
        ("slots:\n  city: text\n", 2, "slot 'city' must be a mapping"),
        ("slots:\n  city:\n    influence_conversation: true\n", 3, "slot 'city' needs a 'type'"),
        ("responses:\n  utter_a:\n  - Hello\n", 3, "variation of response 'utter_a'"),
        ("actions: {a: 1}\n", 1, "'actions' must be a list"),
        ("session_config: 60\n", 1, "'session_config' must be a mapping"),
        ("intents: [greet]\nentities:\n- city:\n    roles: 3\n  extra: 1\n", 3, "an item of 'entities'"),
    ],
)
def test_wrong_types_are_data_errors_with_lines(write, text, line, fragment):
    path = write("domain.yml", text)
    with pytest.raises(DataError) as info:
        read_domain_path(path)
    assert info.value.file == str(path)
    assert info.value.line == line
    assert fragment in info.value.message


def test_domain_file_detection_uses_rasa_keys():
    assert is_domain_doc({"intents": []})
    assert is_domain_doc({"session_config": {}})
    assert not is_domain_doc({"version": "3.1", "nlu": []})
    assert not is_domain_doc(["intents"])
