"""Names Rasa gives special meaning to: default actions, intents and slots.

These are part of the wire format (they appear in events, domains and
training data), so they are spelled exactly as Rasa spells them.
"""
from __future__ import annotations

ACTION_LISTEN = "action_listen"
ACTION_RESTART = "action_restart"
ACTION_SESSION_START = "action_session_start"
ACTION_DEFAULT_FALLBACK = "action_default_fallback"
ACTION_DEACTIVATE_LOOP = "action_deactivate_loop"
ACTION_REVERT_FALLBACK_EVENTS = "action_revert_fallback_events"
ACTION_DEFAULT_ASK_AFFIRMATION = "action_default_ask_affirmation"
ACTION_DEFAULT_ASK_REPHRASE = "action_default_ask_rephrase"
ACTION_TWO_STAGE_FALLBACK = "action_two_stage_fallback"
ACTION_UNLIKELY_INTENT = "action_unlikely_intent"
ACTION_BACK = "action_back"
RULE_SNIPPET_ACTION = "..."
ACTION_EXTRACT_SLOTS = "action_extract_slots"

# Order matters: these are the first indices of every domain's action space.
DEFAULT_ACTION_NAMES: tuple[str, ...] = (
    ACTION_LISTEN,
    ACTION_RESTART,
    ACTION_SESSION_START,
    ACTION_DEFAULT_FALLBACK,
    ACTION_DEACTIVATE_LOOP,
    ACTION_REVERT_FALLBACK_EVENTS,
    ACTION_DEFAULT_ASK_AFFIRMATION,
    ACTION_DEFAULT_ASK_REPHRASE,
    ACTION_TWO_STAGE_FALLBACK,
    ACTION_UNLIKELY_INTENT,
    ACTION_BACK,
    RULE_SNIPPET_ACTION,
    ACTION_EXTRACT_SLOTS,
)

INTENT_RESTART = "restart"
INTENT_BACK = "back"
INTENT_OUT_OF_SCOPE = "out_of_scope"
INTENT_SESSION_START = "session_start"
INTENT_NLU_FALLBACK = "nlu_fallback"

DEFAULT_INTENTS: tuple[str, ...] = (
    INTENT_RESTART,
    INTENT_BACK,
    INTENT_OUT_OF_SCOPE,
    INTENT_SESSION_START,
    INTENT_NLU_FALLBACK,
)

REQUESTED_SLOT = "requested_slot"
SESSION_START_METADATA_SLOT = "session_started_metadata"
KNOWLEDGE_BASE_ACTION = "action_query_knowledge_base"
KNOWLEDGE_BASE_SLOTS: tuple[str, ...] = (
    "knowledge_base_objects",
    "knowledge_base_last_object",
    "knowledge_base_last_object_type",
    "knowledge_base_listed_objects",
)

# Rules write `null` for "must not be set"; training keeps it distinct from
# "never mentioned" with this marker value.
SHOULD_NOT_BE_SET = "should_not_be_set"

UTTER_PREFIX = "utter_"
ENTITY_LABEL_SEPARATOR = "#"
RETRIEVAL_SEPARATOR = "/"

DEFAULT_SESSION_EXPIRATION_MINUTES = 60
DEFAULT_CARRY_OVER_SLOTS = True
LATEST_DOMAIN_VERSION = "3.1"
