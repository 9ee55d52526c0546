"""Domain parsing (3.x and 2.0 layouts), action order and GET /domain JSON."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from engine.conversation.constants import DEFAULT_ACTION_NAMES, DEFAULT_INTENTS
from engine.conversation.domain import Domain
from engine.errors import DataError

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
MOODBOT_DOMAIN = SHARED / "data" / "bots" / "moodbot" / "domain.yml"
DOMAIN_CAPTURE = SHARED / "notes" / "rasa-ref-responses" / "tok_15_get_domain_json.json"

DOMAIN_2X = """
version: "2.0"
config:
  store_entities_as_slots: true
session_config:
  session_expiration_time: 0
  carry_over_slots_to_new_session: false
intents:
  - greet
  - inform:
      use_entities: [city]
  - chitchat:
      use_entities: false
entities:
  - city
  - name
slots:
  city:
    type: text
  name:
    type: unfeaturized
    auto_fill: false
  level:
    type: rasa.shared.core.slots.FloatSlot
    max_value: 10
forms:
  booking_form:
    required_slots:
      city:
        - type: from_entity
          entity: city
responses:
  utter_greet:
    - text: Hi
actions:
  - action_check
"""


def moodbot_raw() -> dict:
    if not MOODBOT_DOMAIN.exists():
        pytest.skip("shared moodbot data not available")
    return yaml.safe_load(MOODBOT_DOMAIN.read_text())


def test_moodbot_domain_action_space_and_slots() -> None:
    domain = Domain.from_dict(moodbot_raw())
    assert domain.action_names[: len(DEFAULT_ACTION_NAMES)] == list(DEFAULT_ACTION_NAMES)
    assert domain.action_names[len(DEFAULT_ACTION_NAMES):] == [
        "utter_cheer_up", "utter_did_that_help", "utter_goodbye", "utter_greet", "utter_happy", "utter_iamabot"
    ]
    assert list(domain.slots) == ["session_started_metadata"]
    assert set(DEFAULT_INTENTS) <= set(domain.intents)
    assert domain.session_expiration_time == 60 and domain.carry_over_slots is True


def test_moodbot_domain_json_matches_rasa() -> None:
    domain = Domain.from_dict(moodbot_raw())
    if not DOMAIN_CAPTURE.exists():
        pytest.skip("captured Rasa responses not available")
    expected = json.loads(DOMAIN_CAPTURE.read_text())["response"]["body_json"]
    assert domain.as_dict() == expected


def test_as_dict_adds_defaults_and_drops_empty_sections() -> None:
    data = Domain.from_dict({"intents": ["b", {"a": {"use_entities": []}}], "entities": [], "config": {"store_entities_as_slots": False}}).as_dict()
    assert data["intents"] == [{"a": {"use_entities": []}}, "b"]
    assert "entities" not in data
    assert data["version"] == "3.1"
    assert data["session_config"] == {"session_expiration_time": 60, "carry_over_slots_to_new_session": True}
    assert data["config"] == {"store_entities_as_slots": False}


def test_2x_domain_layout() -> None:
    domain = Domain.from_dict(yaml.safe_load(DOMAIN_2X))
    assert domain.is_legacy
    assert domain.forms["booking_form"]["required_slots"] == ["city"]
    assert domain.slots["city"].auto_fill and not domain.slots["name"].auto_fill
    assert domain.slots["level"].type_name == "float" and domain.slots["level"].max_value == 10
    assert "requested_slot" in domain.slots
    assert domain.session_expiration_time == 0 and domain.carry_over_slots is False
    assert domain.action_names[13:] == ["action_check", "utter_greet", "booking_form"]
    assert domain.used_entities("inform") == ["city"]
    assert domain.used_entities("chitchat") == []
    assert domain.slots_for_entities([{"entity": "city", "value": "Rome"}, {"entity": "name", "value": "x"}]) == [("city", "Rome")]


def test_3x_entities_roles_groups_and_used_entities() -> None:
    domain = Domain.from_dict(
        {
            "intents": ["book", {"chat": {"ignore_entities": ["city"]}}],
            "entities": [{"city": {"roles": ["from", "to"], "groups": ["1"]}}, {"secret": {"influence_conversation": False}}],
        }
    )
    assert domain.entity_roles["city"] == ["from", "to"]
    assert domain.used_entities("book") == ["city", "city#1", "city#from", "city#to"]
    assert domain.used_entities("chat") == []
    assert domain.used_entities("unknown") is None


def test_slot_mappings_fill_story_slots_only_when_unconditional() -> None:
    domain = Domain.from_dict(
        {
            "entities": ["city"],
            "slots": {
                "to": {"type": "text", "mappings": [{"type": "from_entity", "entity": "city", "role": "to"}]},
                "cond": {"type": "list", "mappings": [{"type": "from_entity", "entity": "city", "conditions": [{"active_loop": "f"}]}]},
            },
        }
    )
    entities = [{"entity": "city", "value": "Rome", "role": "to"}, {"entity": "city", "value": "Oslo"}]
    assert domain.slots_for_entities(entities) == [("to", "Rome")]


def test_retrieval_intents_add_their_utter_action() -> None:
    domain = Domain.from_dict({"intents": ["chitchat"], "responses": {"utter_chitchat/ask_name": [{"text": "Sara"}]}})
    assert domain.retrieval_intents == ["chitchat"]
    assert domain.is_retrieval_intent("chitchat/ask_name")
    assert "utter_chitchat" in domain.action_names
    assert "utter_chitchat/ask_name" not in domain.action_names


def test_default_action_override_keeps_index_positions() -> None:
    domain = Domain.from_dict({"actions": ["action_default_fallback", "action_x"]})
    assert domain.action_names[: len(DEFAULT_ACTION_NAMES)] == list(DEFAULT_ACTION_NAMES)
    assert domain.action_names[len(DEFAULT_ACTION_NAMES):] == ["action_x"]
    assert "action_default_fallback" in domain.custom_actions


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"intents": [{"greet": None}]}, "colon"),
        ({"slots": {"x": {"type": "nope", "mappings": []}}}, "unknown type"),
        ({"slots": {"x": {"type": "any", "influence_conversation": True, "mappings": []}}}, "cannot influence"),
        ({"slots": {"x": {"mappings": []}}}, "no 'type'"),
        ({"responses": {"utter_x": "just text"}}, "list of variations"),
        ({"session_config": {"session_expiration_time": "soon"}}, "minutes"),
        ({"intents": "greet"}, "must be a list"),
    ],
)
def test_malformed_domains_raise_data_errors(raw: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        Domain.from_dict(raw)
