"""Training a project into an archive, reuse of unchanged models, loading it back."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.data.loader import load_project
from engine.errors import TrainingError
from engine.models.loader import load_model, read_metadata
from engine.training.trainer import train_project
from tests.conftest import BOTS, FIXTURES, REPO, shared_path

TINYBOT = FIXTURES / "bots" / "tinybot"


def tinybot_project(root: Path = TINYBOT):
    return load_project(root / "config.yml", root / "domain.yml", [root / "data"])


def test_trained_archive_loads_and_serves(tmp_path: Path) -> None:
    lines: list[str] = []
    result = train_project(tinybot_project(), tmp_path, progress=lines.append)
    assert not result.skipped and result.path.parent == tmp_path
    assert any("NLU pipeline trained" in line for line in lines)
    meta = read_metadata(result.path)
    assert meta is not None and meta.training_type == "both" and len(meta.model_id) == 32
    assert set(meta.fingerprint) >= {"config", "domain", "nlu", "stories"}
    model = load_model(result.path)
    assert model.parse("hello")["intent"]["name"] == "greet"
    assert model.policies is not None and model.nlu is not None


def test_unchanged_project_is_not_retrained_unless_forced(tmp_path: Path) -> None:
    first = train_project(tinybot_project(), tmp_path)
    again = train_project(tinybot_project(), tmp_path)
    assert again.skipped and again.path == first.path
    forced = train_project(tinybot_project(), tmp_path, force=True)
    assert not forced.skipped and forced.path != first.path


def test_a_changed_file_retrains(tmp_path: Path) -> None:
    project_dir = tmp_path / "bot"
    shutil.copytree(TINYBOT, project_dir)
    first = train_project(tinybot_project(project_dir), tmp_path / "models")
    nlu = project_dir / "data" / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("      - hello\n", "      - hello\n      - hiya\n", 1))
    second = train_project(tinybot_project(project_dir), tmp_path / "models")
    assert not second.skipped and second.path != first.path


def test_partial_training_types_and_fixed_name(tmp_path: Path) -> None:
    nlu = train_project(tinybot_project(), tmp_path, training_type="nlu")
    core = train_project(tinybot_project(), tmp_path, training_type="core", fixed_model_name="dialogue")
    assert nlu.path.name.startswith("nlu-")
    assert core.path.name == "dialogue.tar.gz"
    assert load_model(nlu.path).policies is None
    core_model = load_model(core.path)
    assert core_model.nlu is None
    assert core_model.parse("/greet")["intent"] == {"name": "greet", "confidence": 1.0}


def test_no_training_data_is_a_clear_error(tmp_path: Path) -> None:
    project = tinybot_project()
    project.nlu.examples.clear()
    project.stories.clear()
    project.rules.clear()
    with pytest.raises(TrainingError, match="No training data"):
        train_project(project, tmp_path)


@pytest.mark.parametrize("name", sorted(p.name for p in BOTS.iterdir() if p.is_dir()) if BOTS.is_dir() else ["moodbot"])
def test_every_reference_bot_trains_and_logs_its_mappings(name: str, tmp_path: Path) -> None:
    bot = shared_path("data", "bots", name)
    lines: list[str] = []
    result = train_project(load_project(bot / "config.yml", bot / "domain.yml", [bot / "data"]), tmp_path,
                           progress=lines.append)
    meta = read_metadata(result.path)
    assert meta is not None
    for rasa_name, ours in meta.mappings:
        assert any(rasa_name in line and "->" in line for line in lines), (rasa_name, ours)
    model = load_model(result.path)
    assert model.parse("hello")["text"] == "hello"


def test_cli_reports_a_malformed_file_with_file_and_line(tmp_path: Path) -> None:
    project = tmp_path / "bot"
    shutil.copytree(TINYBOT, project)
    (project / "domain.yml").write_text('version: "3.1"\nintents:\n  - greet\n responses: [\n')
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli.main", "train", "--config", str(project / "config.yml"),
         "--domain", str(project / "domain.yml"), "--data", str(project / "data"), "--out", str(tmp_path / "m")],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{project / 'domain.yml'}:" in result.stderr
    assert "error:" in result.stderr
