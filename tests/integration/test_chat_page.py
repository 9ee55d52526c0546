"""The chat page in a real browser: headless Chromium against a real ``parley run``."""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Iterator

import pytest

from bench.harness import RunningParley, start_parley
from tests.conftest import FIXTURES, free_port, in_ci
from tests.engine.evaluation.trained import trained_archive
from tests.integration.cdp import Browser, Page, find_chromium

pytestmark = pytest.mark.integration

CHATBOT = FIXTURES / "bots" / "chatbot"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chromium() -> str:
    executable = find_chromium()
    if executable is None:
        message = "chromium is not installed (apt-get install -y chromium); the chat page browser test needs it"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return executable


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningParley]:
    """``parley run --enable-api --enable-chat`` serving the chatbot (one per module)."""
    _chromium()
    workdir = tmp_path_factory.mktemp("chat")
    model = trained_archive(CHATBOT)
    server = start_parley(["-m", str(model), "--enable-api", "--enable-chat"], cwd=workdir,
                          log_path=workdir / "parley.log")
    yield server
    server.stop()


@pytest.fixture
def chat_page(chat_server: RunningParley, tmp_path: Path) -> Iterator[Page]:
    """A fresh browser (so a fresh conversation) showing /chat."""
    browser = Browser(_chromium(), tmp_path / "profile", free_port(), f"{chat_server.base_url}/chat")
    try:
        page = browser.page()
        page.call("Page.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1200, height=800, deviceScaleFactor=1, mobile=False)
        page.wait_for("document.readyState === 'complete' && !!document.getElementById('composer')")
        yield page
    finally:
        browser.close()


def _type_and_send(page: Page, text: str) -> None:
    page.evaluate(
        f"document.getElementById('text').value = {json.dumps(text)};"
        "document.getElementById('composer').requestSubmit(); true"
    )


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_clicking_a_button_shows_the_bots_answer(chat_page: Page, tmp_path: Path) -> None:
    _type_and_send(chat_page, "hello")
    titles = chat_page.wait_for(
        "Array.from(document.querySelectorAll('.msg.bot .buttons button')).map(b => b.textContent)"
    )
    assert titles == ["Good", "Not so good"]
    assert "How do you feel" in chat_page.evaluate("document.querySelector('.msg.bot').textContent")

    chat_page.evaluate("document.querySelector('.msg.bot .buttons button').click(); true")
    answer = chat_page.wait_for(
        "Array.from(document.querySelectorAll('.msg.bot')).map(m => m.textContent).find(t => t.includes('Glad'))"
    )
    assert answer.startswith("Glad to hear it!")
    # The button title is shown as the user's message, the answer's image is rendered.
    assert chat_page.evaluate("Array.from(document.querySelectorAll('.msg.user')).map(m => m.textContent)") == [
        "hello", "Good"]
    assert chat_page.wait_for("document.querySelectorAll('.msg.bot img').length") == 1
    # The buttons of an answered question cannot be pressed twice.
    assert chat_page.evaluate("document.querySelector('.msg.bot .buttons button').disabled") is True

    chat_page.evaluate("document.getElementById('debug-toggle').click(); true")
    parse = chat_page.wait_for("(document.getElementById('parse').textContent.includes('feel_good')) && "
                               "document.getElementById('parse').textContent")
    assert json.loads(parse)["intent"]["name"] == "feel_good"
    tracker = json.loads(chat_page.evaluate("document.getElementById('tracker').textContent"))
    assert [e["name"] for e in tracker["events"] if e["event"] == "action"][-2:] == ["utter_glad", "action_listen"]

    shot = chat_page.screenshot()
    width, height = _png_size(shot)
    assert (width, height) == (1200, 800)
    # A blank or error page compresses to a few KB; the chat with text, buttons and JSON does not.
    assert len(shot) > 20_000
    (tmp_path / "chat.png").write_bytes(shot)
    if os.environ.get("PARLEY_SAVE_SCREENSHOT"):  # how docs/chat-page.png is made
        Path(os.environ["PARLEY_SAVE_SCREENSHOT"]).write_bytes(shot)


def test_typed_messages_and_restart(chat_page: Page) -> None:
    _type_and_send(chat_page, "I feel bad")
    chat_page.wait_for("Array.from(document.querySelectorAll('.msg.bot')).some(m => m.textContent.includes('Sorry'))")
    chat_page.evaluate("document.getElementById('restart').click(); true")
    chat_page.wait_for("Array.from(document.querySelectorAll('.msg.user')).some(m => m.textContent === '/restart')")
    assert chat_page.evaluate("document.querySelectorAll('.msg.error').length") == 0
