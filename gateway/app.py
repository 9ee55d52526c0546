"""The gateway's composition root: every route, middleware and error handler.

Run with gunicorn::

    gunicorn -c gateway/gunicorn_conf.py 'gateway.app:get_app()'
"""
from __future__ import annotations

import os
from importlib import metadata
from typing import Any

import falcon
import falcon.asgi
import falcon.media
import grpc
import orjson

from gateway.auth import AuthMiddleware, AuthPolicy
from gateway.body import BodyLimitMiddleware, BodyReader
from gateway.channels.registry import create_channels
from gateway.engine_client import EngineClient
from gateway.errors import ErrorSerializer, handle_rpc_error, handle_unexpected
from gateway.resources.conversations import TrackerResource
from gateway.resources.model import ParseResource
from gateway.resources.status import RootResource, StatusResource, VersionResource
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
    settings: GatewaySettings, engine: EngineClient
) -> falcon.asgi.App[Any, Any]:
    """Build the gateway app.

    Args:
        settings: The gateway's settings.
        engine: The engine client every resource calls.

    Raises:
        ConfigError: A setting cannot be used (e.g. a JWT key that does not
            suit the JWT method).
    """
    version = parley_version()
    body = BodyReader(settings.max_body_bytes)

    middleware: list[Any] = [BodyLimitMiddleware(settings.max_body_bytes)]
    if settings.cors_origins:
        origins = "*" if settings.cors_origins == ("*",) else list(settings.cors_origins)
        middleware.append(
            falcon.CORSMiddleware(
                allow_origins=origins, expose_headers=["filename"], allow_credentials=origins
            )
        )
    middleware.append(
        AuthMiddleware(AuthPolicy(settings.auth_token, settings.jwt_secret, settings.jwt_method))
    )
    middleware.append(EngineLifespan(engine))

    app = falcon.asgi.App(middleware=middleware, router=GatewayRouter())

    json_handler = falcon.media.JSONHandler(dumps=orjson.dumps, loads=orjson.loads)
    app.req_options.media_handlers[falcon.MEDIA_JSON] = json_handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json_handler

    app.set_error_serializer(ErrorSerializer(version))
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(grpc.aio.AioRpcError, handle_rpc_error)

    app.add_route("/", RootResource(version))
    app.add_route("/version", VersionResource(engine))

    if settings.enable_api:
        app.add_route("/status", StatusResource(engine))
        app.add_route("/model/parse", ParseResource(engine, body))
        app.add_route("/conversations/{conversation_id}/tracker", TrackerResource(engine))

    for channel in create_channels(settings.credentials, engine, body):
        for path, resource in channel.mounted_routes():
            app.add_route(path, resource)

    return app


def get_app() -> falcon.asgi.App[Any, Any]:
    """Build the app from ``os.environ`` (gunicorn's entry point)."""
    settings = GatewaySettings.from_env(os.environ)
    return create_app(settings, EngineClient(settings.engine_address, settings.engine_timeout))
