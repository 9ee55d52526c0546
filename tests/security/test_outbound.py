"""The outbound-URL guard: allow-list rules, DNS-rebinding-safe connections, no cross-host redirects.

Real loopback HTTP servers stand in for callback receivers, model servers
and action servers; name resolution is replaced only where a test needs a
name to resolve to a non-loopback address (no traffic leaves loopback).
"""
from __future__ import annotations

import asyncio
import socket
import urllib.error
from typing import Any, Iterator

import pytest

from engine.actions.endpoint import EndpointConfig, EndpointError
from engine.errors import DataError
from engine.models.puller import ModelServerConfig
from engine.settings import EngineSettings
from gateway.errors import ApiError
from gateway.resources.callbacks import CallbackResult, CallbackRunner
from gateway.settings import ConfigError, GatewaySettings
from outbound import OutboundPolicy, OutboundRefused
from outbound.clients import guarded_urlopen, pinned_target
from tests.gateway.resources.conftest import Receiver
from tests.security.http_origin import Origin

METADATA = "http://169.254.169.254/latest/meta-data/"


def infos(*addresses: str) -> list[tuple[Any, ...]]:
    """``getaddrinfo``-shaped results for ``addresses``."""
    return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 80)) for a in addresses]


@pytest.mark.parametrize(("allow", "host", "addresses", "allowed"), [
    ("", "example.org", ["93.184.215.14"], True),           # default: today's behaviour
    ("", "localhost", ["127.0.0.1"], True),
    ("", "db.internal", ["10.1.2.3"], True),
    ("", "metadata", ["169.254.169.254"], False),           # link-local: never by default
    ("", "v6-link-local", ["fe80::1"], False),
    ("", "mapped", ["::ffff:169.254.169.254"], False),
    ("", "aws-v6-metadata", ["fd00:ec2::254"], False),
    ("", "rebound", ["127.0.0.1", "169.254.169.254"], False),  # every address must pass
    ("127.0.0.0/8", "localhost", ["127.0.0.1"], True),
    ("127.0.0.0/8", "db.internal", ["10.1.2.3"], False),
    ("127.0.0.0/8,10.0.0.0/8", "db.internal", ["10.1.2.3"], True),
    ("models.example.com", "models.example.com", ["93.184.215.14"], True),
    ("models.example.com", "MODELS.example.com.", ["93.184.215.14"], True),
    ("models.example.com", "evil.example.com", ["93.184.215.14"], False),
    ("*.example.com", "a.b.example.com", ["93.184.215.14"], True),
    ("*.example.com", "example.com.evil.net", ["93.184.215.14"], False),
    ("models.example.com", "models.example.com", ["169.254.169.254"], False),  # a name never unlocks metadata
    ("0.0.0.0/0", "metadata", ["169.254.169.254"], False),  # neither does "everything"
    ("169.254.169.254", "metadata", ["169.254.169.254"], True),  # only an explicit entry
    ("169.254.0.0/16", "metadata", ["169.254.1.1"], True),
    ("fe80::/10", "v6-link-local", ["fe80::1"], True),
])
def test_allow_list_rules(allow: str, host: str, addresses: list[str], allowed: bool) -> None:
    policy = OutboundPolicy.from_sources({"PARLEY_OUTBOUND_ALLOW": allow})
    if allowed:
        assert policy.allowed_infos(host, infos(*addresses))
    else:
        with pytest.raises(OutboundRefused, match="not allowed by the outbound policy"):
            policy.allowed_infos(host, infos(*addresses))


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http:///path", "not a url", "http://h:99999/"])
def test_only_absolute_http_urls_pass(url: str) -> None:
    with pytest.raises(OutboundRefused):
        OutboundPolicy().check_url(url)


def test_the_flag_wins_over_the_environment_and_bad_entries_are_config_errors() -> None:
    env = {"PARLEY_OUTBOUND_ALLOW": "10.0.0.0/8"}
    assert OutboundPolicy.from_sources(env, ["127.0.0.1", "::1"]).as_env() == "127.0.0.1/32,::1/128"
    with pytest.raises(ValueError, match="not a host name"):
        OutboundPolicy.parse(["http://x/"])
    with pytest.raises(ConfigError):
        GatewaySettings.from_env({"PARLEY_OUTBOUND_ALLOW": "bad/host"})
    with pytest.raises(DataError):
        EngineSettings.from_sources(environ={"PARLEY_OUTBOUND_ALLOW": "bad/host"})
    assert EngineSettings.from_sources(environ={}, outbound_allow=["localhost"]).outbound.names == ("localhost",)


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


