"""Pieces of the conversation endpoints that are not the unit of work itself.

The agent runs each endpoint as lock -> load -> change -> append -> unlock;
this module holds what happens inside: logging a user message without
prediction, stamping appended events, scores documents, output channels.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from engine.conversation import constants as c
from engine.conversation.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker
    from engine.dialogue.ensemble import Prediction
    from engine.models.loader import Model

LATEST_CHANNEL = "latest"
"""``output_channel`` value meaning the conversation's latest input channel."""


@dataclass
class TurnResult:
    """What a conversation endpoint answers.

    Attributes:
        tracker: Rasa tracker JSON after the call.
        messages: Bot messages sent (output-channel dicts), in order.
        output_channel: The output channel they are for, ``latest`` resolved.
        latest_input_channel: The conversation's latest input channel.
    """

    tracker: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    output_channel: str | None = None
    latest_input_channel: str | None = None


def resolve_output_channel(name: str | None, tracker: DialogueStateTracker) -> str | None:
    """Return the output channel ``name`` selects (``latest`` -> latest input channel)."""
    if name == LATEST_CHANNEL:
        return tracker.latest_input_channel
    return name or None


def starts_session(events: list[Event]) -> bool:
    """Whether events begin with ``action_session_start`` then ``session_started``."""
    return (
        len(events) >= 2
        and isinstance(events[0], ActionExecuted)
        and events[0].action_name == c.ACTION_SESSION_START
        and isinstance(events[1], SessionStarted)
    )


def stamp_model(events: Iterable[Event], model_id: str, assistant_id: str | None) -> None:
    """Add the model (and assistant) id to metadata that has none (Rasa 3.x)."""
    for event in events:
        stamps = {"model_id": model_id}
        if assistant_id:
            stamps["assistant_id"] = assistant_id
        missing = {key: value for key, value in stamps.items() if key not in event.metadata}
        event.metadata = {**event.metadata, **missing}


def append_new(
    tracker: DialogueStateTracker, events: Iterable[Event], model: Model, now: float
) -> None:
    """Append events the server creates: server time, model id in metadata."""
    for event in events:
        event.timestamp = now
        stamps = {"model_id": model.model_id}
        if model.metadata.assistant_id:
            stamps["assistant_id"] = model.metadata.assistant_id
        event.metadata = {**event.metadata, **stamps}
        tracker.update(event)


def log_user_message(
    tracker: DialogueStateTracker,
    model: Model,
    text: str,
    *,
    parse_data: dict[str, Any] | None,
    input_channel: str | None,
    message_id: str | None,
    metadata: dict[str, Any] | None,
    now: float,
) -> None:
    """Append a user message and the slots it fills; predict nothing.

    Given ``parse_data`` is logged as it is; otherwise the text is parsed.
    """
    from engine.actions.slot_extraction import extract_slot_events

    message_id = message_id or uuid.uuid4().hex
    if parse_data is not None:
        from engine.api.event_validation import check_parse_data

        check_parse_data(parse_data, "the message")
    else:
        result = model.parse(text, message_id) or {}
        parse_data = {
            key: value
            for key, value in result.items()
            if not (key in ("message_id", "metadata") and value is None)
        }
    user = UserUttered(text, parse_data, input_channel, message_id, metadata=dict(metadata or {}))
    append_new(tracker, [user], model, now)
    append_new(tracker, extract_slot_events(tracker, model.domain), model, now)


def bot_messages(events: Iterable[Event]) -> list[dict[str, Any]]:
    """Return what an output channel sends for the ``bot`` events."""
    from engine.actions.responses import channel_message

    return [channel_message(event) for event in events if isinstance(event, BotUttered)]


def prediction_document(
    prediction: Prediction, tracker: dict[str, Any], domain: Domain, *, sort: bool
) -> dict[str, Any]:
    """Return Rasa's prediction JSON ``{scores, policy, confidence, tracker}``.

    Args:
        prediction: The ensemble's prediction.
        tracker: The tracker JSON to include.
        domain: The model's domain (its action order).
        sort: Sort scores by score (descending) then name, as
            ``/conversations/{id}/predict`` does; otherwise keep the
            domain's action order, as ``/model/predict`` does.
    """
    scores = list(prediction.scores or [])
    if sort:
        scores.sort(key=lambda item: (-item["score"], item["action"]))
    else:
        order = {name: index for index, name in enumerate(domain.action_names)}
        scores.sort(key=lambda item: order.get(item["action"], len(order)))
    return {
        "scores": scores,
        "policy": prediction.policy,
        "confidence": prediction.confidence,
        "tracker": tracker,
    }


def entities_list(entities: Any) -> list[dict[str, Any]]:
    """Normalise trigger_intent entities: ``{type: value}`` or a list of entity dicts."""
    from engine.errors import BadRequest

    if entities is None:
        return []
    if isinstance(entities, dict):
        return [{"entity": str(key), "value": value} for key, value in entities.items()]
    if isinstance(entities, list) and all(isinstance(e, dict) and "entity" in e for e in entities):
        return list(entities)
    raise BadRequest(
        "'entities' must be an object mapping entity names to values.",
        details={"parameter": "entities", "in": "body"},
    )
