"""Settings from the environment: defaults, parsing and clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import DEFAULT_MAX_BODY_BYTES, ConfigError, GatewaySettings


def test_defaults_from_an_empty_environment() -> None:
    settings = GatewaySettings.from_env({})
    assert settings.engine_address == "127.0.0.1:50051"
    assert settings.enable_api is False
    assert settings.auth_token is None and settings.jwt_secret is None
    assert settings.jwt_method == "HS256"
    assert settings.cors_origins == ()
    assert dict(settings.credentials) == {"rest": None}
    assert settings.engine_timeout == 60
    assert settings.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 10 * 1024 * 1024


def test_every_variable_is_read(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\nslack:\n  slack_token: x\n")
    settings = GatewaySettings.from_env(
        {
            "ENGINE_ADDRESS": "unix:/run/engine.sock",
            "PARLEY_ENABLE_API": "TRUE",
            "AUTH_TOKEN": "tok",
            "JWT_SECRET": "sec",
            "JWT_METHOD": "HS512",
            "JWT_PRIVATE_KEY": "priv",
            "PARLEY_CORS": "https://a.example, https://b.example",
            "PARLEY_CREDENTIALS": str(credentials),
            "PARLEY_ENGINE_TIMEOUT": "2.5",
            "PARLEY_MAX_BODY_BYTES": "1024",
        }
    )
    assert settings.engine_address == "unix:/run/engine.sock"
    assert settings.enable_api is True
    assert (settings.auth_token, settings.jwt_secret, settings.jwt_method) == ("tok", "sec", "HS512")
    assert settings.jwt_private_key == "priv"
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert dict(settings.credentials) == {"rest": None, "slack": {"slack_token": "x"}}
    assert settings.engine_timeout == 2.5
    assert settings.max_body_bytes == 1024


@pytest.mark.parametrize("value", ["*", "https://a.example,*"])
def test_any_star_in_cors_means_every_origin(value: str) -> None:
    assert GatewaySettings.from_env({"PARLEY_CORS": value}).cors_origins == ("*",)


def test_empty_variables_count_as_unset() -> None:
    settings = GatewaySettings.from_env({"AUTH_TOKEN": "", "ENGINE_ADDRESS": " ", "PARLEY_ENABLE_API": ""})
    assert settings.auth_token is None
    assert settings.engine_address == "127.0.0.1:50051"
    assert settings.enable_api is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARLEY_ENABLE_API", "maybe"),
        ("PARLEY_ENGINE_TIMEOUT", "soon"),
        ("PARLEY_ENGINE_TIMEOUT", "0"),
        ("PARLEY_MAX_BODY_BYTES", "-5"),
        ("PARLEY_MAX_BODY_BYTES", "1.5"),
    ],
)
def test_bad_values_are_config_errors_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        GatewaySettings.from_env({name: value})


def test_missing_credentials_file_means_rest_only(tmp_path: Path) -> None:
    settings = GatewaySettings.from_env({"PARLEY_CREDENTIALS": str(tmp_path / "nope.yml")})
    assert dict(settings.credentials) == {"rest": None}


def test_empty_credentials_file_means_rest_only(tmp_path: Path) -> None:
    (tmp_path / "c.yml").write_text("# nothing configured\n")
    settings = GatewaySettings.from_env({"PARLEY_CREDENTIALS": str(tmp_path / "c.yml")})
    assert dict(settings.credentials) == {"rest": None}


@pytest.mark.parametrize("content", ["rest: [unclosed\n", "- rest\n- socketio\n"])
def test_unusable_credentials_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "c.yml").write_text(content)
    with pytest.raises(ConfigError, match="c.yml"):
        GatewaySettings.from_env({"PARLEY_CREDENTIALS": str(tmp_path / "c.yml")})


def test_reads_a_real_bot_credentials_file() -> None:
    from tests.conftest import shared_path

    bots = shared_path("data", "bots")
    files = sorted(bots.glob("*/credentials.yml"))
    if not files:
        pytest.skip("no credentials.yml among the reference bots")
    for file in files:
        settings = GatewaySettings.from_env({"PARLEY_CREDENTIALS": str(file)})
        assert isinstance(dict(settings.credentials), dict)
