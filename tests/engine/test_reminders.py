"""Reminders: scheduling, cancelling, firing through the agent, surviving a restart."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from engine.agent import Agent
from engine.conversation.events import ReminderCancelled, ReminderScheduled, UserUttered
from engine.data.loader import load_project
from engine.models.loader import load_model
from engine.reminders import Reminder, ReminderScheduler, pending_reminders
from engine.stores.lock.memory import InMemoryLockStore
from engine.stores.tracker.memory import InMemoryTrackerStore
from engine.training.trainer import train_project
from tests.conftest import FIXTURES

TINYBOT = FIXTURES / "bots" / "tinybot"
START = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def at(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(START + seconds, tz=datetime.timezone.utc)


def reminder(name: str, seconds: float, intent: str = "greet", **extra: Any) -> ReminderScheduled:
    return ReminderScheduled(intent, at(seconds), name=name, **extra)


def test_scheduler_fires_due_reminders_in_order_and_replaces_by_name() -> None:
    clock, fired = Clock(), []
    scheduler = ReminderScheduler(lambda job: fired.append(job.name), clock)
    scheduler.apply_events("a", [reminder("late", 20), reminder("soon", 5), reminder("x", 10)])
    scheduler.apply_events("a", [reminder("x", 30)])  # same name: rescheduled
    assert scheduler.run_due() == 0
    clock.now += 25
    assert scheduler.run_due() == 2 and fired == ["soon", "late"]
    clock.now += 10
    scheduler.run_due()
    assert fired == ["soon", "late", "x"] and scheduler.pending() == []


def test_cancel_matches_name_intent_entities_or_everything() -> None:
    scheduler = ReminderScheduler(lambda job: None, Clock())
    scheduler.apply_events("a", [
        reminder("r1", 5, "call", entities=[{"entity": "PERSON", "value": "Ann"}]),
        reminder("r2", 5, "call", entities=[{"entity": "PERSON", "value": "Bo"}]),
        reminder("r3", 5, "water"),
    ])
    scheduler.apply_events("b", [reminder("r1", 5)])
    assert scheduler.cancel("a", ReminderCancelled(intent="call", entities={"PERSON": "Bo"})) == 1
    assert scheduler.cancel("a", ReminderCancelled(name="r3")) == 1
    assert [j.name for j in scheduler.pending("a")] == ["r1"]
    assert scheduler.cancel("a", ReminderCancelled()) == 1
    assert [j.conversation_id for j in scheduler.pending()] == ["b"]


def test_pending_reminders_skip_fired_and_cancelled_ones() -> None:
    fired = UserUttered("EXTERNAL: greet", {"intent": {"name": "greet"}}, metadata={"is_external": True},
                        timestamp=START + 6)
    events = [reminder("done", 5), fired, reminder("gone", 50), ReminderCancelled(name="gone"), reminder("open", 60)]
    assert [r.name for r in pending_reminders("a", events)] == ["open"]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = load_project(TINYBOT / "config.yml", TINYBOT / "domain.yml", [TINYBOT / "data"])
    return train_project(project, tmp_path_factory.mktemp("models")).path


def agent_on(store: InMemoryTrackerStore, model_path: Path, clock: Clock, delivered: list) -> Agent:
    return Agent(store, InMemoryLockStore(), model=load_model(model_path), clock=clock,
                 deliver=lambda cid, messages: delivered.append((cid, messages)))


def texts(agent: Agent, conversation_id: str, kind: str) -> list[str]:
    return [e.get("text") for e in agent.get_tracker(conversation_id, "ALL")["events"] if e["event"] == kind]


def test_reminder_fires_as_an_external_message_and_survives_a_restart(model_path: Path) -> None:
    clock, delivered, store = Clock(), [], InMemoryTrackerStore()
    agent = agent_on(store, model_path, clock, delivered)
    agent.handle_message("ann", "hello")
    agent.append_events("ann", [reminder("wake", 30).as_dict()], execute_side_effects=True)
    assert [r.name for r in agent.reminders.pending("ann")] == ["wake"]
    # The engine restarts: a new agent rebuilds pending reminders from the store.
    restarted = agent_on(store, model_path, clock, delivered)
    assert restarted.restore_reminders() == 1
    clock.now += 31
    assert restarted.reminders.run_due() == 1
    assert texts(restarted, "ann", "user")[-1] == "EXTERNAL: greet"
    external = [e for e in restarted.get_tracker("ann", "ALL")["events"] if e["event"] == "user"][-1]
    assert external["metadata"]["is_external"] is True
    assert delivered and delivered[0][0] == "ann" and delivered[0][1]
    # Fired reminders are not rebuilt again.
    assert agent_on(store, model_path, clock, delivered).restore_reminders() == 0


def test_user_message_kills_a_reminder_unless_told_otherwise(model_path: Path) -> None:
    clock, delivered, store = Clock(), [], InMemoryTrackerStore()
    agent = agent_on(store, model_path, clock, delivered)
    agent.handle_message("bo", "hello")
    agent.schedule_side_effects("bo", [reminder("killed", 10).as_dict(),
                                       reminder("kept", 10, kill_on_user_message=False)])
    for event in [reminder("killed", 10), reminder("kept", 10, kill_on_user_message=False)]:
        agent.append_events("bo", [event.as_dict()])
    agent.handle_message("bo", "bye")
    clock.now += 11
    assert agent.reminders.run_due() == 2
    assert texts(agent, "bo", "user").count("EXTERNAL: greet") == 1
    assert len(delivered) == 1
