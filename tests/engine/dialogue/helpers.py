"""Test helpers: read story/rule YAML into Story objects and a tiny bot.

The real loader lives in ``engine.data``; these tests only need the step
format of :class:`engine.data.types.Story`, so a small reader is enough.
"""
from __future__ import annotations

from typing import Any

import yaml

from engine.conversation.domain import Domain
from engine.data.types import Story


def _entities(step: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for item in step.get("entities") or []:
        if isinstance(item, str):
            found.append({"entity": item, "value": ""})
            continue
        extra = {k: item[k] for k in ("role", "group") if k in item}
        name, value = next((k, v) for k, v in item.items() if k not in ("role", "group"))
        found.append({"entity": name, "value": value, **extra})
    return found


def _slots(items: list[Any]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        if isinstance(item, str):
            out.append({"name": item, "value": None, "has_value": False})
        else:
            out.extend({"name": k, "value": v, "has_value": True} for k, v in item.items())
    return out


def step_from_yaml(step: dict[str, Any]) -> dict[str, Any]:
    """Convert one YAML step into the normalised step format."""
    if "intent" in step or "user" in step:
        text = step.get("user")
        return {
            "user_turn": True,
            "intent": step.get("intent"),
            "text": text.strip() if isinstance(text, str) else None,
            "entities": _entities(step),
        }
    if "or" in step:
        return {"or": [step_from_yaml(s) for s in step["or"]]}
    if "checkpoint" in step:
        out: dict[str, Any] = {"checkpoint": step["checkpoint"]}
        if "slot_was_set" in step:
            out["slot_was_set"] = _slots(step["slot_was_set"])
        return out
    if "slot_was_set" in step:
        return {"slot_was_set": _slots(step["slot_was_set"])}
    for key in ("action", "bot", "active_loop"):
        if key in step:
            return {key: step[key]}
    raise ValueError(f"unknown step {step!r}")


def stories_from_yaml(text: str, key: str = "stories") -> list[Story]:
    """Read the ``stories`` or ``rules`` section of a YAML document."""
    items = (yaml.safe_load(text) or {}).get(key) or []
    return [
        Story(
            name=item.get("story") or item.get("rule"),
            steps=[step_from_yaml(s) for s in item.get("steps") or []],
            kind="rule" if key == "rules" else "story",
            condition=[step_from_yaml(s) for s in item.get("condition") or []],
            conversation_start=bool(item.get("conversation_start")),
            wait_for_user_input=item.get("wait_for_user_input", True) is not False,
        )
        for item in items
    ]


TINY_DOMAIN = """
version: "3.1"
intents: [greet, mood_great, mood_unhappy, affirm, deny, goodbye, bot_challenge, inform]
entities: [city]
slots:
  city:
    type: text
    mappings:
      - type: from_entity
        entity: city
responses:
  utter_greet:
    - text: "Hey! How are you?"
  utter_cheer_up:
    - text: "Here is something to cheer you up:"
      image: "https://i.imgur.com/nGF1K8f.jpg"
  utter_did_that_help:
    - text: "Did that help you?"
  utter_happy:
    - text: "Great, carry on!"
  utter_goodbye:
    - text: "Bye"
  utter_iamabot:
    - text: "I am a bot, powered by Parley."
  utter_city:
    - text: "{city} is lovely."
  utter_default:
    - text: "Sorry, I didn't get that."
"""

TINY_STORIES = """
stories:
- story: happy path
  steps:
  - intent: greet
  - action: utter_greet
  - intent: mood_great
  - action: utter_happy
- story: sad path
  steps:
  - intent: greet
  - action: utter_greet
  - intent: mood_unhappy
  - action: utter_cheer_up
  - action: utter_did_that_help
  - or:
    - intent: affirm
    - intent: mood_great
  - action: utter_happy
- story: sad path no
  steps:
  - intent: greet
  - action: utter_greet
  - intent: mood_unhappy
  - action: utter_cheer_up
  - action: utter_did_that_help
  - intent: deny
  - action: utter_goodbye
- story: city
  steps:
  - intent: inform
    entities:
    - city: Rome
  - slot_was_set:
    - city: Rome
  - action: utter_city
"""

TINY_RULES = """
rules:
- rule: goodbye
  steps:
  - intent: goodbye
  - action: utter_goodbye
- rule: bot challenge
  steps:
  - intent: bot_challenge
  - action: utter_iamabot
"""


def tiny_domain() -> Domain:
    """Return the tiny mood bot's domain."""
    return Domain.from_dict(yaml.safe_load(TINY_DOMAIN))


def tiny_data() -> tuple[list[Story], list[Story]]:
    """Return the tiny mood bot's stories and rules."""
    return stories_from_yaml(TINY_STORIES), stories_from_yaml(TINY_RULES, "rules")
