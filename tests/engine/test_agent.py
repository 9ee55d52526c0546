"""The agent: model gates, unit of work per turn, event publishing."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.agent import Agent
from engine.data.loader import load_project
from engine.errors import BadRequest, Conflict, NoModelLoaded
from engine.models.loader import load_model
from engine.stores.brokers.base import EventBroker
from engine.stores.lock.memory import InMemoryLockStore
from engine.stores.tracker.memory import InMemoryTrackerStore
from engine.training.trainer import train_project
from tests.conftest import FIXTURES

TINYBOT = FIXTURES / "bots" / "tinybot"


class ListBroker(EventBroker):
    name = "list"

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.events.append(event)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("models")
    project = load_project(TINYBOT / "config.yml", TINYBOT / "domain.yml", [TINYBOT / "data"])
    return {
        "both": train_project(project, out).path,
        "nlu": train_project(project, out, training_type="nlu").path,
    }


def new_agent(model_path: Path | None = None, broker: EventBroker | None = None) -> Agent:
    model = load_model(model_path) if model_path else None
    return Agent(InMemoryTrackerStore(), InMemoryLockStore(), event_broker=broker, model=model)


def test_without_a_model_every_call_is_a_conflict() -> None:
    agent = new_agent()
    for call in (agent.status, lambda: agent.parse("hi"), lambda: agent.get_tracker("a"),
                 lambda: agent.handle_message("a", "hi")):
        with pytest.raises(NoModelLoaded):
            call()


def test_nlu_only_model_parses_but_does_not_converse(archives: dict[str, Path]) -> None:
    agent = new_agent(archives["nlu"])
    assert agent.parse("hello")["intent"]["name"] == "greet"
    with pytest.raises(Conflict, match="NLU-only"):
        agent.handle_message("a", "hello")


def test_a_turn_stores_and_publishes_its_events_in_order(archives: dict[str, Path]) -> None:
    broker = ListBroker()
    agent = new_agent(archives["both"], broker)
    messages = agent.handle_message("conv/1", "hello")
    assert messages and messages[0]["text"]
    stored = agent.tracker_store.retrieve("conv/1")
    assert stored is not None
    assert [e["event"] for e in stored][:3] == ["action", "session_started", "action"]
    assert broker.events == [{"sender_id": "conv/1", **event} for event in stored]
    model_id = agent.model.model_id  # type: ignore[union-attr]
    assert all(e["metadata"]["model_id"] == model_id for e in stored)


def test_unknown_conversation_tracker_is_shown_but_not_stored(archives: dict[str, Path]) -> None:
    agent = new_agent(archives["both"])
    tracker = agent.get_tracker("nobody")
    assert [e.get("name", e["event"]) for e in tracker["events"]] == [
        "action_session_start", "session_started", "action_listen"]
    assert agent.tracker_store.retrieve("nobody") is None
    assert agent.get_tracker("nobody", "NONE")["events"] is None
    with pytest.raises(BadRequest):
        agent.get_tracker("nobody", "SOME")


def test_model_swap_is_seen_by_the_next_call(archives: dict[str, Path]) -> None:
    agent = new_agent(archives["nlu"])
    first = agent.status()["model_id"]
    agent.set_model(load_model(archives["both"]))
    assert agent.status()["model_id"] != first
    agent.unload()
    with pytest.raises(NoModelLoaded):
        agent.status()


def test_a_conversation_rewritten_between_turns_is_read_again(archives: dict[str, Path]) -> None:
    agent = new_agent(archives["both"])
    assert agent.handle_message("c", "hello")
    stored = agent.tracker_store.retrieve("c") or []
    # Another writer (e.g. PUT .../tracker/events) pauses the conversation.
    agent.tracker_store.replace("c", stored + [{"event": "pause"}])
    assert agent.handle_message("c", "hello") == []


def test_long_conversation_turns_store_the_same_events_as_fresh_reads(archives: dict[str, Path]) -> None:
    model = load_model(archives["both"])
    kept, fresh = (Agent(InMemoryTrackerStore(), InMemoryLockStore(), model=model) for _ in range(2))
    fresh._live.capacity = 0  # every turn reads the store
    texts = ["hello", "what is the weather", "in Paris", "thanks", "bye"] * 4
    for number, text in enumerate(texts):
        ids = {"message_id": f"m{number}"}
        assert kept.handle_message("c", text, **ids) == fresh.handle_message("c", text, **ids)

    def without_time(events: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        return [{k: v for k, v in e.items() if k != "timestamp"} for e in events or []]

    assert without_time(kept.tracker_store.retrieve("c")) == without_time(fresh.tracker_store.retrieve("c"))
