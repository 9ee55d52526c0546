"""``parley run --enable-chat`` turns the chat page on in the gateway's environment."""
from __future__ import annotations

from engine.cli.main import build_parser
from engine.cli.run import gateway_environment


def test_enable_chat_flag_sets_the_gateway_variable(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PARLEY_ENABLE_CHAT", raising=False)
    args = build_parser().parse_args(["run", "--enable-chat"])
    assert gateway_environment(args, "unix:/tmp/x.sock")["PARLEY_ENABLE_CHAT"] == "true"
    plain = build_parser().parse_args(["run"])
    assert "PARLEY_ENABLE_CHAT" not in gateway_environment(plain, "unix:/tmp/x.sock")


def test_the_environment_variable_still_works_without_the_flag(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARLEY_ENABLE_CHAT", "true")
    args = build_parser().parse_args(["run"])
    assert gateway_environment(args, "unix:/tmp/x.sock")["PARLEY_ENABLE_CHAT"] == "true"
