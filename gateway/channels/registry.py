"""Channel names from ``credentials.yml`` -> input channel instances."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from gateway.body import BodyReader
from gateway.channels.base import InputChannel
from gateway.channels.rest import RestChannel
from gateway.engine_client import EngineClient

logger = logging.getLogger(__name__)

# Rasa's built-in channel names (and Rasa X's "rasa") that Parley does not
# serve yet; they are reported, not silently dropped.
NOT_YET_SUPPORTED = frozenset(
    {
        "callback",
        "socketio",
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
    credentials: Mapping[str, Any], engine: EngineClient, body: BodyReader
) -> list[InputChannel]:
    """Build the channels named in ``credentials`` that Parley supports.

    Args:
        credentials: Channel name -> credentials, as in ``credentials.yml``.
        engine: The engine client the channels send messages to.
        body: Reader of request bodies.
    """
    channels: list[InputChannel] = []
    for name in credentials:
        if name == RestChannel.name:
            channels.append(RestChannel(engine, body))
        elif name in NOT_YET_SUPPORTED:
            logger.warning("Channel '%s' is not supported by Parley yet; skipping it.", name)
        elif "." in name:
            logger.warning(
                "Custom channel '%s' (module.Class) is not supported yet; skipping it.", name
            )
        else:
            logger.warning("Unknown channel '%s' in the credentials; skipping it.", name)
    return channels
