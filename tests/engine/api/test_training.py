"""Training payloads (3.x YAML, 2.x JSON) and where the archive goes."""
from __future__ import annotations

import tarfile
from pathlib import Path

import orjson
import pytest
import yaml

from engine.api.training import TRAINING_DATA_HELP, TrainingOptions, project_from_payload, train_payload
from engine.errors import BadRequest
from tests.conftest import FIXTURES

PROJECT = (FIXTURES / "api" / "mini_project.yml").read_bytes()
DOC = yaml.safe_load(PROJECT)
CONFIG_KEYS = ("recipe", "language", "pipeline", "policies")
DOMAIN_KEYS = ("intents", "responses")


def part(*keys: str) -> str:
    return yaml.safe_dump({k: DOC[k] for k in keys}, sort_keys=False)


def legacy_body(**overrides: object) -> bytes:
    body: dict[str, object] = {
        "config": part(*CONFIG_KEYS), "domain": part(*DOMAIN_KEYS),
        "nlu": part("nlu"), "stories": part("stories", "rules"),
    }
    body.update(overrides)
    return orjson.dumps({k: v for k, v in body.items() if v is not None})


def test_a_3x_yaml_document_is_config_domain_and_data() -> None:
    project, options = project_from_payload(PROJECT)
    assert [c["name"] for c in project.config["pipeline"]][0] == "WhitespaceTokenizer"
    assert project.nlu.intents == ["goodbye", "greet"]
    assert len(project.stories) == 1 and len(project.rules) == 1
    assert options == TrainingOptions()


def test_a_2x_json_body_of_yaml_texts_gives_the_same_project() -> None:
    project, options = project_from_payload(legacy_body(force=True, save_to_default_model_directory=False))
    reference, _ = project_from_payload(PROJECT)
    assert project.nlu.intents == reference.nlu.intents
    assert project.domain["responses"] == reference.domain["responses"]
    assert len(project.stories) == len(reference.stories) and len(project.rules) == len(reference.rules)
    assert options.force_training is True and options.save_to_default_model_directory is False


def test_2x_responses_text_joins_the_domain() -> None:
    body = legacy_body(domain=part("intents"), responses=part("responses"))
    project, _ = project_from_payload(body)
    assert set(project.domain["responses"]) == {"utter_greet", "utter_goodbye"}


@pytest.mark.parametrize(("overrides", "details"), [
    ({"config": None}, {"parameter": "config", "in": "body"}),
    ({"nlu": None, "stories": None}, {"parameters": ["nlu", "stories"], "in": "body"}),
    ({"domain": None}, {"parameter": "domain", "in": "body"}),
])
def test_incomplete_2x_bodies_are_400(overrides: dict, details: dict) -> None:
    with pytest.raises(BadRequest) as caught:
        project_from_payload(legacy_body(**overrides))
    assert caught.value.details == details


@pytest.mark.parametrize("markdown", [
    "## intent:greet\n- hi\n- hello\n",
    "## happy path\n* greet\n  - utter_greet\n",
])
def test_markdown_data_is_refused_with_a_conversion_hint(markdown: str) -> None:
    key = "nlu" if "intent:" in markdown else "stories"
    with pytest.raises(BadRequest, match="Markdown") as caught:
        project_from_payload(legacy_body(**{key: markdown}))
    assert caught.value.details == {"parameter": key, "in": "body"}


@pytest.mark.parametrize("payload", [b"this: [is not: valid", b"rules:\nrule my rule", b"- just\n- a list\n"])
def test_invalid_yaml_is_400_with_the_training_data_help(payload: bytes) -> None:
    with pytest.raises(BadRequest) as caught:
        project_from_payload(payload)
    assert caught.value.help == TRAINING_DATA_HELP
    assert caught.value.message.startswith("The request body does not contain valid training data")


@pytest.mark.parametrize("payload", [b"", b"  \n", b"\xff\xfe"])
def test_empty_or_binary_payloads_are_400(payload: bytes) -> None:
    with pytest.raises(BadRequest):
        project_from_payload(payload)


def test_json_format_needs_a_2x_object() -> None:
    with pytest.raises(BadRequest, match="2.x keys"):
        project_from_payload(PROJECT, "json")


def test_training_into_the_models_directory_keeps_the_archive(tmp_path: Path) -> None:
    project, _ = project_from_payload(PROJECT)
    trained = train_payload(project, TrainingOptions(), tmp_path / "models")
    assert trained.path.parent == tmp_path / "models"
    data = b"".join(trained.chunks(size=1000))
    assert data == trained.path.read_bytes()
    with tarfile.open(trained.path) as archive:
        assert "metadata.json" in archive.getnames()
    trained.cleanup()
    assert trained.path.exists()
    again = train_payload(project, TrainingOptions(), tmp_path / "models")
    assert again.path == trained.path  # unchanged project: reused unless forced
    forced = train_payload(project, TrainingOptions(force_training=True), tmp_path / "models")
    assert forced.path != trained.path


def test_training_elsewhere_leaves_nothing_behind(tmp_path: Path) -> None:
    project, _ = project_from_payload(PROJECT)
    trained = train_payload(project, TrainingOptions(save_to_default_model_directory=False), tmp_path / "models")
    assert trained.path.is_file() and not (tmp_path / "models").exists()
    trained.cleanup()
    assert not trained.path.exists()
