"""A fired reminder's reply is pushed to the user's callback channel (engine -> gateway -> callback URL)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from tests.action_server.server import ActionServerProcess, start_action_server
from tests.conftest import shared_path
from tests.gateway.resources.conftest import Receiver
from tests.integration.conftest import train

pytestmark = pytest.mark.integration


@pytest.fixture
def action_server(tmp_path: Path) -> Iterator[ActionServerProcess]:
    server = start_action_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def callback_receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def received_texts(receiver: Receiver, recipient: str) -> list[str]:
    texts = []
    for _, _, body in list(receiver.posts):
        message = json.loads(body)
        if message.get("recipient_id") == recipient:
            texts.append(message.get("text"))
    return texts


def test_reminder_reply_reaches_the_callback_url(
    tmp_path: Path, run_parley, action_server: ActionServerProcess, callback_receiver: Receiver
) -> None:
    bot = shared_path("data", "bots", "reminderbot")
    archive = train(bot, tmp_path / "models")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"action_endpoint": {"url": action_server.url}}))
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(yaml.safe_dump({"rest": None, "callback": {"url": callback_receiver.url}}))
    # Two gateway workers both subscribe; the engine gives the push to one of them.
    server = run_parley("-m", str(archive), "--endpoints", str(endpoints), "--credentials", str(credentials),
                        "--workers", "2")

    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        reply = client.post("/webhooks/callback/webhook",
                            json={"sender": "caller", "message": '/ask_remind_call{"PERSON": "John"}'})
        assert reply.status_code == 200, reply.text

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "Remember to call John!" not in received_texts(callback_receiver, "caller"):
        time.sleep(0.2)
    texts = received_texts(callback_receiver, "caller")
    assert texts[0] == "I will remind you in 1 second(s)."
    # Sent once, even though every gateway worker subscribes to the engine's pushes.
    assert texts.count("Remember to call John!") == 1, texts
