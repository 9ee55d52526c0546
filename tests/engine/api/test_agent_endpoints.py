"""The agent's HTTP API calls: the unit of work, gates, session rules, stamping."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.api.event_validation import decode_events
from engine.errors import BadRequest, Conflict, NoModelLoaded, NotFound
from tests.engine.api.conftest import Clock, make_agent

SESSION_START = ["action_session_start", "session_started", "action_listen"]


def names(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("name") or e["event"] for e in events]


@pytest.fixture
def agent(tinybot_archives: dict[str, Path], tmp_path: Path) -> Any:
    return make_agent(tinybot_archives["both"], tmp_path)


def user_event(text: str = "hello", intent: str = "greet", **extra: Any) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 1.0},
                                                          "entities": []}, **extra}


# -- tracker events ---------------------------------------------------------------------


def test_appending_to_a_new_conversation_starts_a_session_first(agent: Any) -> None:
    result = agent.append_events("new", [user_event()])
    assert names(result.tracker["events"]) == [*SESSION_START, "user"]
    stored = agent.tracker_store.retrieve("new")
    assert names(stored) == [*SESSION_START, "user"]
    assert stored[-1]["timestamp"] == agent.clock()
    assert stored[-1]["metadata"]["model_id"] == agent.model.model_id


def test_appending_the_session_start_trio_does_not_duplicate_it(agent: Any) -> None:
    trio = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0, "metadata": {"model_id": "x"}},
        {"event": "session_started", "timestamp": 2.0, "metadata": {"model_id": "x"}},
        {"event": "action", "name": "action_listen", "timestamp": 3.0, "metadata": {"model_id": "x"}},
    ]
    result = agent.append_events("trio", trio, verbosity="ALL")
    # The posted model id stays; the assistant id is added where missing, as in Rasa 3.5+.
    assert [(e["timestamp"], e["metadata"]) for e in result.tracker["events"]] == [
        (t, {"model_id": "x", "assistant_id": "tinybot"}) for t in (1.0, 2.0, 3.0)]


def test_existing_conversations_get_no_new_session(agent: Any) -> None:
    agent.append_events("c", [user_event()])
    result = agent.append_events("c", [{"event": "action", "name": "utter_greet"}])
    assert names(result.tracker["events"]) == [*SESSION_START, "user", "utter_greet"]


def test_an_old_model_id_in_metadata_is_kept(agent: Any) -> None:
    bot = {"event": "bot", "text": "hi", "metadata": {"model_id": "some_old_id"}}
    result = agent.append_events("old", [bot])
    assert result.tracker["events"][-1]["metadata"]["model_id"] == "some_old_id"


def test_invalid_events_store_nothing(agent: Any) -> None:
    with pytest.raises(BadRequest):
        agent.append_events("bad", [user_event(), {"event": "reminder", "intent": "x", "date_time": "nope"}])
    assert agent.tracker_store.retrieve("bad") is None


def test_side_effects_return_bot_messages_only_when_asked(agent: Any) -> None:
    bot = {"event": "bot", "text": "Welcome!", "data": {"buttons": [{"title": "a", "payload": "/a"}]}}
    assert agent.append_events("s", [bot]).messages == []
    result = agent.append_events("s", [bot], execute_side_effects=True, output_channel="callback")
    assert result.messages == [{"text": "Welcome!", "buttons": [{"title": "a", "payload": "/a"}]}]
    assert result.output_channel == "callback"


def test_latest_output_channel_resolves_to_the_latest_input_channel(agent: Any) -> None:
    result = agent.append_events("l", [user_event(input_channel="socketio")], output_channel="latest")
    assert result.output_channel == "socketio" == result.latest_input_channel


def test_replace_stores_exactly_the_given_events(agent: Any) -> None:
    agent.append_events("p", [user_event()])
    events = decode_events(b'[{"event": "slot", "name": "city", "value": "Oslo"}, {"event": "restart"}]')
    tracker = agent.replace_events("p", events, verbosity="ALL")
    assert [e["event"] for e in tracker["events"]] == ["slot", "restart"]
    assert [e["event"] for e in agent.tracker_store.retrieve("p", all_sessions=True)] == ["slot", "restart"]
    assert "model_id" not in agent.tracker_store.retrieve("p")[0].get("metadata", {})


# -- story, tracker ---------------------------------------------------------------------------


def test_story_of_an_unknown_conversation_is_404(agent: Any) -> None:
    with pytest.raises(NotFound) as caught:
        agent.story("nobody")
    assert (caught.value.message, caught.value.reason) == ("Conversation ID not found.", "Not found")


def test_story_does_not_change_the_conversation(agent: Any) -> None:
    agent.append_events("st", [user_event("hi there")])
    before = agent.tracker_store.retrieve("st")
    assert "user: |-\n      hi there" in agent.story("st")
    assert agent.tracker_store.retrieve("st") == before


def test_tracker_all_and_after_restart_span_every_session(agent: Any, tinybot_archives: dict) -> None:
    agent.append_events("h", [user_event("hi"), {"event": "restart"}])
    clock: Clock = agent.clock
    clock.now += 10 * 3600  # the session expires
    agent.add_message("h", "hi again")
    all_events = agent.get_tracker("h", "ALL")["events"]
    assert names(all_events).count("action_session_start") == 2
    after = agent.get_tracker("h", "AFTER_RESTART")["events"]
    assert names(after)[:1] == ["action_session_start"] and len(after) < len(all_events)
    applied = agent.get_tracker("h", "APPLIED")["events"]
    assert names(applied) == ["action_listen", "user"]


def test_tracker_until_goes_back_in_time(agent: Any) -> None:
    now = agent.clock()
    agent.append_events("u", [user_event(timestamp=now + 5), {"event": "restart", "timestamp": now + 50}])
    tracker = agent.get_tracker("u", "ALL", until=now + 6)
    assert names(tracker["events"])[-1] == "user"


# -- execute, trigger, predict, messages ----------------------------------------------------


def test_execute_needs_a_stored_conversation_and_a_known_action(agent: Any) -> None:
    with pytest.raises(NotFound, match="Conversation ID not found"):
        agent.execute_action("ghost", "utter_greet")
    agent.append_events("e", [user_event()])
    with pytest.raises(NotFound):
        agent.execute_action("e", "no_such_action")
    result = agent.execute_action("e", "utter_greet", policy="manual", confidence=0.5)
    assert result.messages == [{"text": "Hello! Ask me about the weather anywhere."}]
    action = [e for e in result.tracker["events"] if e.get("name") == "utter_greet"][-1]
    assert (action["policy"], action["confidence"]) == ("manual", 0.5)


def test_trigger_intent_creates_the_conversation_and_sets_slots_from_entities(agent: Any) -> None:
    result = agent.trigger_intent("t", "greet", {"city": "Berlin"})
    events = result.tracker["events"]
    assert names(events)[:3] == SESSION_START
    external = next(e for e in events if e["event"] == "user")
    assert external["text"] == "EXTERNAL: greet" and external["metadata"]["is_external"] is True
    assert {"event": "slot", "name": "city", "value": "Berlin"}.items() <= next(
        e for e in events if e["event"] == "slot").items()
    assert result.messages


def test_trigger_of_an_unknown_intent_is_404_and_stores_nothing(agent: Any) -> None:
    with pytest.raises(NotFound):
        agent.trigger_intent("t2", "no_such_intent")
    assert agent.tracker_store.retrieve("t2") is None


@pytest.mark.parametrize("entities", ["Berlin", [1, 2]])
def test_trigger_entities_must_be_an_object(agent: Any, entities: Any) -> None:
    with pytest.raises(BadRequest):
        agent.trigger_intent("t3", "greet", entities)


def test_predict_sorts_scores_and_saves_the_session(agent: Any) -> None:
    with pytest.raises(NotFound):
        agent.predict("ghost")
    stale = [{"event": "action", "name": "action_listen"}, user_event(timestamp=agent.clock() - 10 * 3600)]
    agent.replace_events("pr", stale)
    prediction = agent.predict("pr")
    scores = prediction["scores"]
    assert scores == sorted(scores, key=lambda s: (-s["score"], s["action"]))
    assert {"policy", "confidence", "tracker"} <= set(prediction)
    # The expired session was renewed and saved, as Rasa does.
    assert names(agent.tracker_store.retrieve("pr", all_sessions=True))[2:] == SESSION_START


def test_add_message_logs_the_user_and_slot_events_only(agent: Any) -> None:
    parse_data = {"text": "T", "intent": {"confidence": 0.57, "name": "inform"},
                  "entities": [{"entity": "city", "value": "V"}]}
    tracker = agent.add_message("m", "T", parse_data=parse_data, verbosity="ALL")
    assert tracker["latest_message"]["text"] == "T"
    assert names(tracker["events"]) == [*SESSION_START, "user", "city"]
    assert tracker["events"][-1]["value"] == "V"


def test_add_message_parses_text_without_parse_data(agent: Any) -> None:
    tracker = agent.add_message("m2", "hello")
    assert tracker["latest_message"]["intent"]["name"] == "greet"
    assert tracker["latest_message"]["message_id"]


def test_model_predict_uses_a_throw_away_tracker_in_domain_order(agent: Any) -> None:
    events = decode_events(b'[{"event": "action", "name": "action_listen"}, {"event": "user", "text": "hello",'
                           b' "parse_data": {"entities": [], "intent": {"confidence": 0.57, "name": "greet"}}}]')
    prediction = agent.predict_from_events(events)
    assert prediction["tracker"]["sender_id"] == "default"
    assert [s["action"] for s in prediction["scores"]] == agent.model.domain.action_names
    assert max(prediction["scores"], key=lambda s: s["score"])["action"] == "utter_greet"
    assert agent.tracker_store.keys() == []


# -- gates ---------------------------------------------------------------------------------------


def test_without_a_model_every_endpoint_is_a_conflict(tmp_path: Path) -> None:
    agent = make_agent(None, tmp_path)
    for call in (lambda: agent.append_events("a", [user_event()]), lambda: agent.replace_events("a", []),
                 lambda: agent.story("a"), lambda: agent.execute_action("a", "x"),
                 lambda: agent.trigger_intent("a", "greet"), lambda: agent.predict("a"),
                 lambda: agent.add_message("a", "hi"), lambda: agent.predict_from_events([]),
                 agent.domain, agent.dialogue_model):
        with pytest.raises(NoModelLoaded):
            call()


def test_an_nlu_only_model_refuses_dialogue_but_serves_state(
    tinybot_archives: dict[str, Path], tmp_path: Path
) -> None:
    agent = make_agent(tinybot_archives["nlu"], tmp_path)
    for call in (lambda: agent.append_events("a", [user_event()]), lambda: agent.execute_action("a", "x"),
                 lambda: agent.trigger_intent("a", "greet"), lambda: agent.predict("a"),
                 lambda: agent.add_message("a", "hi"), lambda: agent.predict_from_events([]),
                 agent.dialogue_model):
        with pytest.raises(Conflict):
            call()
    assert agent.replace_events("a", [{"event": "restart"}])["sender_id"] == "a"
    assert agent.story("a") == 'version: "3.1"\n'
    assert "intents" in agent.domain()
