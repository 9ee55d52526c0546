"""Moodbot, trained unmodified, answers its own test stories over the REST webhook."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import shared_path
from tests.integration.conftest import train

pytestmark = pytest.mark.integration


def expected_messages(domain: dict, action: str, sender: str) -> list[list[dict]]:
    """Every REST rendering a response can have (one list per variation)."""
    options = []
    for variation in domain["responses"][action]:
        messages = [{"recipient_id": sender, "text": part.strip()}
                    for part in variation.get("text", "").split("\n\n") if part.strip()]
        if variation.get("image"):
            messages.append({"recipient_id": sender, "image": variation["image"]})
        options.append(messages)
    return options


def story_turns(story: dict) -> list[tuple[str, list[str]]]:
    """Split a test story into (user text, expected actions) turns."""
    turns: list[tuple[str, list[str]]] = []
    for step in story["steps"]:
        if "user" in step:
            turns.append((step["user"].strip(), []))
        elif "action" in step:
            turns[-1][1].append(step["action"])
    return turns


def test_moodbot_test_stories_over_rest(tmp_path: Path, run_parley) -> None:
    bot = shared_path("data", "bots", "moodbot")
    archive = train(bot, tmp_path / "models")
    server = run_parley("-m", str(archive), "--enable-api")
    domain = yaml.safe_load((bot / "domain.yml").read_text())
    stories = yaml.safe_load((bot / "tests" / "test_stories.yml").read_text())["stories"]
    assert len(stories) >= 5
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        for number, story in enumerate(stories):
            sender = f"moodbot-{number}"
            for text, actions in story_turns(story):
                reply = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
                assert reply.status_code == 200, reply.text
                got = reply.json()
                expected: list[dict] = []
                for action in actions:
                    choices = expected_messages(domain, action, sender)
                    match = next((c for c in choices if got[len(expected):len(expected) + len(c)] == c), choices[0])
                    expected.extend(match)
                assert got == expected, f"{story['story']}: after {text!r} expected {actions}"
            tracker = client.get(f"/conversations/{sender}/tracker").json()
            assert tracker["sender_id"] == sender
            user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
            assert user_texts == [t for t, _ in story_turns(story)]
