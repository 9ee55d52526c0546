"""``GET /domain``: the loaded model's domain as JSON or YAML."""
from __future__ import annotations

import falcon
import falcon.asgi

from gateway.engine_client import EngineClient
from gateway.errors import ApiError
from protos import engine_pb2

YAML_CONTENT_TYPE = "application/x-yaml"
NOT_ACCEPTABLE_MESSAGE = (
    'Invalid Accept header. The domain is served as JSON ("Accept: application/json") '
    'or as YAML ("Accept: application/x-yaml").'
)


def domain_format(accept: str | None) -> engine_pb2.DomainFormat | None:
    """Choose the format from ``Accept`` as Rasa does; None when neither fits.

    No header means JSON; a media type ending in ``json`` means JSON, one
    ending in ``yml``/``yaml`` means YAML; anything else, ``*/*`` included,
    fits neither. Of a list of types the first that fits wins.
    """
    if accept is None or not accept.strip():
        return engine_pb2.DOMAIN_FORMAT_JSON
    for part in accept.split(","):
        kind = part.split(";", 1)[0].strip().lower()
        if kind.endswith("json"):
            return engine_pb2.DOMAIN_FORMAT_JSON
        if kind.endswith(("yml", "yaml")):
            return engine_pb2.DOMAIN_FORMAT_YAML
    return None


class DomainResource:
    """``GET /domain``: JSON by default, YAML for a YAML ``Accept``, else 406.

    Args:
        engine: The engine client.
    """

    def __init__(self, engine: EngineClient) -> None:
        self.engine = engine

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the domain in the accepted format."""
        chosen = domain_format(req.get_header("Accept"))
        # The engine is asked even for an unacceptable type: without a model
        # Rasa answers 409 before it looks at the header.
        reply = await self.engine.call(
            "GetDomain", engine_pb2.GetDomainRequest(format=chosen or engine_pb2.DOMAIN_FORMAT_JSON)
        )
        if chosen is None:
            raise ApiError(406, "NotAcceptable", NOT_ACCEPTABLE_MESSAGE)
        resp.content_type = YAML_CONTENT_TYPE if chosen == engine_pb2.DOMAIN_FORMAT_YAML else falcon.MEDIA_JSON
        resp.data = reply.domain