def test_guarded_urlopen_reaches_allowed_hosts_and_follows_same_host_redirects(origin: Origin) -> None:
    other = Origin(location=f"{origin.url}/ok")  # redirects to another port: another origin
    try:
        with guarded_urlopen(f"{origin.url}/ok", timeout=5, policy=OutboundPolicy.parse(["127.0.0.0/8"])) as r:
            assert r.read() == b'{"ok": true}'
        same = Origin(location="/ok")
        try:
            with guarded_urlopen(f"{same.url}/redirect", timeout=5, policy=OutboundPolicy()) as r:
                assert r.status == 200 and same.hits == ["/redirect", "/ok"]
        finally:
            same.close()
        with pytest.raises(OutboundRefused, match="redirected to another host"):
            guarded_urlopen(f"{other.url}/redirect", timeout=5, policy=OutboundPolicy())
        assert origin.hits == ["/ok"]  # the other port was never asked
    finally:
        other.close()


def test_guarded_urlopen_refuses_before_sending(origin: Origin) -> None:
    with pytest.raises(OutboundRefused):
        guarded_urlopen(f"{origin.url}/ok", timeout=5, policy=OutboundPolicy.parse(["10.0.0.0/8"]))
    assert origin.hits == []


def test_a_name_that_rebinds_after_the_check_is_refused_at_connect(
    origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([infos("127.0.0.1"), infos("169.254.169.254")])
    real = socket.getaddrinfo

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        return next(answers) if host == "rebind.test" else real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises((OutboundRefused, urllib.error.URLError)) as caught:
        guarded_urlopen(f"http://rebind.test:{origin.port}/ok", timeout=5, policy=OutboundPolicy())
    assert "169.254.169.254" in str(caught.value)
    assert origin.hits == []


def test_action_server_and_model_server_clients_use_the_policy(origin: Origin) -> None:
    loopback_only = OutboundPolicy.parse(["127.0.0.0/8"])
    endpoint = EndpointConfig.from_dict({"url": f"{origin.url}/ok"}, "action_endpoint", loopback_only)
    assert endpoint is not None and endpoint.post_json({"next_action": "x"}) == {"ok": True}
    metadata = EndpointConfig.from_dict({"url": METADATA}, "action_endpoint")
    with pytest.raises(EndpointError, match="not allowed by the outbound policy"):
        metadata.post_json({})
    origin_redirect = Origin(location="http://127.0.0.2:9/elsewhere")
    try:
        redirected = EndpointConfig.from_dict({"url": f"{origin_redirect.url}/redirect"}, "nlg")
        with pytest.raises(EndpointError, match="redirected to another host"):
            redirected.post_json({})
    finally:
        origin_redirect.close()
    config = ModelServerConfig.from_section({"url": METADATA, "wait_time_between_pulls": 0})
    assert config is not None and config.outbound == OutboundPolicy()


def test_callback_urls_are_checked_before_work_starts_and_posted_to_the_checked_address() -> None:
    receiver = Receiver()
    runner = CallbackRunner("0.0.0", timeout=5, policy=OutboundPolicy.parse(["127.0.0.1"]))
    started: list[bool] = []

    async def work() -> CallbackResult:
        started.append(True)
        return CallbackResult(b'{"done": true}', {"Content-Type": "application/json"})

    async def scenario() -> None:
        for refused in (METADATA, "http://10.0.0.1/hook", "http://[fe80::1]/hook"):
            with pytest.raises(ApiError) as caught:
                await runner.checked_url(refused)
            assert caught.value.status_code == 400 and "not allowed" in caught.value.message
        url = await runner.checked_url(receiver.url)
        assert url == receiver.url
        runner.start(url, work)
        await runner.close()

    try:
        asyncio.run(scenario())
        assert started == [True]
        path, headers, body = receiver.posts[0]
        assert (path, body) == ("/hook", b'{"done": true}')
        assert headers["host"] == receiver.url.split("/")[2]
    finally:
        receiver.close()


def test_pinned_target_keeps_the_host_name_for_tls() -> None:
    async def pin() -> tuple[str, dict[str, str], dict[str, Any]]:
        return await pinned_target("https://localhost:8443/cb?x=1", OutboundPolicy())

    url, headers, extensions = asyncio.run(pin())
    assert url in ("https://127.0.0.1:8443/cb?x=1", "https://[::1]:8443/cb?x=1")
    assert headers == {"Host": "localhost:8443"} and extensions == {"sni_hostname": "localhost"}

    async def with_credentials() -> tuple[str, dict[str, str], dict[str, Any]]:
        return await pinned_target("http://user:pw@127.0.0.1/cb", OutboundPolicy())

    url, headers, extensions = asyncio.run(with_credentials())
    assert (url, headers, extensions) == ("http://user:pw@127.0.0.1/cb", {"Host": "127.0.0.1"}, {})
