"""Rasa 1.x/2.x policies that RulePolicy replaced, translated for old configs.

``FallbackPolicy``, ``TwoStageFallbackPolicy``, ``MappingPolicy`` and
``FormPolicy`` become settings of the ensemble's RulePolicy plus a few
generated rules, as Rasa's 2.x migration guide describes: the fallback
thresholds and action become the RulePolicy's core fallback, intent
``triggers:`` become one-step rules, and the two-stage fallback becomes the
``nlu_fallback`` rule that starts its loop. Forms need no setting (the
RulePolicy runs active loops).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from engine.conversation.constants import ACTION_TWO_STAGE_FALLBACK, INTENT_NLU_FALLBACK
from engine.data.types import Story

if TYPE_CHECKING:
    from engine.conversation.domain import Domain

logger = logging.getLogger(__name__)

LEGACY_RULE_POLICIES = ("FallbackPolicy", "TwoStageFallbackPolicy", "MappingPolicy", "FormPolicy")


def rule_settings(name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Return the RulePolicy settings equivalent to a legacy policy's config."""
    settings: dict[str, Any] = {}
    if name in ("FallbackPolicy", "TwoStageFallbackPolicy"):
        if "core_threshold" in config:
            settings["core_fallback_threshold"] = config["core_threshold"]
        action = config.get("fallback_action_name") or config.get("fallback_core_action_name")
        if action:
            settings["core_fallback_action_name"] = action
        if "nlu_threshold" in config:
            logger.info("%s: nlu_threshold belongs to the NLU FallbackClassifier and is ignored here", name)
    return settings


def _user(intent: str) -> dict[str, Any]:
    return {"user_turn": True, "intent": intent, "text": None, "entities": []}


def legacy_rules(names: list[str], domain: Domain) -> list[Story]:
    """Return the rules that stand in for the legacy policies ``names``."""
    rules: list[Story] = []
    if "MappingPolicy" in names:
        for intent, props in domain.intent_properties.items():
            action = props.get("triggers")
            if isinstance(action, str) and action:
                rules.append(Story(f"trigger {action} on {intent}", [_user(intent), {"action": action}], kind="rule"))
    if "TwoStageFallbackPolicy" in names:
        steps = [_user(INTENT_NLU_FALLBACK), {"action": ACTION_TWO_STAGE_FALLBACK}, {"active_loop": ACTION_TWO_STAGE_FALLBACK}]
        rules.append(Story("two-stage fallback", steps, kind="rule"))
    return rules
