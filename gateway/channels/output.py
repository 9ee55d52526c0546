"""Delivering bot messages to the output channel an API request names.

The conversation endpoints (``/trigger_intent``, ``/execute``,
``/tracker/events?execute_side_effects=true``) take ``output_channel``. As
in Rasa, the name is matched against the configured input channels, and
``latest`` means the conversation's latest input channel:

- a channel with its own output (``callback``, ``socketio``) gets the
  messages; ``callback`` also collects them, so they are returned in the
  HTTP response too, while ``socketio`` does not;
- any other name (``rest``, no value, a channel not configured) collects
  the messages for the HTTP response.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable, Sequence

from gateway.channels.base import InputChannel, OutputChannel, collect_messages

logger = logging.getLogger(__name__)

LATEST = "latest"
"""``output_channel`` value meaning the conversation's latest input channel."""


class OutputChannels:
    """The output channels of the configured input channels, by name.

    Args:
        channels: The input channels the gateway serves.
    """

    def __init__(self, channels: Iterable[InputChannel]) -> None:
        self._outputs: dict[str, OutputChannel] = {}
        for channel in channels:
            output = channel.output()
            if output is not None and channel.name not in self._outputs:
                self._outputs[channel.name] = output

    def names(self) -> list[str]:
        """Return the names of the channels that can send messages themselves."""
        return sorted(self._outputs)

    def resolve(
        self, name: str | None, latest_input_channel: str | None = None
    ) -> OutputChannel | None:
        """Return the output channel ``name`` selects, or ``None`` to collect.

        Args:
            name: The ``output_channel`` query value (may be ``None``).
            latest_input_channel: The tracker's ``latest_input_channel``,
                used when ``name`` is ``latest``.
        """
        if name == LATEST:
            name = latest_input_channel
        if not name:
            return None
        return self._outputs.get(name)

    async def deliver(
        self,
        channel_name: str | None,
        conversation_id: str,
        messages: Sequence[Any],
        *,
        latest_input_channel: str | None = None,
    ) -> list[dict[str, Any]] | None:
        """Send the engine's bot messages through the named output channel.

        Args:
            channel_name: The ``output_channel`` query value (``None``,
                ``"latest"``, ``"rest"``, ``"callback"``, ``"socketio"``, ...).
            conversation_id: The conversation (recipient) id.
            messages: The engine's bot messages (``messages_json`` decoded).
            latest_input_channel: The tracker's latest input channel, for
                ``latest``.

        Returns:
            The messages as REST renders them, to put under ``"messages"`` in
            the HTTP response; ``None`` when they went to a channel that does
            not collect (socket.io), so the response carries no ``messages``.
        """
        output = self.resolve(channel_name, latest_input_channel)
        if output is None:
            return collect_messages(conversation_id, messages)
        try:
            await output.send(conversation_id, messages)
        except Exception:  # a delivery failure must not fail the request
            logger.exception("sending messages to the '%s' channel failed", output.name)
        return collect_messages(conversation_id, messages) if output.collects else None

    async def close(self) -> None:
        """Close every output channel."""
        for output in self._outputs.values():
            try:
                await output.close()
            except Exception:
                logger.warning("closing the '%s' output channel failed", output.name, exc_info=True)


class ChannelsLifespan:
    """Falcon middleware closing the output channels when the worker stops.

    Args:
        outputs: The output channels to close.
    """

    def __init__(self, outputs: OutputChannels) -> None:
        self.outputs = outputs

    async def process_shutdown(self, scope: dict[str, object], event: dict[str, object]) -> None:
        """Close the channels' connections."""
        await self.outputs.close()
