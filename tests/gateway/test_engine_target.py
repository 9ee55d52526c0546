"""ENGINE_ADDRESS with several engines: round-robin, a dead engine fails fast, the rest carry on."""
from __future__ import annotations

import asyncio

import grpc
import pytest

from gateway.engine_client import EngineClient
from gateway.engine_target import EngineAddressError, engine_target
from tests.gateway.fake_engine import FakeEngineServer


def test_one_address_is_used_as_it_is() -> None:
    assert engine_target("127.0.0.1:50051")[0] == "127.0.0.1:50051"
    assert engine_target("unix:/tmp/engine.sock")[0] == "unix:/tmp/engine.sock"


def test_a_list_becomes_one_round_robin_target() -> None:
    target, options = engine_target("127.0.0.1:5001, localhost:5002")
    assert target == "ipv4:127.0.0.1:5001,127.0.0.1:5002"
    assert ("grpc.lb_policy_name", "round_robin") in options
    assert engine_target("[::1]:5001,[::1]:5002")[0] == "ipv6:[::1]:5001,[::1]:5002"


def test_a_dns_name_is_balanced_over_its_records() -> None:
    target, options = engine_target("dns:///engines.internal:50051")
    assert target == "dns:///engines.internal:50051" and ("grpc.lb_policy_name", "round_robin") in options


@pytest.mark.parametrize("address", ["", "a:1,unix:/x", "127.0.0.1,127.0.0.1:2", "127.0.0.1:1,[::1]:2"])
def test_unusable_addresses_are_clear_errors(address: str) -> None:
    with pytest.raises(EngineAddressError, match="ENGINE_ADDRESS"):
        engine_target(address)


def test_calls_spread_over_engines_and_avoid_a_dead_one() -> None:
    first, second = FakeEngineServer(), FakeEngineServer()
    first.start()
    second.start()
    client = EngineClient(f"{first.address},{second.address}", 5)

    async def scenario() -> tuple[int, int, list[str]]:
        for _ in range(20):
            await client.get_version()
        spread = (len(first.engine.requests), len(second.engine.requests))
        first.stop()
        outcomes = []
        for _ in range(20):
            try:
                await client.get_version()
                outcomes.append("ok")
            except grpc.aio.AioRpcError as ex:
                outcomes.append(ex.code().name)
        await client.close()
        return spread[0], spread[1], outcomes

    try:
        on_first, on_second, outcomes = asyncio.run(scenario())
    finally:
        second.stop()
    assert on_first > 0 and on_second > 0
    # At most the calls racing the shutdown fail, as UNAVAILABLE (503), never by waiting out their
    # deadline (DEADLINE_EXCEEDED); then every call goes to the live engine.
    assert set(outcomes) <= {"ok", "UNAVAILABLE"} and outcomes[-10:] == ["ok"] * 10
