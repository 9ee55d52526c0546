"""``parley shell``: numbered buttons, images as links, /restart, --debug, shell nlu."""
from __future__ import annotations

import subprocess
import sys

import pytest

from engine.cli.shell import ShellSession, chat, chat_nlu, render_message
from engine.errors import Conflict
from tests.conftest import REPO
from tests.engine.evaluation.trained import CHATBOT, loaded, trained_archive


def _script(*lines: str):  # type: ignore[no-untyped-def]
    queue = list(lines)

    def read(prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read


def _chat(*lines: str, debug: bool = False) -> list[str]:
    out: list[str] = []
    assert chat(ShellSession(loaded(CHATBOT)), _script(*lines), out.append, debug=debug) == 0
    return out


def test_buttons_are_numbered_and_a_number_presses_one() -> None:
    out = _chat("hello", "1")
    assert "Hi! How do you feel today?" in out
    assert "  1: Good (/feel_good)" in out and "  2: Not so good (/feel_bad)" in out
    assert "Glad to hear it! Here is a sunny picture." in out
    assert any(line.startswith("Image: data:image/svg+xml") for line in out)


def test_a_number_without_buttons_is_just_text() -> None:
    session = ShellSession(loaded(CHATBOT))
    session.send("I feel bad")
    assert session.buttons == []
    session.send("2")
    assert session.tracker.latest_message.text == "2"


def test_restart_starts_over_and_stop_ends() -> None:
    session = ShellSession(loaded(CHATBOT))
    out: list[str] = []
    chat(session, _script("hello", "/restart", "/stop", "never read"), out.append)
    names = [e.type_name for e in session.tracker.events]
    assert "restart" in names
    assert session.tracker.latest_message.is_empty()  # the conversation starts over
    assert "never read" not in [getattr(e, "text", None) for e in session.tracker.events]


def test_debug_shows_parse_and_policy_scores() -> None:
    out = _chat("hello", debug=True)
    assert any(line.startswith("  parse: intent greet (") for line in out)
    action = next(line for line in out if "action utter_greet <-" in line)
    assert "RulePolicy" in action and "scores: utter_greet 1.00" in action


def test_render_message_shows_links_and_custom_payloads() -> None:
    lines = render_message({"text": "two\nlines", "attachment": "https://x/y.pdf", "custom": {"a": 1}})
    assert lines == ["two", "lines", "Attachment: https://x/y.pdf", 'Custom: {"a": 1}']


def test_nlu_shell_prints_parse_json() -> None:
    out: list[str] = []
    assert chat_nlu(loaded(CHATBOT), _script("hello", "/stop"), out.append) == 0
    assert '"name": "greet"' in out[1]


def test_an_nlu_only_model_has_no_dialogue() -> None:
    with pytest.raises(Conflict):
        ShellSession(loaded(CHATBOT, "nlu"))


def test_the_command_chats_over_stdin() -> None:
    archive = trained_archive(CHATBOT)
    result = subprocess.run([sys.executable, "-m", "engine.cli.main", "shell", "-m", str(archive)],
                            input="hello\n2\n/stop\n", capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Sorry to hear that." in result.stdout and "1: Good (/feel_good)" in result.stdout
