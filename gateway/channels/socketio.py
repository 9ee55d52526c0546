"""The ``socketio`` channel (Rasa's SocketIOInput), built on python-socketio.

Protocol (what Rasa's webchat widgets speak):

- ``connect``: with ``jwt_key`` set the client must send ``auth={"token":
  "<jwt>"}`` (a ``Bearer`` prefix is allowed); otherwise the connection is
  refused.
- ``session_request`` ``{"session_id"?}``: answered with ``session_confirm``
  carrying the bare session id (a new one when none was given). With
  ``session_persistence`` the socket joins the room of that session id.
- ``user_message_evt`` ``{"message", "session_id"?, <metadata_key>?}``: the
  message goes to the engine for conversation ``session_id`` (with
  persistence; required then) or the socket id (without). Each bot message
  is emitted as ``bot_message_evt`` to the room of that conversation.

The Socket.IO server wraps the Falcon app (one ASGI app per worker serves
both). With a Redis URL configured, emits go through Redis pub/sub
(``AsyncRedisManager``), so a message reaches its client whatever worker
holds the socket, and ``output_channel=socketio`` works from any worker.
A socket's HTTP long-polling requests must all reach the worker that holds
it, which needs sticky sessions behind a load balancer; clients that use
the websocket transport directly (``transports: ["websocket"]``) need none.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Iterable, Mapping

import falcon.asgi
import grpc
import orjson
import socketio

from gateway.channels.base import InputChannel, OutputChannel
from gateway.channels.incoming import message_list
from gateway.channels.rest import HealthResource
from gateway.channels.socketio_messages import SocketIOConfig, socketio_payloads
from gateway.engine_client import EngineClient
from gateway.errors import ApiError
from protos import engine_pb2

logger = logging.getLogger(__name__)

CHANNEL_NAME = "socketio"


class SocketIOOutput(OutputChannel):
    """Emit bot messages to the room of a conversation.

    Args:
        server: The Socket.IO server.
        config: The channel settings (event name, namespace).
    """

    name = CHANNEL_NAME
    collects = False

    def __init__(self, server: socketio.AsyncServer, config: SocketIOConfig) -> None:
        self.server = server
        self.config = config

    async def send(self, recipient_id: str, messages: Iterable[Any]) -> None:
        """Emit every payload of every message to room ``recipient_id``, in order."""
        for message in messages:
            if not isinstance(message, Mapping):
                continue
            for payload in socketio_payloads(message):
                await self.server.emit(
                    self.config.bot_message_evt,
                    payload,
                    room=recipient_id,
                    namespace=self.config.namespace,
                )


class SocketIOChannel(InputChannel):
    """Socket.IO input and output, plus the health route ``/webhooks/socketio/``.

    Args:
        engine: The engine client.
        config: The channel settings.
        cors_origins: Allowed origins (``("*",)`` for any); empty means no
            origin check, as Rasa's channel does.
        max_message_bytes: Largest accepted Socket.IO message or HTTP payload.
    """

    name = CHANNEL_NAME

    def __init__(
        self,
        engine: EngineClient,
        config: SocketIOConfig,
        *,
        cors_origins: tuple[str, ...] = (),
        max_message_bytes: int = 1_000_000,
    ) -> None:
        self.engine = engine
        self.config = config
        manager = None
        if config.redis_url:
            manager = socketio.AsyncRedisManager(config.redis_url, channel=config.redis_channel)
        origins: str | list[str] = "*" if cors_origins == ("*",) else list(cors_origins)
        self.server = socketio.AsyncServer(
            async_mode="asgi",
            client_manager=manager,
            cors_allowed_origins=origins,
            max_http_buffer_size=max_message_bytes,
            logger=False,
            engineio_logger=False,
        )
        self._output = SocketIOOutput(self.server, config)
        namespace = config.namespace or "/"
        self.server.on("connect", self.on_connect, namespace=namespace)
        self.server.on("disconnect", self.on_disconnect, namespace=namespace)
        self.server.on("session_request", self.on_session_request, namespace=namespace)
        self.server.on(config.user_message_evt, self.on_user_message, namespace=namespace)

    def output(self) -> SocketIOOutput:
        """Return the output emitting to conversation rooms."""
        return self._output

    def routes(self) -> list[tuple[str, object]]:
        """Return the health route ``/``."""
        return [("/", HealthResource())]

    def wrap(self, app: falcon.asgi.App[Any, Any]) -> socketio.ASGIApp:
        """Return one ASGI app serving Socket.IO at its path and ``app`` elsewhere."""
        return socketio.ASGIApp(
            self.server, other_asgi_app=app, socketio_path=self.config.socketio_path.strip("/")
        )

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        """Accept a connection; with ``jwt_key`` only with a valid token."""
        if not self.config.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, Mapping) else None
        if not isinstance(token, str) or not token.strip():
            logger.info("socketio connection %s refused: no token in auth.", sid)
            return False
        return self._verify(token) is not None

    def _verify(self, token: str) -> dict[str, Any] | None:
        token = token.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        import jwt  # only where socket.io JWTs are in use: it loads cryptography

        try:
            payload = jwt.decode(
                token, self.config.jwt_key, algorithms=[self.config.jwt_method]
            )
        except jwt.InvalidSignatureError:
            logger.error("JWT public key invalid.")
            return None
        except (jwt.PyJWTError, ValueError, TypeError) as ex:
            logger.error("Failed to decode bearer token: %s", ex)
            return None
        return payload if isinstance(payload, dict) else None

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Note the disconnection."""
        logger.debug("socketio client %s disconnected (%s)", sid, reason)

    async def on_session_request(self, sid: str, data: Any = None) -> None:
        """Confirm the session id (a new one when none is given)."""
        session_id = data.get("session_id") if isinstance(data, Mapping) else None
        session_id = uuid.uuid4().hex if session_id is None or session_id == "" else str(session_id)
        if self.config.session_persistence:
            await self.server.enter_room(sid, session_id, namespace=self.config.namespace)
        await self.server.emit(
            "session_confirm", session_id, room=sid, namespace=self.config.namespace
        )

    async def on_user_message(self, sid: str, data: Any = None) -> None:
        """Hand a user message to the engine and emit the bot's replies."""
        if not isinstance(data, Mapping):
            logger.warning("socketio: ignoring a user message that is not an object.")
            return
        if self.config.session_persistence:
            session_id = data.get("session_id")
            if session_id is None or session_id == "":
                logger.warning(
                    "socketio: a user message without 'session_id' was ignored "
                    "(session_persistence is on)."
                )
                return
            sender = str(session_id)
        else:
            sender = sid
        text = data.get("message")
        if not isinstance(text, str):
            logger.warning("socketio: ignoring a user message without a text 'message'.")
            return
        request = engine_pb2.HandleMessageRequest(
            conversation_id=sender,
            text=text.strip(),
            input_channel=CHANNEL_NAME,
            metadata_json=_metadata(data.get(self.config.metadata_key)),
            output_channel=CHANNEL_NAME,
        )
        try:
            reply = await self.engine.handle_message(request)
        except grpc.aio.AioRpcError as ex:
            logger.error("socketio: the engine failed on a message of %s: %s", sender, ex.code())
            return
        except ApiError as ex:
            logger.error("socketio: a message of %s failed: %s", sender, ex.message)
            return
        try:
            await self._output.send(sender, message_list(reply.messages_json))
        except Exception:  # e.g. Redis gone: the turn is stored, only delivery failed
            logger.exception("socketio: sending the replies to %s failed", sender)


def _metadata(value: Any) -> bytes:
    # Widgets send metadata as an object or as a JSON string.
    if isinstance(value, (str, bytes)) and value:
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            logger.warning("socketio: ignoring metadata that is not JSON.")
            return b""
    if isinstance(value, Mapping) and value:
        return orjson.dumps(dict(value))
    return b""
