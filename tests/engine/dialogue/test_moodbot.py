"""Train on the real moodbot and replay its test stories (intents given)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.conversation.domain import Domain
from engine.conversation.events import ActionExecuted, UserUttered
from engine.conversation.tracker import DialogueStateTracker
from engine.data.types import Story
from engine.dialogue.ensemble import PolicyEnsemble
from engine.processor import MessageProcessor
from tests.engine.dialogue.helpers import stories_from_yaml

MOODBOT = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "bots" / "moodbot"


def _read(relative: str) -> str:
    path = MOODBOT / relative
    if not path.exists():
        pytest.skip(f"shared moodbot data not available ({path})")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def moodbot() -> tuple[Domain, PolicyEnsemble]:
    domain = Domain.from_dict(yaml.safe_load(_read("domain.yml")))
    stories = stories_from_yaml(_read("data/stories.yml"))
    rules = stories_from_yaml(_read("data/rules.yml"), "rules")
    config = yaml.safe_load(_read("config.yml")) or {}
    return domain, PolicyEnsemble.from_config(config.get("policies")).fit(stories, rules, domain)


def _turns(story: Story) -> list[tuple[dict[str, Any], list[str]]]:
    """Split a test story into (user step, expected actions) pairs."""
    turns: list[tuple[dict[str, Any], list[str]]] = []
    for step in story.steps:
        if step.get("user_turn"):
            turns.append((step, []))
        elif "action" in step:
            turns[-1][1].append(step["action"])
    return turns


def test_moodbot_test_stories_predict_every_action(moodbot: tuple[Domain, PolicyEnsemble]) -> None:
    domain, ensemble = moodbot
    test_stories = stories_from_yaml(_read("tests/test_stories.yml"))
    assert test_stories
    for story in test_stories:
        current: dict[str, Any] = {}

        def parse(text: str, message_id: str | None) -> dict[str, Any]:
            return {"text": text, "intent": {"name": current["intent"], "confidence": 1.0}, "entities": []}

        processor = MessageProcessor(domain, ensemble, parse, "moodbot")
        tracker = DialogueStateTracker(story.name, domain.slots)
        for step, expected in _turns(story):
            current["intent"] = step["intent"]
            before = len(tracker.events)
            messages = processor.handle_message(tracker, step["text"])
            new = tracker.events[before:]
            user_at = next(i for i, e in enumerate(new) if isinstance(e, UserUttered))
            actions = [e.action_name for e in new[user_at:] if isinstance(e, ActionExecuted)]
            assert actions == [*expected, "action_listen"], f"{story.name}: {step['text']!r}"
            assert len(messages) == len(expected)
