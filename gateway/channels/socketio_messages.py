"""Settings of the ``socketio`` channel and how it renders bot messages.

``credentials.yml`` (Rasa's keys and defaults, plus Parley's Redis keys)::

    socketio:
      user_message_evt: user_uttered     # event the client sends messages with
      bot_message_evt: bot_uttered       # event the bot's messages are emitted as
      namespace: null                    # socket.io namespace ("/" when null)
      session_persistence: false         # rooms by session id, sender = session id
      socketio_path: /socket.io          # where the socket.io server listens
      jwt_key: null                      # verify auth={"token": <jwt>} on connect
      jwt_method: HS256
      metadata_key: metadata             # key of the message metadata in user events
      redis_url: null                    # share emits between workers (or env REDIS_URL)
      redis_channel: parley-socketio     # Redis pub/sub channel of those emits
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping

from gateway.settings import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_REDIS_CHANNEL = "parley-socketio"

# Keys Rasa Pro reads that Parley accepts without acting on them.
_IGNORED_KEYS = frozenset({"enable_silence_timeout"})


@dataclass(frozen=True)
class SocketIOConfig:
    """The ``socketio`` section of ``credentials.yml``.

    Attributes:
        user_message_evt: Event name of user messages.
        bot_message_evt: Event name of bot messages.
        namespace: Socket.IO namespace, ``None`` for the default ``/``.
        session_persistence: Put each socket in a room named after its session
            id and use the session id as the conversation id.
        socketio_path: URL path of the Socket.IO endpoint.
        jwt_key: Key (secret, or public key) that connection tokens must verify with.
        jwt_method: The one accepted JWT algorithm.
        metadata_key: Key of the metadata in a user message event.
        redis_url: Redis URL of the manager that shares emits between workers.
        redis_channel: Redis pub/sub channel name of that manager.
    """

    user_message_evt: str = "user_uttered"
    bot_message_evt: str = "bot_uttered"
    namespace: str | None = None
    session_persistence: bool = False
    socketio_path: str = "/socket.io"
    jwt_key: str | None = None
    jwt_method: str = "HS256"
    metadata_key: str = "metadata"
    redis_url: str | None = None
    redis_channel: str = DEFAULT_REDIS_CHANNEL

    @classmethod
    def from_credentials(cls, config: Any, redis_url: str | None = None) -> SocketIOConfig:
        """Read the channel's credentials (``None`` means all defaults).

        Args:
            config: The ``socketio`` section of ``credentials.yml``.
            redis_url: Redis URL from the environment (``REDIS_URL``); the
                section's own ``redis_url`` wins.

        Raises:
            ConfigError: A value has the wrong type.
        """
        if config is None:
            config = {}
        if not isinstance(config, Mapping):
            raise ConfigError("The 'socketio' credentials must be a mapping.")
        known = set(cls.__dataclass_fields__) | _IGNORED_KEYS
        unknown = sorted(str(key) for key in config if key not in known)
        if unknown:
            logger.warning("socketio credentials: ignoring unknown keys %s.", ", ".join(unknown))
        for key in sorted(_IGNORED_KEYS & set(config)):
            logger.warning("socketio credentials: '%s' is not supported by Parley; ignored.", key)
        defaults = cls()
        method = _text(config, "jwt_method") or defaults.jwt_method
        if method.lower() == "none":
            raise ConfigError("socketio 'jwt_method' none would accept unsigned tokens.")
        path = _text(config, "socketio_path") or defaults.socketio_path
        if not path.strip("/"):
            raise ConfigError("socketio 'socketio_path' cannot be '/': it would take every route.")
        return cls(
            user_message_evt=_text(config, "user_message_evt") or defaults.user_message_evt,
            bot_message_evt=_text(config, "bot_message_evt") or defaults.bot_message_evt,
            namespace=_text(config, "namespace"),
            session_persistence=_flag(config, "session_persistence"),
            socketio_path="/" + path.strip("/"),
            jwt_key=_text(config, "jwt_key"),
            jwt_method=method,
            metadata_key=_text(config, "metadata_key") or defaults.metadata_key,
            redis_url=_text(config, "redis_url") or redis_url,
            redis_channel=_text(config, "redis_channel") or defaults.redis_channel,
        )


def _text(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"socketio credentials: '{key}' must be a string.")
    return value


def _flag(config: Mapping[str, Any], key: str) -> bool:
    value = config.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError(f"socketio credentials: '{key}' must be true or false.")
    return value


def _quick_replies(buttons: Any) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    for button in buttons if isinstance(buttons, list) else ():
        if isinstance(button, Mapping):
            title = button.get("title", "")
            replies.append(
                {"content_type": "text", "title": title, "payload": button.get("payload", title)}
            )
    return replies


def _text_parts(text: Any) -> list[str]:
    return ("" if text is None else str(text)).strip().split("\n\n")


def socketio_payloads(message: Mapping[str, Any]) -> list[Any]:
    """Render one engine bot message as the payloads of ``bot_message_evt`` emits.

    The order is Rasa's: the text (split on blank lines; with buttons or
    quick replies, each part carries ``quick_replies`` and the buttons go
    with the last part), then custom, image, attachment and each element.

    Args:
        message: One bot message from the engine.
    """
    payloads: list[Any] = []
    text = message.get("text")
    buttons = message.get("quick_replies") or message.get("buttons")
    if buttons:
        parts: list[dict[str, Any]] = [
            {"text": part, "quick_replies": []} for part in _text_parts(text)
        ]
        parts[-1]["quick_replies"] = _quick_replies(buttons)
        payloads.extend(parts)
    elif text:
        payloads.extend({"text": part} for part in _text_parts(text))
    custom = message.get("custom")
    if custom:
        # A custom payload with "data" sends that data (Rasa passed the dict
        # as emit arguments); any other custom payload is sent as it is.
        has_data = isinstance(custom, Mapping) and "data" in custom
        payloads.append(custom["data"] if has_data else custom)
    if message.get("image"):
        payloads.append({"attachment": {"type": "image", "payload": {"src": message["image"]}}})
    if message.get("attachment"):
        payloads.append({"attachment": message["attachment"]})
    for element in message.get("elements") or ():
        payloads.append(
            {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "generic", "elements": element},
                }
            }
        )
    return payloads
