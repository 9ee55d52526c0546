"""Response variations, slot templating and the utter_* action's bot event."""
from __future__ import annotations

import random

import pytest

from engine.actions.interpolation import interpolate_text
from engine.actions.responses import ResponseAction, TemplatedResponseGenerator, channel_message, choose_variation
from engine.conversation.domain import Domain
from engine.conversation.events import SlotSet
from engine.conversation.tracker import DialogueStateTracker

DOMAIN = Domain.from_dict(
    {
        "slots": {
            "name": {"type": "text", "mappings": []},
            "vip": {"type": "bool", "mappings": []},
        },
        "responses": {
            "utter_greet": [
                {"text": "Hi {name}!", "condition": [{"type": "slot", "name": "vip", "value": True}]},
                {"text": "Hello!"},
                {"text": "Yo (slack)", "channel": "slack"},
            ],
            "utter_menu": [
                {
                    "text": "Pick, {name}",
                    "image": "https://img/{name}.png",
                    "buttons": [{"title": "{name}", "payload": '/order{{"dish": "{name}"}}'}],
                    "custom": {"nested": ["{name}", {"deep": "{name}"}], "n": 1},
                    "id": "menu_v1",
                }
            ],
        },
    }
)


def tracker(**slots: object) -> DialogueStateTracker:
    t = DialogueStateTracker("c", DOMAIN.slots)
    for key, value in slots.items():
        t.update(SlotSet(key, value))
    return t


@pytest.mark.parametrize(
    "text, values, expected",
    [
        ("Hi {name}", {"name": "Ana"}, "Hi Ana"),
        ("Hi {name}", {"name": None}, "Hi None"),
        ("Hi {name}, {missing}", {"name": "Ana"}, "Hi {name}, {missing}"),
        ('{{"a": "{name}"}}', {"name": "Ana"}, '{"a": "Ana"}'),
        ("literal {{name}}", {"name": "Ana"}, "literal {name}"),
        ("{n} items", {"n": 4.0}, "4.0 items"),
        ("{first name}", {"first name": "A"}, "A"),
    ],
)
def test_interpolation_follows_str_format(text: str, values: dict, expected: str) -> None:
    assert interpolate_text(text, values) == expected


def test_conditional_variation_wins_when_its_slots_match() -> None:
    nlg = TemplatedResponseGenerator(DOMAIN.responses, random.Random(0))
    assert nlg.generate("utter_greet", tracker(vip=True, name="Ana"), None)["text"] == "Hi Ana!"
    assert nlg.generate("utter_greet", tracker(vip=False), None)["text"] == "Hello!"


def test_channel_specific_variation_wins_for_its_channel() -> None:
    nlg = TemplatedResponseGenerator(DOMAIN.responses, random.Random(0))
    assert nlg.generate("utter_greet", tracker(), "slack")["text"] == "Yo (slack)"
    assert nlg.generate("utter_greet", tracker(), "rest")["text"] == "Hello!"


def test_random_choice_uses_the_injected_random_source() -> None:
    variations = [{"text": str(i)} for i in range(10)]
    picks = [choose_variation(variations, {}, None, random.Random(7))["text"] for _ in range(3)]
    assert len(set(picks)) == 1
    many = {choose_variation(variations, {}, None, random.Random(seed))["text"] for seed in range(50)}
    assert len(many) > 1


def test_missing_response_gives_no_message() -> None:
    nlg = TemplatedResponseGenerator(DOMAIN.responses)
    assert nlg.generate("utter_nope", tracker(), None) is None
    assert ResponseAction("utter_nope").run(tracker(), DOMAIN, nlg, None) == []


def test_templating_reaches_image_buttons_and_nested_custom() -> None:
    nlg = TemplatedResponseGenerator(DOMAIN.responses)
    message = nlg.generate("utter_menu", tracker(name="pizza"), None)
    assert message["image"] == "https://img/pizza.png"
    assert message["buttons"] == [{"title": "pizza", "payload": '/order{"dish": "pizza"}'}]
    assert message["custom"] == {"nested": ["pizza", {"deep": "pizza"}], "n": 1}


def test_utter_action_emits_bot_event_with_six_data_keys_and_utter_action() -> None:
    nlg = TemplatedResponseGenerator(DOMAIN.responses)
    [event] = ResponseAction("utter_menu").run(tracker(name="tea"), DOMAIN, nlg, None)
    data = event.as_dict()
    assert data["text"] == "Pick, tea"
    assert set(data["data"]) == {"elements", "quick_replies", "buttons", "attachment", "image", "custom"}
    # Rasa mirrors the image into the attachment when there is none.
    assert data["data"]["attachment"] == data["data"]["image"] == "https://img/tea.png"
    assert data["metadata"] == {"id": "menu_v1", "utter_action": "utter_menu"}
    assert channel_message(event) == {
        "text": "Pick, tea",
        "buttons": [{"title": "tea", "payload": '/order{"dish": "tea"}'}],
        "image": "https://img/tea.png",
        "custom": {"nested": ["tea", {"deep": "tea"}], "n": 1},
    }
