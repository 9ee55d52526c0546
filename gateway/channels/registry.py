"""Channel names from ``credentials.yml`` -> input channel instances.

Parley serves ``rest``, ``callback`` and ``socketio``. Other Rasa channels
(vendor connectors) and custom ``module.Class`` connectors are reported in
the log and skipped, so an existing ``credentials.yml`` still starts.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

from gateway.body import BodyReader
from gateway.channels.base import InputChannel
from gateway.channels.endpoint import parse_endpoint, unknown_keys
from gateway.channels.rest import RestChannel
from gateway.engine_client import EngineClient
from gateway.settings import ConfigError

logger = logging.getLogger(__name__)

# Rasa's built-in channel names (and Rasa X's "rasa") that Parley does not
# serve; they are reported, not silently dropped.
NOT_YET_SUPPORTED = frozenset(
    {
        "facebook",
        "slack",
        "telegram",
        "twilio",
        "twilio_voice",
        "mattermost",
        "rocketchat",
        "botframework",
        "webexteams",
        "hangouts",
        "audiocodes",
        "rasa",
        "cmdline",
    }
)


def create_channels(
    credentials: Mapping[str, Any],
    engine: EngineClient,
    body: BodyReader,
    *,
    cors_origins: tuple[str, ...] = (),
    redis_url: str | None = None,
) -> list[InputChannel]:
    """Build the channels named in ``credentials`` that Parley supports.

    Args:
        credentials: Channel name -> credentials, as in ``credentials.yml``.
        engine: The engine client the channels send messages to.
        body: Reader of request bodies (its limit also caps socket.io messages).
        cors_origins: Allowed CORS origins (the socket.io server checks them).
        redis_url: Redis URL (``REDIS_URL``) the socket.io manager uses when
            its credentials name none.

    Raises:
        ConfigError: A supported channel's credentials are not usable.
    """
    channels: list[InputChannel] = []
    for name, config in credentials.items():
        if name == RestChannel.name:
            channels.append(RestChannel(engine, body))
        elif name == "callback":
            # Imported here: httpx is only needed when the channel is used.
            from gateway.channels.callback import CallbackChannel

            extra = unknown_keys(config)
            if extra:
                logger.warning("callback credentials: ignoring unknown keys %s.", ", ".join(extra))
            channels.append(CallbackChannel(engine, body, parse_endpoint(name, config)))
        elif name == "socketio":
            channels.append(_socketio(config, engine, body, cors_origins, redis_url))
        elif name in NOT_YET_SUPPORTED:
            logger.warning("Channel '%s' is not supported by Parley yet; skipping it.", name)
        elif "." in name:
            logger.warning(
                "Custom channel '%s' (module.Class) is not supported yet; skipping it.", name
            )
        else:
            logger.warning("Unknown channel '%s' in the credentials; skipping it.", name)
    return channels


def _socketio(
    config: Any,
    engine: EngineClient,
    body: BodyReader,
    cors_origins: tuple[str, ...],
    redis_url: str | None,
) -> InputChannel:
    # Imported here: python-socketio is only needed when the channel is used.
    try:
        from gateway.channels.socketio import SocketIOChannel
        from gateway.channels.socketio_messages import SocketIOConfig
    except ImportError as ex:
        raise ConfigError(
            f"The socketio channel needs python-socketio ({ex}); "
            "install it with: pip install 'parley[socketio]'."
        ) from ex
    settings = SocketIOConfig.from_credentials(config, redis_url)
    if settings.redis_url:
        try:
            import redis.asyncio  # noqa: F401  (AsyncRedisManager needs it)
        except ImportError as ex:
            raise ConfigError(
                "The socketio channel with a Redis URL needs the redis package; "
                "install it with: pip install 'parley[redis]'."
            ) from ex
    return SocketIOChannel(
        engine, settings, cors_origins=cors_origins, max_message_bytes=body.max_bytes
    )
