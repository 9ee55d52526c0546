"""Input channel interface and the rendering of bot messages for output.

A channel owns its webhook routes under ``/webhooks/<name>/``; they are
public (no token or JWT), as in Rasa. The engine hands back bot messages
as dicts with the keys ``text``, ``buttons``, ``quick_replies``, ``image``,
``attachment``, ``custom`` and ``elements``; :func:`collect_messages` turns
them into what Rasa's collecting output channel returns.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Iterable, Mapping


class OutputChannel(ABC):
    """A destination the bot's messages can be sent to outside an HTTP response.

    ``output_channel=<name>`` on the conversation endpoints picks one (see
    :class:`gateway.channels.output.OutputChannels`).
    """

    name: str = ""
    """The channel name (that of the input channel it belongs to)."""

    collects: bool = False
    """Whether the messages are also returned in the HTTP response (Rasa's
    callback output is a collecting channel; socket.io is not)."""

    @abstractmethod
    async def send(self, recipient_id: str, messages: Iterable[Any]) -> None:
        """Send the engine's bot messages to ``recipient_id``.

        Failures are logged, never raised: the conversation has already
        been updated and must not be reported as failed.
        """

    async def close(self) -> None:
        """Release connections (called when the worker shuts down)."""


class InputChannel(ABC):
    """A source of user messages with its own webhook routes."""

    name: str = ""
    """Channel name: its key in ``credentials.yml`` and its URL prefix."""

    def url_prefix(self) -> str:
        """Return the path under which the channel's routes are mounted."""
        return f"/webhooks/{self.name}"

    @abstractmethod
    def routes(self) -> list[tuple[str, object]]:
        """Return ``(path, resource)`` pairs, paths relative to the prefix.

        Resources must set ``public = True``: webhooks are not authenticated.
        """

    def output(self) -> OutputChannel | None:
        """Return the channel's own output, if it can send messages by itself."""
        return None

    def wrap(self, app: Any) -> Any:
        """Return the ASGI app to serve: ``app``, or ``app`` inside the channel's own.

        A channel that speaks another protocol than plain HTTP routes
        (socket.io) serves its path itself and hands everything else on.
        """
        return app

    def mounted_routes(self) -> list[tuple[str, object]]:
        """Return ``(full path, resource)`` pairs to add to the app.

        The prefix itself is served with and without its trailing slash,
        as Rasa's server answers both.
        """
        mounted: list[tuple[str, object]] = []
        for path, resource in self.routes():
            if path in ("", "/"):
                mounted.append((self.url_prefix(), resource))
                mounted.append((self.url_prefix() + "/", resource))
            else:
                mounted.append((self.url_prefix() + path, resource))
        return mounted


def _message(recipient_id: str, **fields: Any) -> dict[str, Any]:
    # Keys whose value is None are left out, as Rasa's REST channel does.
    message = {"recipient_id": recipient_id}
    message.update((key, value) for key, value in fields.items() if value is not None)
    return message


def _text_parts(text: Any) -> list[str]:
    return str(text).strip().split("\n\n")


def render_message(recipient_id: str, message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Render one bot message the way Rasa's collecting output channel does.

    - ``quick_replies`` (else ``buttons``) go with the whole text into one
      message, as ``buttons``;
    - otherwise the text is stripped and split on blank lines, one message
      per part;
    - then ``custom``, ``image`` and ``attachment`` follow as messages of
      their own;
    - each of ``elements`` becomes ``"<title> : <subtitle>"`` with its buttons.

    Args:
        recipient_id: The conversation the messages are for.
        message: One message from the engine.
    """
    out: list[dict[str, Any]] = []
    text = message.get("text")
    buttons = message.get("quick_replies") or message.get("buttons")
    if buttons:
        out.append(_message(recipient_id, text=text, buttons=buttons))
    elif text:
        out.extend(_message(recipient_id, text=part) for part in _text_parts(text))
    if message.get("custom"):
        out.append(_message(recipient_id, custom=message["custom"]))
    if message.get("image"):
        out.append(_message(recipient_id, image=message["image"]))
    if message.get("attachment"):
        out.append(_message(recipient_id, attachment=message["attachment"]))
    for element in message.get("elements") or ():
        if isinstance(element, Mapping):
            title = f"{element.get('title', '')} : {element.get('subtitle', '')}"
            out.append(_message(recipient_id, text=title, buttons=element.get("buttons", [])))
    return out


def collect_messages(recipient_id: str, messages: Iterable[Any]) -> list[dict[str, Any]]:
    """Render every engine message for ``recipient_id``, skipping non-objects."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, Mapping):
            out.extend(render_message(recipient_id, message))
    return out
