"""load_project: finding config, domain and data like ``rasa train`` does."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from engine.data import load_project as lazily_exported
from engine.data.loader import load_project
from engine.errors import DataError


def test_tinybot_loads_with_defaults(tinybot: Path):
    project = load_project(root=tinybot)
    assert project.config["language"] == "en"
    assert project.config["assistant_id"] == "tinybot"
    assert project.domain["version"] == "3.1"
    assert "utter_weather" in project.domain["responses"]
    assert project.nlu.intents == ["ask_weather", "bot_challenge", "goodbye", "greet", "inform", "thank"]
    assert project.nlu.synonyms["nyc"] == "New York"
    assert project.nlu.regexes == [{"name": "city", "pattern": r"\b[A-Z][a-z]+ville\b"}]
    assert [s.name for s in project.stories] == ["weather with a city", "weather without a city"]
    assert len(project.rules) == 2
    # The project's tests/ folder is not training data unless passed.
    assert project.test_stories == []
    names = [Path(f).relative_to(tinybot).as_posix() for f in project.files]
    assert names == ["config.yml", "domain.yml", "data/nlu.yml", "data/rules.yml", "data/stories.yml"]


def test_tests_folder_passed_as_data_gives_test_stories(tinybot: Path):
    project = load_project(root=tinybot, data=["data", "tests"])
    assert [s.kind for s in project.test_stories] == ["test"] * 3
    assert project.test_stories[0].steps[2]["text"] == "what's the weather in Berlin"
    assert len(project.stories) == 2


def test_test_prefixed_file_among_data_is_a_test_file(tinybot: Path):
    (tinybot / "tests" / "test_stories.yml").rename(tinybot / "data" / "test_weather.yml")
    project = load_project(root=tinybot)
    assert len(project.test_stories) == 3
    assert len(project.stories) == 2


def test_explicit_paths_and_absolute_paths(tinybot: Path):
    project = load_project(tinybot / "config.yml", tinybot / "domain.yml", [tinybot / "data" / "nlu.yml"])
    assert project.stories == [] and project.rules == []
    assert len(project.nlu.examples) == 37
    assert lazily_exported is load_project


def test_domain_directory_is_found_when_there_is_no_domain_yml(tinybot: Path):
    (tinybot / "domain").mkdir()
    (tinybot / "domain.yml").rename(tinybot / "domain" / "main.yml")
    (tinybot / "domain" / "extra.yml").write_text("intents:\n- weather_alert\n", encoding="utf-8")
    project = load_project(root=tinybot)
    # Files are read in sorted order: extra.yml, then main.yml.
    assert project.domain["intents"][:2] == ["weather_alert", "greet"]
    assert len(project.files) == 6


def test_responses_in_data_files_are_merged_into_the_domain(tinybot: Path):
    (tinybot / "data" / "faq.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: faq/hours\n  examples: |\n    - when do you open\n'
        "responses:\n  utter_faq/hours:\n  - text: At nine.\n",
        encoding="utf-8",
    )
    project = load_project(root=tinybot)
    assert project.domain["responses"]["utter_faq/hours"] == [{"text": "At nine."}]
    assert project.nlu.responses == {"utter_faq/hours": [{"text": "At nine."}]}
    assert "faq/hours" in project.nlu.intents


def test_domain_files_inside_data_are_not_training_data(tinybot: Path):
    project = load_project(root=tinybot, data=["."])
    # domain.yml and config.yml were walked but hold no training data.
    assert project.nlu.responses == {}
    assert len(project.test_stories) == 3  # ./tests is inside the passed path


def test_missing_explicit_paths_are_errors(tinybot: Path):
    with pytest.raises(DataError, match="config file not found"):
        load_project("nope.yml", root=tinybot)
    with pytest.raises(DataError, match="domain file or directory not found"):
        load_project(domain="other_domain.yml", root=tinybot)
    with pytest.raises(DataError, match="training data path not found"):
        load_project(data=["data", "more_data"], root=tinybot)


def test_missing_default_domain_and_data_give_an_empty_project(tmp_path: Path, caplog):
    (tmp_path / "config.yml").write_text("language: en\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        project = load_project(root=tmp_path)
    assert project.domain == {}
    assert project.nlu.examples == [] and project.stories == []
    assert "no domain found" in caplog.text


def test_bad_file_in_data_names_the_file_and_line(tinybot: Path):
    bad = tinybot / "data" / "broken.yml"
    bad.write_text("stories:\n- story: x\n  steps:\n  - intent: greet\n   - action: oops\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_project(root=tinybot)
    assert info.value.file == str(bad)
    assert info.value.line == 5


def test_wrong_type_in_data_file_names_the_file_and_line(tinybot: Path):
    bad = tinybot / "data" / "rules.yml"
    bad.write_text("rules:\n- rule: r\n  steps:\n  - goodbye\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_project(root=tinybot)
    assert (info.value.file, info.value.line) == (str(bad), 4)


def test_hidden_and_non_yaml_files_are_ignored(tinybot: Path):
    (tinybot / "data" / ".draft.yml").write_text("nlu: [oops", encoding="utf-8")
    (tinybot / "data" / "notes.md").write_text("## intent:greet\n- hi\n", encoding="utf-8")
    project = load_project(root=tinybot)
    assert len(project.nlu.examples) == 37
