"""socketio credentials and the rendering of bot messages for socket.io widgets."""
from __future__ import annotations

import logging
from typing import Any

import pytest

from gateway.channels.socketio_messages import SocketIOConfig, socketio_payloads
from gateway.settings import ConfigError, GatewaySettings


def test_defaults_are_rasas() -> None:
    config = SocketIOConfig.from_credentials(None)
    assert (config.user_message_evt, config.bot_message_evt) == ("user_uttered", "bot_uttered")
    assert (config.namespace, config.session_persistence) == (None, False)
    assert (config.socketio_path, config.jwt_key) == ("/socket.io", None)
    assert config.jwt_method == "HS256"
    assert (config.metadata_key, config.redis_url) == ("metadata", None)


def test_a_rasa_webchat_section_is_read() -> None:
    config = SocketIOConfig.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
            "socketio_path": "socket.io/",
            "namespace": "/chat",
        }
    )
    assert config.session_persistence and config.namespace == "/chat"
    assert config.socketio_path == "/socket.io"


def test_redis_url_of_the_section_wins_over_the_environment() -> None:
    from_env = SocketIOConfig.from_credentials({}, "redis://env:6379/1")
    assert from_env.redis_url == "redis://env:6379/1"
    own = SocketIOConfig.from_credentials({"redis_url": "redis://own/2"}, "redis://env:6379/1")
    assert own.redis_url == "redis://own/2"
    settings = GatewaySettings.from_env({"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert settings.redis_url == "redis://127.0.0.1:6379/3"


def test_unknown_and_unsupported_keys_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        SocketIOConfig.from_credentials({"colour": "red", "enable_silence_timeout": True})
    assert "colour" in caplog.text
    assert "enable_silence_timeout" in caplog.text


@pytest.mark.parametrize(
    "section",
    [
        "yes",
        {"session_persistence": "yes"},
        {"namespace": 5},
        {"jwt_key": "k", "jwt_method": "none"},
        {"socketio_path": "/"},
    ],
)
def test_wrong_values_stop_the_start(section: Any) -> None:
    with pytest.raises(ConfigError):
        SocketIOConfig.from_credentials(section)


def test_text_parts_are_separate_messages() -> None:
    assert socketio_payloads({"text": " Hi!\n\nHow are you? "}) == [
        {"text": "Hi!"},
        {"text": "How are you?"},
    ]


def test_quick_replies_go_with_the_last_text_part() -> None:
    replies = [{"title": "Great", "payload": "/mood_great"}]
    assert socketio_payloads({"text": "Hey\n\nHow?", "quick_replies": replies}) == [
        {"text": "Hey", "quick_replies": []},
        {
            "text": "How?",
            "quick_replies": [{"content_type": "text", "title": "Great", "payload": "/mood_great"}],
        },
    ]


def test_nothing_is_emitted_for_an_empty_message() -> None:
    assert socketio_payloads({"text": None, "image": None, "custom": None}) == []
