"""``callback_url``: answer 204 at once, do the work, POST the result.

``/model/train`` and ``/model/test/intents`` take a ``callback_url``. The
work runs as a task of the worker's event loop; its response body (model
bytes or report JSON, with their content type) is POSTed to the URL, or
Rasa's error JSON when the work fails (unforeseen failures as 500
``UnexpectedError``). A POST that fails is only logged.

The URL must pass the outbound policy (``PARLEY_OUTBOUND_ALLOW``, see
:mod:`outbound`): a refused host is a 400 before any work starts, and the
POST goes to the address that was checked, without following redirects.
"""
from __future__ import annotations

import asyncio
import logging
import urllib.parse
from dataclasses import dataclass, field
from typing import AsyncIterator, Awaitable, Callable

import grpc

from gateway.errors import ApiError, bad_request, error_body, from_rpc_error
from outbound import OutboundPolicy, OutboundRefused
from outbound.clients import pinned_target

logger = logging.getLogger(__name__)

CALLBACK_TIMEOUT = 300.0


@dataclass
class CallbackResult:
    """What to POST: the body (bytes or an async byte stream) and its headers."""

    content: bytes | AsyncIterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)


Work = Callable[[], Awaitable[CallbackResult]]


def callback_url(value: str | None) -> str | None:
    """Return the ``callback_url`` query value, checked to be an http(s) URL.

    Raises:
        ApiError: 400 for a value that is not an absolute http(s) URL.
    """
    if value is None or value == "":
        return None
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise bad_request("'callback_url' must be an absolute http(s) URL.", "callback_url", "query")
    return value


class CallbackRunner:
    """Runs work in the background and POSTs its outcome to a callback URL.

    Args:
        version: ``version`` of the error JSON.
        timeout: Seconds each callback POST may take.
        policy: Which hosts callbacks may go to.
    """

    def __init__(
        self, version: str, timeout: float = CALLBACK_TIMEOUT, policy: OutboundPolicy | None = None
    ) -> None:
        self.version = version
        self.timeout = timeout
        self.policy = policy or OutboundPolicy()
        self._tasks: set[asyncio.Task[None]] = set()

    async def checked_url(self, value: str | None) -> str | None:
        """Return the ``callback_url`` query value if it is a URL callbacks may go to.

        Raises:
            ApiError: 400 for a value that is not an absolute http(s) URL
                or whose host the outbound policy refuses.
        """
        url = callback_url(value)
        if url is not None:
            try:
                await self.policy.check_url_async(url)
            except OutboundRefused as ex:
                raise bad_request(f"'callback_url' is not allowed: {ex}.", "callback_url", "query") from None
        return url

    def start(self, url: str, work: Work) -> None:
        """Start ``work``; its outcome goes to ``url``."""
        task = asyncio.get_running_loop().create_task(self._run(url, work))
        # Keep a reference: the loop holds tasks only weakly.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, url: str, work: Work) -> None:
        try:
            result = await work()
        except Exception as ex:  # every failure is reported to the callback
            result = self._failure(ex)
        await self._post(url, result)

    def _failure(self, ex: Exception) -> CallbackResult:
        if isinstance(ex, grpc.aio.AioRpcError):
            ex = from_rpc_error(ex)
        if isinstance(ex, ApiError):
            code, reason, message, details, help = ex.status_code, ex.reason, ex.message, ex.details, ex.help
        else:
            logger.error("background work for a callback failed", exc_info=ex)
            code, reason, message, details, help = (
                500, "UnexpectedError", "An unexpected error occurred.", {}, None
            )
        body = error_body(self.version, code, reason, message, details, help)
        return CallbackResult(body, {"Content-Type": "application/json"})

    async def _post(self, url: str, result: CallbackResult) -> None:
        import httpx

        try:
            # Resolved and checked again here: the POST goes to the checked address.
            target, headers, extensions = await pinned_target(url, self.policy)
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False) as client:
                reply = await client.post(
                    target, content=result.content, headers={**result.headers, **headers}, extensions=extensions
                )
            if reply.status_code >= 400:
                logger.warning("callback %s answered HTTP %d", url, reply.status_code)
        except OutboundRefused as ex:
            logger.warning("not posting the result to callback %s: %s", url, ex)
        except httpx.HTTPError as ex:
            logger.warning("posting the result to callback %s failed: %s", url, ex)

    async def close(self) -> None:
        """Wait for running callbacks (used at shutdown and in tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

