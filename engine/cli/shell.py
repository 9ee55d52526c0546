"""``parley shell``: chat with a model in the terminal, in-process (no server).

Bot buttons are shown as numbered choices (type the number to press one),
images and attachments as links, custom payloads as JSON. ``/restart``
starts over (the model's restart intent), ``/stop`` or Ctrl+D leaves. With
a terminal, arrow keys recall earlier inputs (readline). ``--debug`` prints
each turn's parse result and, for every action, the winning policy and the
best-scored actions. ``parley shell nlu`` only parses.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from engine.cli.main import configure_logging

if TYPE_CHECKING:
    from engine.conversation.tracker import DialogueStateTracker
    from engine.models.loader import Model
    from engine.processor import MessageProcessor

STOP_COMMANDS = ("/stop", "/exit", "/quit")
RULE_SNIPPET_ACTION = "..."
PROMPT = "Your input -> "
HISTORY_FILE = ".parley_shell_history"
TOP_SCORES = 3
Output = Callable[[str], None]


class ShellSession:
    """One conversation with a model, held in memory.

    Args:
        model: The loaded model (must have dialogue policies).
        processor: Runs turns; built from the model when not given.
        conversation_id: The conversation's id.
    """

    def __init__(self, model: Model, processor: MessageProcessor | None = None,
                 conversation_id: str | None = None) -> None:
        from engine.conversation.tracker import DialogueStateTracker
        from engine.errors import Conflict

        if model.policies is None:
            raise Conflict("This model has no dialogue policies (NLU-only model): use 'parley shell nlu'.")
        self.model = model
        self.processor = processor or build_processor(model, {})
        self.tracker: DialogueStateTracker = DialogueStateTracker(conversation_id or uuid.uuid4().hex,
                                                                  model.domain.slots)
        self.buttons: list[dict[str, Any]] = []

    def send(self, text: str) -> tuple[list[dict[str, Any]], int]:
        """Process one user input; return the bot messages and where this turn's events start.

        A bare number picks the matching button of the last bot message.
        """
        choice = text.strip()
        if choice.isdigit() and self.buttons and 1 <= int(choice) <= len(self.buttons):
            text = str(self.buttons[int(choice) - 1].get("payload") or self.buttons[int(choice) - 1].get("title"))
        start = len(self.tracker.events)
        messages = self.processor.handle_message(self.tracker, text, input_channel="cmdline")
        offered = [m for m in messages if m.get("buttons")]
        self.buttons = list(offered[-1]["buttons"]) if offered else []
        return messages, start

    def turn_debug(self, start: int) -> list[str]:
        """Describe the parse and every prediction of the turn whose events start at ``start``."""
        from engine.conversation.events import ActionExecuted, UserUttered
        from engine.conversation.tracker import DialogueStateTracker

        lines: list[str] = []
        events = self.tracker.events
        for index in range(start, len(events)):
            event = events[index]
            if isinstance(event, UserUttered):
                lines += describe_parse(event.parse_data or {})
            elif isinstance(event, ActionExecuted) and event.policy:
                before = DialogueStateTracker.from_events(self.tracker.sender_id, events[:index], self.model.domain.slots)
                scores = _prediction_scores(self.processor, before)
                shown = ", ".join(f"{s['action']} {s['score']:.2f}" for s in scores[:TOP_SCORES])
                lines.append(f"  action {event.action_name} <- {event.policy} ({(event.confidence or 0):.2f})"
                             + (f"   scores: {shown}" if shown else ""))
        return lines


def _prediction_scores(processor: MessageProcessor, tracker: DialogueStateTracker) -> list[dict[str, Any]]:
    try:
        scores = processor.predict_next(tracker).scores
    except Exception:  # noqa: BLE001 - debug output must never end the chat
        return []
    return [s for s in scores if s["score"] > 0 and s["action"] != RULE_SNIPPET_ACTION]


def describe_parse(parse: dict[str, Any]) -> list[str]:
    """Lines showing the intent, confidence, entities and runner-up intents of a parse."""
    intent = parse.get("intent") or {}
    lines = [f"  parse: intent {intent.get('name')} ({float(intent.get('confidence') or 0):.2f})"]
    for entity in parse.get("entities") or []:
        lines.append(f"  entity {entity.get('entity')} = {entity.get('value')!r}"
                     + (f" ({entity['extractor']})" if entity.get("extractor") else ""))
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != intent.get("name")]
    if ranking:
        lines.append("  also: " + ", ".join(f"{r['name']} {float(r['confidence']):.2f}" for r in ranking[:TOP_SCORES]))
    return lines


def render_message(message: dict[str, Any]) -> list[str]:
    """Terminal lines for one bot message (text, numbered buttons, links, custom JSON)."""
    lines: list[str] = []
    if message.get("text"):
        lines += str(message["text"]).splitlines() or [""]
    for index, button in enumerate(message.get("buttons") or [], start=1):
        lines.append(f"  {index}: {button.get('title')} ({button.get('payload')})")
    for key, label in (("image", "Image"), ("attachment", "Attachment")):
        if message.get(key):
            value = message[key]
            lines.append(f"{label}: {value if isinstance(value, str) else json.dumps(value)}")
    if message.get("custom") is not None:
        lines.append(f"Custom: {json.dumps(message['custom'], ensure_ascii=False)}")
    if message.get("elements"):
        lines.append(f"Elements: {json.dumps(message['elements'], ensure_ascii=False)}")
    return lines


def chat(session: ShellSession, read: Callable[[str], str], write: Output, *, debug: bool = False) -> int:
    """Run the chat loop until ``/stop`` or end of input; return the exit code."""
    write("Bot loaded. Type a message and press enter (use '/stop' to exit, '/restart' to start over).")
    while True:
        try:
            text = read(PROMPT)
        except EOFError:
            write("")
            return 0
        if not text.strip():
            continue
        if text.strip() in STOP_COMMANDS:
            return 0
        messages, start = session.send(text)
        if debug:
            for line in session.turn_debug(start):
                write(line)
        for message in messages:
            for line in render_message(message):
                write(line)


def chat_nlu(model: Model, read: Callable[[str], str], write: Output) -> int:
    """Parse each input and print the parse result as JSON until ``/stop`` or end of input."""
    write("NLU model loaded. Type a message and press enter to parse it (use '/stop' to exit).")
    while True:
        try:
            text = read("Next message: ")
        except EOFError:
            write("")
            return 0
        if text.strip() in STOP_COMMANDS:
            return 0
        if text.strip():
            write(json.dumps(model.parse(text), indent=2, ensure_ascii=False))


def build_processor(model: Model, endpoints: dict[str, Any]) -> MessageProcessor:
    """A processor for ``model`` using the action server and NLG of ``endpoints`` when set."""
    from engine.processor import MessageProcessor

    options: dict[str, Any] = {"assistant_id": model.metadata.assistant_id}
    if endpoints.get("action_endpoint") or endpoints.get("nlg"):
        from engine.actions.endpoint import EndpointConfig

        options["action_endpoint"] = EndpointConfig.from_dict(endpoints.get("action_endpoint"), "action_endpoint")
        options["nlg_endpoint"] = EndpointConfig.from_dict(endpoints.get("nlg"), "nlg")
    return MessageProcessor(model.domain, model.policies, model.parse, model.model_id, **options)


def _read_endpoints(path: str | None) -> dict[str, Any]:
    from engine.cli.engine_cmd import default_endpoints
    from engine.settings import read_endpoints

    return read_endpoints(default_endpoints(path), os.environ)


def _line_reader() -> Callable[[str], str]:
    """``input`` with readline history (arrow keys) when talking to a terminal."""
    if not sys.stdin.isatty():
        return input
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return input
    history = Path.home() / HISTORY_FILE
    try:
        readline.read_history_file(history)
    except OSError:
        pass
    import atexit

    atexit.register(_save_history, readline, history)
    return input


def _save_history(readline: Any, history: Path) -> None:
    try:
        readline.set_history_length(1000)
        readline.write_history_file(history)
    except OSError:
        pass


def run(args: argparse.Namespace) -> int:
    """Load the model and chat until the user stops."""
    from engine.models.loader import load_model

    configure_logging(args.loglevel or logging.WARNING)
    model = load_model(args.model)
    read = _line_reader()
    write: Output = lambda line: print(line, flush=True)  # noqa: E731
    if args.shell_command == "nlu" or model.policies is None:
        if model.policies is None and args.shell_command != "nlu":
            write("This model has no dialogue policies: showing NLU parse results instead.")
        return chat_nlu(model, read, write)
    session = ShellSession(model, build_processor(model, _read_endpoints(args.endpoints)), args.conversation_id)
    return chat(session, read, write, debug=args.debug)
