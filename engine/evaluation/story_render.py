"""Write evaluated stories back as Rasa test-story YAML with comments.

``failed_test_stories.yml`` shows each failed story as it was replayed,
with ``# predicted: ...`` after every step the model got wrong, and stays
loadable as test stories (user texts keep their entity markup). YAML is
written by hand because the comments are the point and PyYAML drops them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from engine.conversation.constants import ACTION_LISTEN
from engine.conversation.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered

if TYPE_CHECKING:
    from engine.evaluation.stories import StoryResult

FORMAT_VERSION = "3.1"
ALL_GOOD = "# None of the test stories failed - all good!\n"
_PLAIN = re.compile(r"^[A-Za-z_][\w./-]*$")
_YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})


def scalar(value: Any) -> str:
    """A YAML scalar for ``value``: plain when unambiguous, else JSON (valid YAML)."""
    if isinstance(value, str) and _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def annotated_text(text: str, entities: Iterable[dict[str, Any]]) -> str:
    """Put Rasa's entity markup (``[Berlin](city)``) back into ``text``."""
    spans = sorted(
        (e for e in entities if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)),
        key=lambda e: e["start"],
    )
    out, cursor = [], 0
    for entity in spans:
        start, end = entity["start"], entity["end"]
        if start < cursor or end > len(text):
            continue  # overlapping or out-of-range spans cannot be marked up
        surface = text[start:end]
        out.append(text[cursor:start])
        extra = {k: entity[k] for k in ("role", "group") if entity.get(k) is not None}
        if str(entity.get("value", surface)) == surface and not extra:
            out.append(f"[{surface}]({entity['entity']})")
        else:
            attrs = {"entity": entity["entity"], "value": entity.get("value"), **extra}
            out.append(f"[{surface}]{json.dumps(attrs, ensure_ascii=False)}")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


@dataclass
class RenderedStep:
    """One story step: ``key: value`` lines, an optional comment on the first.

    Attributes:
        lines: ``(key, rendered value)`` pairs; nested lines are pre-indented.
        comment: Text after ``#`` on the first line.
    """

    lines: list[tuple[str, str]] = field(default_factory=list)
    comment: str | None = None

    @classmethod
    def for_action(cls, event: ActionExecuted, predicted: str | None) -> RenderedStep:
        """An ``action``/``bot`` step; ``predicted`` when the model disagreed."""
        comment = f"predicted: {predicted}" if predicted is not None else None
        if event.action_name:
            return cls([("action", scalar(event.action_name))], comment)
        return cls([("bot", scalar(event.action_text or ""))], comment)

    @classmethod
    def for_event(cls, event: Event) -> RenderedStep | None:
        """A ``slot_was_set`` or ``active_loop`` step; None for events stories do not show."""
        if isinstance(event, SlotSet):
            return cls([("slot_was_set", f"\n    - {scalar(event.name)}: {scalar(event.value)}")])
        if isinstance(event, ActiveLoop):
            return cls([("active_loop", scalar(event.name) if event.name else "null")])
        if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN:
            return cls.for_action(event, None)
        return None

    def render(self) -> list[str]:
        """The YAML lines of this step, indented for a story's ``steps:``."""
        rendered = []
        for index, (key, value) in enumerate(self.lines):
            prefix = "  - " if index == 0 else "    "
            separator = ":" if value.startswith("\n") else ": "
            line = f"{prefix}{key}{separator}{value}"
            if index == 0 and self.comment:
                first, _, rest = line.partition("\n")
                line = f"{first}  # {self.comment}" + (f"\n{rest}" if rest else "")
            rendered.append(line)
        return rendered


def _block_or_quoted(text: str) -> str:
    if text and text == text.strip() and "\t" not in text and not text.startswith(("#", "'", '"')):
        body = "\n".join(f"      {line}" if line else "" for line in text.split("\n"))
        return f"|-\n{body}"
    return json.dumps(text, ensure_ascii=False)


def user_step(event: UserUttered, comment: str | None) -> RenderedStep:
    """A user step: ``intent`` (when known), ``user`` text with markup, or ``entities``."""
    lines: list[tuple[str, str]] = []
    if event.intent_name:
        lines.append(("intent", scalar(event.intent_name)))
    if event.text:
        lines.append(("user", _block_or_quoted(annotated_text(event.text, event.entities))))
    elif event.entities:
        items = "".join(f"\n    - {scalar(e.get('entity'))}: {scalar(e.get('value'))}" for e in event.entities)
        lines.append(("entities", items))
    if not lines:
        lines.append(("intent", "null"))
    return RenderedStep(lines, comment)


def render_stories(results: Iterable[StoryResult], *, empty_note: str = ALL_GOOD) -> str:
    """Render story results as a test-story YAML document.

    Args:
        results: The stories to write.
        empty_note: What the file says when there is no story to write.
    """
    results = list(results)
    if not results:
        return empty_note
    out = [f'version: "{FORMAT_VERSION}"', "stories:"]
    for result in results:
        title = f"{result.name} ({result.source})" if result.source else result.name
        out.append(f"- story: {json.dumps(title, ensure_ascii=False)}")
        out.append("  steps:")
        for step in result.steps:
            out.extend(step.render())
    return "\n".join(out) + "\n"
