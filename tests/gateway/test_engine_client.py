"""EngineClient: lazy channel per event loop, deadlines, close."""
from __future__ import annotations

import asyncio

import grpc
import pytest

from gateway.engine_client import EngineClient
from tests.gateway.fake_engine import FakeEngine, FakeEngineServer


def test_construction_needs_no_event_loop(engine_server: FakeEngineServer) -> None:
    client = EngineClient(engine_server.address, 5)
    assert client.address == engine_server.address


def test_calls_work_across_successive_event_loops(
    engine_server: FakeEngineServer, fake: FakeEngine
) -> None:
    client = EngineClient(engine_server.address, 5)
    first = asyncio.run(client.get_version())
    second = asyncio.run(client.get_version())  # a new loop: the channel is reopened
    assert first.version == second.version == "9.9.9"


def test_close_then_reuse(engine_server: FakeEngineServer, fake: FakeEngine) -> None:
    client = EngineClient(engine_server.address, 5)

    async def scenario() -> str:
        await client.get_status()
        await client.close()
        return (await client.get_status()).model_id

    assert asyncio.run(scenario()) == "abc123"


def test_every_call_has_a_deadline(engine_server: FakeEngineServer, fake: FakeEngine) -> None:
    fake.delay = 1.0
    client = EngineClient(engine_server.address, 0.2)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        asyncio.run(client.get_version())
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
