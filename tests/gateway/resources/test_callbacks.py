"""callback_url: background work whose outcome is POSTed, whatever it is."""
from __future__ import annotations

import asyncio

import orjson
import pytest

from gateway.errors import ApiError
from gateway.resources.callbacks import CallbackResult, CallbackRunner, callback_url
from tests.gateway.resources.conftest import Receiver


def run_to_callback(receiver: Receiver, work: object) -> tuple[dict[str, str], bytes]:
    async def main() -> None:
        runner = CallbackRunner("9.9.9", timeout=5)
        runner.start(receiver.url, work)  # type: ignore[arg-type]
        await runner.close()

    asyncio.run(main())
    [(_, headers, body)] = receiver.posts
    return headers, body


def test_the_result_is_posted_with_its_content_type(receiver: Receiver) -> None:
    async def work() -> CallbackResult:
        return CallbackResult(b'{"ok": true}', {"Content-Type": "application/json"})

    headers, body = run_to_callback(receiver, work)
    assert body == b'{"ok": true}' and headers["content-type"] == "application/json"


def test_a_streamed_result_is_posted_whole(receiver: Receiver) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for piece in (b"ab", b"cd", b"ef"):
            yield piece

    async def work() -> CallbackResult:
        return CallbackResult(chunks(), {"Content-Type": "application/x-tar", "filename": "m.tar.gz"})

    headers, body = run_to_callback(receiver, work)
    assert body == b"abcdef" and headers["filename"] == "m.tar.gz"


def test_an_api_error_is_posted_as_rasas_error_json(receiver: Receiver) -> None:
    async def work() -> CallbackResult:
        raise ApiError(400, "BadRequest", "bad data", details={"parameter": "body", "in": "body"})

    _, body = run_to_callback(receiver, work)
    assert orjson.loads(body) == {"version": "9.9.9", "status": "failure", "message": "bad data",
                                  "reason": "BadRequest", "details": {"parameter": "body", "in": "body"},
                                  "help": None, "code": 400}


def test_an_unforeseen_failure_is_an_unexpected_error(receiver: Receiver) -> None:
    async def work() -> CallbackResult:
        raise RuntimeError("disk on fire")

    _, body = run_to_callback(receiver, work)
    error = orjson.loads(body)
    assert (error["code"], error["reason"]) == (500, "UnexpectedError")
    assert "disk on fire" not in error["message"]


def test_an_unreachable_callback_is_only_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        runner = CallbackRunner("9.9.9", timeout=2)

        async def work() -> CallbackResult:
            return CallbackResult(b"x")

        runner.start("http://127.0.0.1:9/hook", work)
        await runner.close()

    asyncio.run(main())
    assert "callback" in caplog.text


@pytest.mark.parametrize(("value", "ok"), [
    (None, True), ("", True), ("http://h/x", True), ("https://h:8/x?y=1", True),
    ("ftp://h/x", False), ("/relative", False), ("http://", False),
])
def test_callback_urls_must_be_absolute_http(value: str | None, ok: bool) -> None:
    if ok:
        assert callback_url(value) == (value or None)
    else:
        with pytest.raises(ApiError):
            callback_url(value)
