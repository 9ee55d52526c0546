"""Small inline NLU training data for the NLU tests (no YAML loader needed)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine.data.types import NluData, NluExample
from engine.nlu.component import Component, Message
from engine.nlu.featurizers.encoder import missing_modules
from tests.conftest import in_ci

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO / ".." / "shared"
BOTS = SHARED / "data" / "bots"

ENCODER_MISSING = missing_modules()
# CI installs the 'encoder' extra (.ci/run), so there a missing extra fails the tests instead of skipping them.
needs_encoder = pytest.mark.skipif(
    bool(ENCODER_MISSING) and not in_ci(),
    reason=f"the 'encoder' extra is not installed ({', '.join(ENCODER_MISSING)} missing)",
)

_MARKUP = re.compile(r"\[([^\]]+)\](\(([^)]*)\)|(\{[^}]*\}))")


def example(text: str, intent: str | None = None) -> NluExample:
    """Build an example from Rasa markup: ``[Berlin](city)``, ``[NYC](city:New York)``, ``[x]{json}``."""
    plain, entities, pos = "", [], 0
    for match in _MARKUP.finditer(text):
        plain += text[pos : match.start()]
        start = len(plain)
        plain += match.group(1)
        if match.group(3) is not None:
            entity, _, value = match.group(3).partition(":")
            annotation: dict[str, Any] = {"entity": entity, "value": value or match.group(1)}
        else:
            spec = json.loads(match.group(4))
            annotation = {"value": match.group(1), **spec}
        entities.append({"start": start, "end": len(plain), **annotation})
        pos = match.end()
    plain += text[pos:]
    return NluExample(text=plain, intent=intent, entities=entities)


def examples(intent: str, *texts: str) -> list[NluExample]:
    """Build several examples of one intent."""
    return [example(t, intent) for t in texts]


def restaurant_data() -> NluData:
    """A tiny restaurant bot: 4 intents, entities, a retrieval intent, synonyms, regex, lookup."""
    data = NluData(
        examples=[
            *examples("greet", "hello", "hi there", "good morning", "hey", "hello friend", "hi"),
            *examples("goodbye", "bye", "goodbye", "see you later", "bye bye", "see you", "good night"),
            *examples(
                "book_table",
                "book a table in [Berlin](city)",
                "I need a table in [Rome](city) for [4](number)",
                "reserve a table for [2](number) in [Paris](city)",
                "table for [6](number) please",
                "can I book a table in [NYC](city:New York)",
                "book a table in [Berlin](city) for [3](number) people",
                "a table in [London](city) please",
                "reserve a table in [Madrid](city)",
            ),
            *examples("faq/opening_hours", "when do you open", "what are your opening hours", "are you open now"),
            *examples("faq/parking", "where can I park", "is there parking", "do you have a car park"),
            *examples("inform_zip", "my zip is 12345", "zip code 54321", "it is 10115"),
        ],
        synonyms={"nyc": "New York", "new york": "New York", "big apple": "New York"},
        regexes=[{"name": "zipcode", "pattern": r"\b\d{5}\b"}],
        lookups=[{"name": "city", "elements": ["Berlin", "Rome", "Paris", "New York", "London"]}],
        responses={
            "utter_faq/opening_hours": [{"text": "We open at 9."}],
            "utter_faq/parking": [{"text": "Park behind the building."}],
        },
    )
    return data


def prepared(components: list[Component], data: NluData) -> list[Message]:
    """Fit ``components`` in order on ``data``; return the processed training messages."""
    messages = [Message.from_example(e) for e in data.examples]
    for component in components:
        component.fit(messages, data)
        if component.featurizes_training_data:
            component.process_batch(messages)
    return messages


def run(components: list[Component], text: str) -> Message:
    """Process ``text`` through fitted ``components``."""
    message = Message(text)
    for component in components:
        component.process(message)
    return message


def read_nlu_yaml(paths: list[Path]) -> NluData:
    """Read the ``nlu:`` blocks of Rasa YAML files (tests only; the real loader is engine.data)."""
    import yaml

    data = NluData()
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(document, dict):
            continue
        for block in document.get("nlu") or []:
            items = block.get("examples") or []
            lines = (
                [line.strip()[2:] for line in items.splitlines() if line.strip().startswith("- ")]
                if isinstance(items, str)
                else [item["text"] for item in items]
            )
            if "intent" in block:
                data.examples.extend(example(line, str(block["intent"])) for line in lines)
            elif "synonym" in block:
                data.synonyms.update({line.lower(): str(block["synonym"]) for line in lines})
            elif "regex" in block:
                data.regexes.extend({"name": block["regex"], "pattern": line} for line in lines)
            elif "lookup" in block:
                data.lookups.append({"name": block["lookup"], "elements": lines})
    return data
