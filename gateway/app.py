"""The gateway's composition root: every route, middleware and error handler.

Run with gunicorn::

    gunicorn -c gateway/gunicorn_conf.py 'gateway.app:get_app()'
"""
from __future__ import annotations

import os
from importlib import metadata
from typing import Any, Sequence

import falcon
import falcon.asgi
import falcon.media
import grpc
import orjson

from gateway.auth import AuthMiddleware, AuthPolicy
from gateway.body import BodyLimitMiddleware, BodyReader, limited_request_type
from gateway.channels.base import InputChannel
from gateway.channels.output import ChannelsLifespan, OutputChannels
from gateway.channels.pushed import PushedMessagesListener
from gateway.channels.registry import create_channels
from gateway.cors import CorsMiddleware
from gateway.engine_client import EngineClient
from gateway.engine_target import engine_target
from gateway.errors import ErrorSerializer, handle_rpc_error, handle_unexpected
from gateway.metrics import MetricsResource
from gateway.observability import Observability
from gateway.openapi import OpenApiResource, load_document
from gateway.resources.routes import add_api_routes
from gateway.resources.status import RootResource, VersionResource
from gateway.routing import GatewayRouter
from gateway.settings import GatewaySettings


def parley_version() -> str:
    """Return the installed Parley version."""
    try:
        return metadata.version("parley")
    except metadata.PackageNotFoundError:  # running from a bare source tree
        return "0.0.0+source"


class EngineLifespan:
    """Close the engine channel when the ASGI server shuts the app down.

    Args:
        engine: The engine client to close.
    """

    def __init__(self, engine: EngineClient) -> None:
        self.engine = engine

    async def process_shutdown(self, scope: dict[str, object], event: dict[str, object]) -> None:
        """Close the gRPC channel."""
        await self.engine.close()


def create_app(
    settings: GatewaySettings,
    engine: EngineClient,
    channels: Sequence[InputChannel] | None = None,
    observability: Observability | None = None,
) -> falcon.asgi.App[Any, Any]:
    """Build the gateway app.

    Args:
        settings: The gateway's settings.
        engine: The engine client every resource calls.
        channels: The input channels to mount; by default those of
            ``settings.credentials`` (see :func:`build_channels`).
        observability: Metrics and access log; by default metrics of this
            process and no access log.

    Raises:
        ConfigError: A setting cannot be used (e.g. a JWT key that does not
            suit the JWT method).
    """
    version = parley_version()
    body = BodyReader(settings.max_body_bytes)
    if channels is None:
        channels = build_channels(settings, engine)
    # Delivers bot messages to the output channel a request names (output_channel=...).
    outputs = OutputChannels(channels)

    observability = observability or Observability.default()
    middleware: list[Any] = [*observability.middleware(), BodyLimitMiddleware(settings.max_body_bytes)]
    if settings.cors_origins:
        middleware.append(CorsMiddleware(settings.cors_origins))
    middleware.append(
        AuthMiddleware(AuthPolicy(settings.auth_token, settings.jwt_secret, settings.jwt_method))
    )
    middleware.append(EngineLifespan(engine))
    middleware.append(ChannelsLifespan(outputs))
    # Fired reminders' replies, pushed by the engine, go out through ``outputs``.
    middleware.append(PushedMessagesListener(engine, outputs))

    app = falcon.asgi.App(
        middleware=middleware,
        router=GatewayRouter(),
        request_type=limited_request_type(settings.max_body_bytes),
    )

    json_handler = falcon.media.JSONHandler(dumps=orjson.dumps, loads=orjson.loads)
    app.req_options.media_handlers[falcon.MEDIA_JSON] = json_handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json_handler

    app.set_error_serializer(ErrorSerializer(version))
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(grpc.aio.AioRpcError, handle_rpc_error)

    app.add_route("/", RootResource(version))
    app.add_route("/version", VersionResource(engine))
    if observability.metrics is not None:
        app.add_route("/metrics", MetricsResource(observability.metrics))

    if settings.enable_api:
        add_api_routes(app, engine, body, outputs, version, outbound=settings.outbound)

    if settings.enable_chat:
        from gateway.chat import ChatPageResource

        app.add_route("/chat", ChatPageResource(api_enabled=settings.enable_api))

    for channel in channels:
        for path, resource in channel.mounted_routes():
            app.add_route(path, resource)

    app.add_route("/openapi.json", OpenApiResource(app, load_document(), version))

    return app


def build_channels(settings: GatewaySettings, engine: EngineClient) -> list[InputChannel]:
    """Build the input channels ``settings.credentials`` names."""
    return create_channels(
        settings.credentials,
        engine,
        BodyReader(settings.max_body_bytes),
        cors_origins=settings.cors_origins,
        redis_url=settings.redis_url,
    )


def create_asgi_app(
    settings: GatewaySettings, engine: EngineClient, observability: Observability | None = None
) -> Any:
    """Build the whole ASGI app: the gateway, inside the socket.io server if configured."""
    channels = build_channels(settings, engine)
    app: Any = create_app(settings, engine, channels, observability)
    for channel in channels:
        app = channel.wrap(app)
    return app


def get_app() -> Any:
    """Build the ASGI app from ``os.environ`` (gunicorn's entry point)."""
    settings = GatewaySettings.from_env(os.environ)
    engine_target(settings.engine_address)  # a bad ENGINE_ADDRESS stops the worker at boot
    engine = EngineClient(
        settings.engine_address, settings.engine_timeout,
        secret=settings.engine_secret, ca_file=settings.engine_ca,
    )
    return create_asgi_app(settings, engine, Observability.from_env(os.environ))
