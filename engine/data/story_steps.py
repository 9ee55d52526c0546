"""Normalise one story/rule step into the dicts ``engine.data.types.Story`` documents.

Step keys are recognised in Rasa's order: ``intent``/``user``, ``or``,
``action``, ``bot``, ``checkpoint``, ``slot_was_set``, ``active_loop``,
``metadata``. A step with none of them is skipped with a warning, as Rasa
does; a step of the wrong shape is a :class:`DataError`.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any

from engine.data.annotations import parse_annotated_text
from engine.data.checks import describe, expect, warn, where
from engine.data.yaml_io import line_of, to_plain
from engine.errors import DataError

logger = logging.getLogger(__name__)

# "/intent", "/intent@0.9", "/intent{"entity": "value"}" (Rasa's intent message syntax).
_INTENT_MESSAGE = re.compile(r"^/(?P<intent>[^{@]+?)(?:@[0-9.]+)?\s*(?P<entities>\{.*\})?\s*$", re.S)


class StepReader:
    """Normalises steps of one file.

    Args:
        file: File name for messages.
        test: Whether the file holds test stories (retrieval intents keep
            their full ``faq/x`` name there).
    """

    def __init__(self, *, file: str | None, test: bool) -> None:
        self.file = file
        self.test = test

    def steps(self, raw: Any, what: str, *, parent: Any, key: Any) -> list[dict[str, Any]]:
        """Normalise a list of steps; None reads as an empty list."""
        raw = expect(raw, list, what, file=self.file, parent=parent, key=key, allow_none=True)
        result = []
        for index, step in enumerate(raw or []):
            normalised = self.step(step, parent=raw, index=index)
            if normalised is not None:
                result.append(normalised)
        return result

    def step(self, step: Any, *, parent: Any, index: int) -> dict[str, Any] | None:
        """Normalise one step; None when the step is skipped."""
        expect(step, dict, "a story step", file=self.file, parent=parent, key=index)
        if "intent" in step or "user" in step:
            return self.user_turn(step)
        if "or" in step:
            return self._or(step)
        if "action" in step:
            return {"action": self._name(step, "action")}
        if "bot" in step:
            return {"bot": self._text(step, "bot")}
        if "checkpoint" in step:
            result: dict[str, Any] = {"checkpoint": self._name(step, "checkpoint")}
            if "slot_was_set" in step:
                result["slot_was_set"] = self.slots(step)
            return result
        if "slot_was_set" in step:
            return {"slot_was_set": self.slots(step)}
        if "active_loop" in step:
            loop = step["active_loop"]
            if loop is not None:
                loop = self._name(step, "active_loop")
            return {"active_loop": loop}
        if "metadata" not in step:
            keys = ", ".join(map(str, step)) or "nothing"
            warn(logger, f"unexpected story step with keys {keys}; it is skipped", file=self.file, line=where(step))
        return None

    def user_turn(self, step: dict[str, Any]) -> dict[str, Any]:
        """Normalise an ``intent:`` and/or ``user:`` step."""
        intent = self._intent(step) if step.get("intent") is not None or "user" not in step else None
        text = None
        entities: list[dict[str, Any]] = []
        if "user" in step:
            text = self._text(step, "user").strip()
            if text.startswith("/"):
                message_intent, entities = self._unpack_intent_message(text, step)
                intent = intent or message_intent
            else:
                try:
                    text, entities = parse_annotated_text(text)
                except DataError as ex:
                    raise DataError(ex.problem, file=self.file, line=line_of(step, "user")) from None
        entities = entities + self._listed_entities(step)
        return {"user_turn": True, "intent": intent, "text": text, "entities": to_plain(entities)}

    def slots(self, step: dict[str, Any]) -> list[dict[str, Any]]:
        """Normalise the ``slot_was_set`` list of a step."""
        raw = expect(step.get("slot_was_set"), list, "'slot_was_set'", file=self.file, parent=step,
                     key="slot_was_set", allow_none=True)
        result = []
        for index, item in enumerate(raw or []):
            if isinstance(item, dict):
                for name, value in item.items():
                    result.append({"name": str(name), "value": to_plain(value), "has_value": True})
            elif isinstance(item, str):
                result.append({"name": item, "value": None, "has_value": False})
            else:
                raise DataError(
                    f"a 'slot_was_set' item must be '- slot_name: value' or '- slot_name', found {describe(item)}",
                    file=self.file,
                    line=where(item, raw, index),
                )
        return result

    def _or(self, step: dict[str, Any]) -> dict[str, Any] | None:
        raw = expect(step.get("or"), list, "'or'", file=self.file, parent=step, key="or")
        options = []
        for index, item in enumerate(raw):
            expect(item, dict, "an 'or' item", file=self.file, parent=raw, key=index)
            if "intent" in item or "user" in item:
                options.append(self.user_turn(item))
            elif "slot_was_set" in item:
                options.append({"slot_was_set": self.slots(item)})
            else:
                warn(logger, "an 'or' item must be a user turn or 'slot_was_set'; it is skipped",
                     file=self.file, line=where(item, raw, index))
        return {"or": options} if options else None

    def _intent(self, step: dict[str, Any]) -> str:
        name = self._name(step, "intent")
        if name.startswith("/"):
            warn(logger, f"intent '{name}' starts with '/'; read as '{name[1:]}'",
                 file=self.file, line=line_of(step, "intent"))
            name = name[1:]
        if not self.test and "/" in name:
            # Training stories predict with the base intent of a retrieval intent.
            name = name.split("/", 1)[0]
        return name

    def _listed_entities(self, step: dict[str, Any]) -> list[dict[str, Any]]:
        raw = expect(step.get("entities"), list, "'entities'", file=self.file, parent=step, key="entities",
                     allow_none=True)
        result: list[dict[str, Any]] = []
        for index, item in enumerate(raw or []):
            if isinstance(item, str):
                result.append({"entity": item, "value": ""})
            elif isinstance(item, dict):
                labels = {k: str(v) for k, v in item.items() if k in ("role", "group") and v is not None}
                for name, value in item.items():
                    if name not in ("role", "group"):
                        result.append({"entity": str(name), "value": value, **labels})
            else:
                raise DataError(
                    f"an 'entities' item must be '- entity: value' or '- entity', found {describe(item)}",
                    file=self.file,
                    line=where(item, raw, index),
                )
        return result

    def _unpack_intent_message(self, text: str, step: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        line = line_of(step, "user")
        match = _INTENT_MESSAGE.match(text)
        if not match:
            raise DataError(f"'{text}' is not an intent message such as /greet or /inform{{\"city\": \"Rome\"}}",
                            file=self.file, line=line)
        intent = match.group("intent").strip()
        if not self.test and "/" in intent:
            intent = intent.split("/", 1)[0]
        entities: list[dict[str, Any]] = []
        if match.group("entities"):
            try:
                values = json.loads(match.group("entities"))
            except json.JSONDecodeError as ex:
                raise DataError(f"entities of '{text}' are not valid JSON: {ex.msg}", file=self.file,
                                line=line) from None
            if not isinstance(values, dict):
                raise DataError(f"entities of '{text}' must be a JSON object", file=self.file, line=line)
            for name, value in values.items():
                for one in value if isinstance(value, list) else [value]:
                    entities.append({"entity": name, "value": one})
        return intent, entities

    def _name(self, step: dict[str, Any], key: str) -> str:
        value = step.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise DataError(f"'{key}' needs a name, found {describe(value)}", file=self.file,
                            line=line_of(step, key))
        return value.strip()

    def _text(self, step: dict[str, Any], key: str) -> str:
        value = step.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise DataError(f"'{key}' must be a text, found {describe(value)}", file=self.file,
                            line=line_of(step, key))
        return value
