"""A conversation written as YAML test stories, as Rasa's /story endpoint does."""
from __future__ import annotations

import json
from typing import Any

import yaml

from engine.api.story_writer import annotated_text, conversation_story
from engine.conversation.events import events_from_dicts
from tests.conftest import shared_path


def session(start: float, *turns: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "action_session_start", "timestamp": start},
        {"event": "session_started", "timestamp": start},
        {"event": "action", "name": "action_listen", "timestamp": start},
        *turns,
    ]


def user(text: str, intent: str, at: float, entities: list | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": at,
            "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}}


def action(name: str, at: float) -> dict[str, Any]:
    return {"event": "action", "name": name, "timestamp": at}


TWO_SESSIONS = events_from_dicts(
    session(1, user("hi", "greet", 2), action("utter_greet", 3), {"event": "bot", "text": "Hey", "timestamp": 3},
            action("action_listen", 4))
    + session(5, user("bye bye", "goodbye", 6), action("utter_goodbye", 7), action("action_listen", 8))
)


def test_matches_the_story_rasa_wrote_for_the_same_tracker() -> None:
    capture = shared_path("notes", "rasa-ref-responses")
    tracker = json.loads((capture / "tok_12_get_tracker_u1.json").read_text())["response"]["body_json"]
    story = json.loads((capture / "tok_14_get_story_u1.json").read_text())["response"]["body_text"]
    assert conversation_story("u1", events_from_dicts(tracker["events"])) == story


def test_all_sessions_gives_one_numbered_story_per_session() -> None:
    text = conversation_story("some-conversation-ID", TWO_SESSIONS, all_sessions=True)
    assert text == (
        'version: "3.1"\nstories:\n'
        "- story: some-conversation-ID, story 1\n  steps:\n  - intent: greet\n    user: |-\n      hi\n"
        "  - action: utter_greet\n"
        "- story: some-conversation-ID, story 2\n  steps:\n  - intent: goodbye\n    user: |-\n      bye bye\n"
        "  - action: utter_goodbye\n"
    )


def test_by_default_only_the_latest_session_is_written() -> None:
    doc = yaml.safe_load(conversation_story("c", TWO_SESSIONS))
    assert [s["story"] for s in doc["stories"]] == ["c"]
    assert doc["stories"][0]["steps"][0] == {"intent": "goodbye", "user": "bye bye"}


def test_until_drops_later_events_and_empty_sessions() -> None:
    doc = yaml.safe_load(conversation_story("c", TWO_SESSIONS, all_sessions=True, until=4))
    assert [s["story"] for s in doc["stories"]] == ["c"]
    assert doc["stories"][0]["steps"][0]["user"] == "hi"


def test_an_empty_conversation_is_only_the_version_line() -> None:
    assert conversation_story("c", []) == 'version: "3.1"\n'
    assert conversation_story("c", events_from_dicts(session(1))) == 'version: "3.1"\n'


def test_restart_stays_in_its_session_story() -> None:
    events = events_from_dicts(
        session(1, user("hi", "greet", 2), action("utter_greet", 3), action("action_listen", 3),
                user("/restart", "restart", 4), action("action_restart", 5), {"event": "restart", "timestamp": 5})
        + session(6, user("hi again", "greet", 7))
    )
    doc = yaml.safe_load(conversation_story("c", events, all_sessions=True))
    assert doc["stories"][0]["steps"] == [
        {"intent": "greet", "user": "hi"}, {"action": "utter_greet"},
        {"intent": "restart", "user": "/restart"}, {"action": "action_restart"},
    ]
    assert doc["stories"][1]["steps"] == [{"intent": "greet", "user": "hi again"}]


def test_slots_loops_and_rewinds() -> None:
    events = events_from_dicts(session(
        1, user("hmm", "nlu_fallback", 2), action("action_default_fallback", 3), {"event": "rewind", "timestamp": 3},
        user("book", "book", 4), {"event": "active_loop", "name": "booking_form", "timestamp": 5},
        {"event": "slot", "name": "requested_slot", "value": "some value", "timestamp": 6},
    ))
    doc = yaml.safe_load(conversation_story("c", events))
    assert doc["stories"][0]["steps"] == [
        {"intent": "book", "user": "book"}, {"active_loop": "booking_form"},
        {"slot_was_set": [{"requested_slot": "some value"}]},
    ]


def test_awkward_names_and_texts_stay_valid_yaml() -> None:
    events = events_from_dicts(session(1, user("  leading: spaces\nand a line", "ask:why", 2)))
    doc = yaml.safe_load(conversation_story("a/b: c", events))
    assert doc["stories"][0]["story"] == "a/b: c"
    assert doc["stories"][0]["steps"][0] == {"intent": "ask:why", "user": "  leading: spaces\nand a line"}


def test_entities_are_written_as_inline_annotations() -> None:
    entities = [
        {"entity": "city", "start": 3, "end": 9, "value": "Berlin"},
        {"entity": "city", "start": 14, "end": 17, "value": "New York", "role": "to"},
        {"entity": "number", "value": 4},  # no offsets: left out
    ]
    assert annotated_text("in Berlin and NYC", entities) == (
        'in [Berlin](city) and [NYC]{"entity": "city", "role": "to", "value": "New York"}'
    )
    assert annotated_text('/inform{"city": "Rome"}', [{"entity": "city", "start": 7, "end": 22}]) == (
        '/inform{"city": "Rome"}'
    )
