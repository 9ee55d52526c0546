"""YAML reading: clear errors with file and line, safe loading, YAML 1.2 scalars."""
from __future__ import annotations

import pytest
import yaml

from engine.data.yaml_io import line_of, read_yaml_file, read_yaml_text, to_plain
from engine.data.yaml_loader import MarkedLoader, PyMarkedLoader, load_marked
from engine.errors import DataError


def _billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghijk"[:levels - 1]:
        refs = ",".join([f"*{previous}"] * 9)
        lines.append(f"{name}: &{name} [{refs}]")
        previous = name
    return "\n".join(lines) + "\n"


def test_malformed_file_names_file_and_line(write):
    path = write("data/nlu.yml", """
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - hi
          broken: [unclosed
        """)
    with pytest.raises(DataError) as info:
        read_yaml_file(path)
    err = info.value
    assert err.file == str(path)
    assert err.line == 7
    assert str(path) in err.message and ":7:" in err.message


def test_tab_indentation_is_reported_on_its_line():
    with pytest.raises(DataError) as info:
        read_yaml_text("intents:\n\t- greet\n", file="domain.yml")
    assert info.value.line == 2
    assert info.value.file == "domain.yml"


def test_duplicate_keys_are_refused_with_the_second_line():
    with pytest.raises(DataError) as info:
        read_yaml_text("responses:\n  utter_a: []\nresponses:\n  utter_b: []\n", file="domain.yml")
    assert info.value.line == 3
    assert "duplicate key 'responses'" in info.value.message


def test_alias_bomb_is_refused():
    with pytest.raises(DataError) as info:
        read_yaml_text(_billion_laughs(), file="bomb.yml")
    assert "expands to more than" in info.value.message


def test_recursive_alias_is_refused():
    with pytest.raises(DataError, match="recursive alias"):
        read_yaml_text("a: &a [*a]\n", file="loop.yml")


def test_a_few_aliases_are_fine():
    data = read_yaml_text("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\nthird: *b\n")
    assert to_plain(data) == {"base": {"x": 1}, "other": {"x": 1, "y": 2}, "third": {"x": 1}}


def test_unsafe_tags_are_refused():
    with pytest.raises(DataError) as info:
        read_yaml_text("a: !!python/object/apply:os.system ['echo hi']\n", file="evil.yml")
    assert info.value.line == 1


def test_several_documents_are_refused():
    with pytest.raises(DataError) as info:
        read_yaml_text("a: 1\n---\nb: 2\n", file="two.yml")
    assert info.value.line == 2


def test_very_deep_nesting_is_refused():
    with pytest.raises(DataError, match="nested deeper"):
        read_yaml_text("a: " + "[" * 300 + "]" * 300 + "\n")


def test_scalars_follow_yaml_1_2_as_rasa_reads_them():
    data = read_yaml_text("v: [yes, No, on, off, true, False, 010, 0o10, 0x10, 1e3, 1:20, ~, '3.1']\n")
    assert data["v"] == ["yes", "No", "on", "off", True, False, 10, 8, 16, 1000.0, "1:20", None, "3.1"]


def test_empty_file_is_an_empty_mapping(write):
    assert read_yaml_file(write("empty.yml", "# only a comment\n")) == {}


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_yaml_file(tmp_path / "nope.yml")


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes("a: 1\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError) as info:
        read_yaml_file(path)
    assert info.value.line == 2
    assert "UTF-8" in info.value.message


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yml"
    path.write_bytes("\ufeffintents:\n- grüß\n".encode("utf-8"))
    assert read_yaml_file(path) == {"intents": ["grüß"]}


def test_loaded_values_remember_their_lines():
    data = read_yaml_text("a: 1\nitems:\n  - x\n  - {k: v}\n")
    assert line_of(data, "items") == 3
    assert line_of(data["items"], 0) == 3
    assert line_of(data["items"], 1) == 4
    assert line_of(data, "a") == 1


def test_to_plain_returns_plain_json_friendly_values():
    data = to_plain(read_yaml_text("d: 2021-05-01\nm: {a: [1, 2]}\n"))
    assert data == {"d": "2021-05-01", "m": {"a": [1, 2]}}
    assert type(data) is dict and type(data["m"]["a"]) is list


@pytest.mark.parametrize("loader", [PyMarkedLoader, MarkedLoader], ids=["python", "default"])
def test_python_and_libyaml_loaders_agree(loader):
    data = load_marked("a: [yes, 010, ~]\nb:\n  - {k: v}\n", loader)
    assert data == {"a": ["yes", 10, None], "b": [{"k": "v"}]}
    assert line_of(data["b"], 0) == 3
    with pytest.raises(yaml.MarkedYAMLError, match="duplicate key"):
        load_marked("a: 1\na: 2\n", loader)
    with pytest.raises(yaml.MarkedYAMLError, match="expands to more than"):
        load_marked(_billion_laughs(), loader)
