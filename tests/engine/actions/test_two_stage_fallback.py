"""The two-stage fallback loop: affirm, rephrase, clarify or give up."""
from __future__ import annotations

import random
from typing import Any

from engine.actions.builtin import action_for_name
from engine.actions.responses import TemplatedResponseGenerator
from engine.conversation.domain import Domain
from engine.conversation.events import ActionExecuted, ActiveLoop, UserUttered
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.ensemble import PolicyEnsemble
from engine.processor import MessageProcessor
from tests.engine.dialogue.helpers import stories_from_yaml

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet"],
        "responses": {
            "utter_greet": [{"text": "Hello!"}],
            "utter_ask_rephrase": [{"text": "Can you rephrase?"}],
            "utter_default": [{"text": "I give up."}],
        },
    }
)
NLG = TemplatedResponseGenerator(DOMAIN.responses)
RULES = """
rules:
- rule: two-stage fallback
  steps:
  - intent: nlu_fallback
  - action: action_two_stage_fallback
  - active_loop: action_two_stage_fallback
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
"""


def user(intent: str) -> UserUttered:
    ranking = [{"name": intent}, {"name": "greet"}]
    return UserUttered(intent, {"intent": {"name": intent, "confidence": 0.9}, "intent_ranking": ranking})


def run(*events: object) -> list[dict]:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    for event in events:
        tracker.update(event)  # type: ignore[arg-type]
    result = action_for_name("action_two_stage_fallback", DOMAIN).run(tracker, DOMAIN, NLG, None)
    return [{k: v for k, v in e.as_dict().items() if k in ("event", "name", "text")} for e in result]


def test_first_run_activates_and_asks_for_affirmation() -> None:
    assert run(ActionExecuted("action_listen"), user("nlu_fallback")) == [
        {"event": "active_loop", "name": "action_two_stage_fallback"},
        {"event": "bot", "text": "Did you mean 'greet'?"},
    ]


def test_out_of_scope_asks_to_rephrase() -> None:
    events = [ActionExecuted("action_listen"), user("nlu_fallback"), ActiveLoop("action_two_stage_fallback"), user("out_of_scope")]
    assert run(*events) == [{"event": "bot", "text": "Can you rephrase?"}]


def test_two_fallbacks_in_a_row_give_up() -> None:
    events = [user("nlu_fallback"), ActiveLoop("action_two_stage_fallback"), user("nlu_fallback")]
    assert run(*events) == [
        {"event": "active_loop", "name": None},
        {"event": "bot", "text": "I give up."},
        {"event": "rewind"},
    ]


def test_clarified_message_replaces_the_fallback_turns() -> None:
    def parse(text: str, message_id: str | None) -> dict[str, Any]:
        intent = "greet" if text == "/greet" else "nlu_fallback"
        return {"text": text, "intent": {"name": intent, "confidence": 0.4}, "intent_ranking": [{"name": intent}, {"name": "greet"}]}

    ensemble = PolicyEnsemble.from_config([{"name": "RulePolicy"}]).fit([], stories_from_yaml(RULES, "rules"), DOMAIN)
    processor = MessageProcessor(DOMAIN, ensemble, parse, "m", rng=random.Random(0))
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    assert [m["text"] for m in processor.handle_message(tracker, "hllo")] == ["Did you mean 'greet'?"]
    assert tracker.active_loop_name == "action_two_stage_fallback"
    assert [m["text"] for m in processor.handle_message(tracker, "/greet")] == ["Hello!"]
    assert tracker.active_loop_name is None
    applied = [e for e in tracker.applied_events() if isinstance(e, UserUttered)]
    assert [(u.text, u.intent["confidence"]) for u in applied] == [("/greet", 1.0)]
