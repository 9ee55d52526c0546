"""Every real Rasa bot under ../shared/data/bots loads (skipped when absent)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.data.fingerprint import project_fingerprint
from engine.data.loader import load_project

BOTS = (Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "bots").resolve()
BOT_NAMES = sorted(p.name for p in BOTS.iterdir() if p.is_dir()) if BOTS.is_dir() else []

pytestmark = pytest.mark.shared


def _bot(name: str) -> Path:
    path = BOTS / name
    if not path.is_dir():
        pytest.skip(f"reference bot not available: {path} (../shared lies beside the repo)")
    return path


def _data_and_tests(bot: Path) -> list[str]:
    return ["data", "tests"] if (bot / "tests").is_dir() else ["data"]


@pytest.mark.parametrize("name", BOT_NAMES or ["moodbot"])
def test_bot_loads(name: str):
    bot = _bot(name)
    project = load_project(root=bot, data=_data_and_tests(bot))
    assert project.domain.get("intents"), "every bot declares intents"
    assert project.nlu.examples
    assert project.stories or project.rules
    for story in [*project.stories, *project.rules, *project.test_stories]:
        assert story.source and story.line and story.steps
    assert set(project_fingerprint(project)) == {"config", "domain", "nlu", "stories"}


def test_moodbot_counts():
    bot = _bot("moodbot")
    project = load_project(root=bot, data=["data", "tests"])
    assert len(project.domain["intents"]) == 7
    assert project.nlu.intents == sorted(
        ["greet", "goodbye", "affirm", "deny", "mood_great", "mood_unhappy", "bot_challenge"]
    )
    assert len(project.nlu.examples) == 68
    assert [s.name for s in project.stories] == ["happy path", "sad path 1", "sad path 2"]
    assert len(project.rules) == 2
    assert len(project.test_stories) == 7
    # The config leaves pipeline and policies to the defaults.
    assert project.config["pipeline"] is None and project.config["policies"] is None
    assert project.config["assistant_id"] == "placeholder_default"
    first_test_turn = project.test_stories[0].steps[0]
    assert first_test_turn == {"user_turn": True, "intent": "greet", "text": "hello there!", "entities": []}


def test_sara_2x_format_is_kept():
    bot = _bot("sara")
    project = load_project(root=bot)
    assert project.domain["version"] == "2.0"
    form = project.domain["forms"]["sales_form"]["required_slots"]
    assert isinstance(form, dict) and form["budget"][0]["type"] == "from_entity"
    # Retrieval responses from the NLU folder are merged into the domain.
    assert any(name.startswith("utter_faq/") for name in project.domain["responses"])
    assert any(e.intent.startswith("faq/") for e in project.nlu.examples)
    assert project.test_stories == []


def test_helpdesk_yes_button_stays_a_string():
    # YAML 1.2 as in Rasa: an unquoted Yes is text, not a boolean.
    project = load_project(root=_bot("helpdesk-assistant"))
    titles = [b["title"] for v in project.domain["responses"]["utter_ask_confirm"] for b in v.get("buttons", [])]
    assert "Yes" in titles
