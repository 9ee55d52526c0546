"""The event broker interface."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class EventBroker(ABC):
    """Publishes conversation events, in order, to an outside consumer.

    Every published event is a Rasa event dict carrying the conversation in
    ``sender_id`` (see :func:`broker_event`). Implementations are safe to
    call from several threads; events of one conversation keep their order.
    """

    name = "base"

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> EventBroker:
        """Create the broker from an endpoints.yml ``event_broker`` section."""
        return cls(**{k: v for k, v in config.items() if k not in ("type", "store_type")})

    @abstractmethod
    def publish(self, event: dict[str, Any]) -> None:
        """Publish one event (a dict with ``sender_id``)."""

    def close(self) -> None:
        """Deliver what is still buffered if possible, then release connections."""


def broker_event(sender_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """Return the document Rasa's brokers publish: ``{"sender_id": ..., **event}``."""
    return {"sender_id": sender_id, **event}
