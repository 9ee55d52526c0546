"""``GET /openapi.json``: the OpenAPI 3 document of the gateway's HTTP API.

The document is ``gateway/openapi.yml`` (Parley's own, describing every
route of a gateway with the API enabled and the ``rest``, ``callback`` and
``socketio`` channels). It is read once when the app is built; each app
serves the part of it that it routes, so a client or a fuzzer sees exactly
the operations that exist (no API routes without ``--enable-api``, no
channel webhooks that ``credentials.yml`` does not configure).
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
import falcon.inspect
import orjson
import yaml

from gateway.routing import GatewayRouter

DOCUMENT_PATH = Path(__file__).resolve().with_name("openapi.yml")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load_document(path: Path = DOCUMENT_PATH) -> dict[str, Any]:
    """Read the OpenAPI document.

    Raises:
        ValueError: The file is not a YAML mapping with ``paths``.
    """
    # The C loader when PyYAML has it: the document is large and is read by
    # every app the tests build.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError(f"{path} is not an OpenAPI document with 'paths'.")
    return document


def route_key(template: str) -> str:
    """Normalize a path template for comparison (the trailing slash is optional)."""
    return template.rstrip("/") or "/"


def app_operations(app: falcon.asgi.App[Any, Any]) -> set[tuple[str, str]]:
    """Return ``(normalized template, lower-case method)`` of every responder the app routes.

    Falcon's default responders (``OPTIONS`` and the 405 answers) are left
    out: they are not operations of the API.
    """
    router = app._router
    operations: set[tuple[str, str]] = set()
    for route in falcon.inspect.inspect_compiled_router(router):
        for method in route.methods:
            if not method.internal:
                operations.add((route_key(route.path), method.method.lower()))
    if isinstance(router, GatewayRouter):
        for template, resource, _ in router.path_routes():
            for method in HTTP_METHODS:
                if callable(getattr(resource, f"on_{method}", None)):
                    operations.add((route_key(template), method))
    return operations


def document_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """Return ``(normalized path, method)`` of every operation in ``document``."""
    return {
        (route_key(path), method)
        for path, item in document.get("paths", {}).items()
        for method in item
        if method in HTTP_METHODS
    }


def served_document(
    document: dict[str, Any], operations: set[tuple[str, str]], version: str
) -> dict[str, Any]:
    """Return ``document`` cut down to ``operations``, stamped with ``version``."""
    served = copy.deepcopy(document)
    served.setdefault("info", {})["version"] = version
    paths: dict[str, Any] = {}
    for path, item in served.get("paths", {}).items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in HTTP_METHODS or (route_key(path), key) in operations
        }
        if any(key in HTTP_METHODS for key in kept):
            paths[path] = kept
    served["paths"] = paths
    return served


class OpenApiResource:
    """``GET /openapi.json``: the document of what this app serves (public).

    Built on first request, when every route has been added.

    Args:
        app: The app whose routes are described.
        document: The full document (see :func:`load_document`).
        version: Parley's version, shown as ``info.version``.
    """

    public = True

    def __init__(
        self, app: falcon.asgi.App[Any, Any], document: dict[str, Any], version: str
    ) -> None:
        self.app = app
        self.document = document
        self.version = version
        self._body: bytes | None = None

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the document as JSON."""
        if self._body is None:
            served = served_document(self.document, app_operations(self.app), self.version)
            self._body = orjson.dumps(served)
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._body
