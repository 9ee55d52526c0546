"""The gateway's one gRPC client of the engine (grpc.aio)."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import grpc

from gateway.engine_target import engine_target
from protos import engine_pb2, engine_pb2_grpc

SECRET_METADATA_KEY = "parley-engine-secret"
"""Metadata key of the shared secret (the engine's interceptor checks it)."""

# PERF: trackers and model archives can exceed gRPC's 4 MiB default receive
#   limit; the engine decides what it sends, the gateway only relays it.
_MAX_RECEIVE_BYTES = 512 * 1024 * 1024


class EngineClient:
    """Calls the engine over one grpc.aio channel, each call with a deadline.

    The channel is opened lazily on first use inside the running event loop:
    gunicorn forks workers after the app is built, and gRPC objects must be
    created after a fork. When the running loop changes (tests run each
    request in a loop of their own), a fresh channel is opened for it.

    Args:
        address: gRPC target, ``host:port`` or ``unix:/path``.
        timeout: Deadline of every call, in seconds.
        secret: Shared secret sent with every call (``PARLEY_ENGINE_SECRET``).
        ca_file: CA certificate (PEM) to reach the engine over TLS; None for
            a plain channel.
    """

    def __init__(
        self, address: str, timeout: float, *, secret: str | None = None, ca_file: str | None = None
    ) -> None:
        self.address = address
        self.timeout = timeout
        self._metadata = ((SECRET_METADATA_KEY, secret),) if secret else None
        # Read at construction: a missing CA file stops the worker at boot.
        self._credentials = grpc.ssl_channel_credentials(Path(ca_file).read_bytes()) if ca_file else None
        self._channel: grpc.aio.Channel | None = None
        self._stub: engine_pb2_grpc.EngineStub | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _engine(self) -> engine_pb2_grpc.EngineStub:
        loop = asyncio.get_running_loop()
        if self._stub is None or self._loop is not loop:
            # NOTE: a channel of another (possibly closed) loop cannot be
            #   closed from this one; dropping it lets gRPC reclaim it.
            target, target_options = engine_target(self.address)
            options = (
                ("grpc.max_receive_message_length", _MAX_RECEIVE_BYTES),
                ("grpc.max_send_message_length", -1),
                *target_options,
            )
            if self._credentials is not None:
                self._channel = grpc.aio.secure_channel(target, self._credentials, options=options)
            else:
                self._channel = grpc.aio.insecure_channel(target, options=options)
            stub = engine_pb2_grpc.EngineStub(self._channel)  # type: ignore[no-untyped-call]
            self._stub = stub
            self._loop = loop
        return self._stub

    async def _call(self, rpc: str, request: Any) -> Any:
        method = getattr(self._engine(), rpc)
        return await method(request, timeout=self.timeout, metadata=self._metadata)

    async def get_version(self) -> engine_pb2.GetVersionResponse:
        """Return the engine's version."""
        request = engine_pb2.GetVersionRequest()
        response: engine_pb2.GetVersionResponse = await self._call("GetVersion", request)
        return response

    async def get_status(self) -> engine_pb2.GetStatusResponse:
        """Return the loaded model and the running training jobs."""
        request = engine_pb2.GetStatusRequest()
        response: engine_pb2.GetStatusResponse = await self._call("GetStatus", request)
        return response

    async def parse(self, request: engine_pb2.ParseRequest) -> engine_pb2.ParseResponse:
        """Parse a text with the loaded model."""
        response: engine_pb2.ParseResponse = await self._call("Parse", request)
        return response

    async def handle_message(
        self, request: engine_pb2.HandleMessageRequest
    ) -> engine_pb2.HandleMessageResponse:
        """Handle one user message and return the bot's messages."""
        response: engine_pb2.HandleMessageResponse = await self._call("HandleMessage", request)
        return response

    async def get_tracker(
        self, request: engine_pb2.GetTrackerRequest
    ) -> engine_pb2.GetTrackerResponse:
        """Return a conversation's tracker."""
        response: engine_pb2.GetTrackerResponse = await self._call("GetTracker", request)
        return response

    async def call(self, rpc: str, request: Any, *, timeout: float | None = None) -> Any:
        """Call the unary RPC named ``rpc`` (e.g. ``"AppendEvents"``).

        Args:
            rpc: Method name of the Engine service.
            request: Its request message.
            timeout: Deadline in seconds; the client's default when None
                (long-running calls such as training pass a longer one).
        """
        method = getattr(self._engine(), rpc)
        return await method(
            request, timeout=self.timeout if timeout is None else timeout, metadata=self._metadata
        )

    def stream(self, rpc: str, request: Any, *, timeout: float | None = None) -> Any:
        """Start the server-streaming RPC named ``rpc``; iterate the result with ``async for``."""
        method = getattr(self._engine(), rpc)
        return method(request, timeout=self.timeout if timeout is None else timeout, metadata=self._metadata)

    async def close(self) -> None:
        """Close the channel, if one is open in the running loop."""
        channel, loop = self._channel, self._loop
        self._channel = self._stub = self._loop = None
        if channel is not None and loop is asyncio.get_running_loop():
            await channel.close()
