"""Domain slots: types, validation and the features policies see.

A :class:`Slot` holds its configuration (type, initial value, mappings...)
and the value of one conversation; a tracker owns fresh copies made with
:meth:`Slot.copy`.
"""
from __future__ import annotations

import copy
import logging
import math
from typing import Any

from engine.conversation.constants import SHOULD_NOT_BE_SET
from engine.errors import DataError

logger = logging.getLogger(__name__)

SLOT_TYPES = ("text", "bool", "categorical", "float", "list", "any", "unfeaturized")
OTHER_CATEGORY = "__other__"
# Never-featurized types; `influence_conversation: true` on them is an error.
UNFEATURIZED_TYPES = ("any", "unfeaturized")

# 2.x `GET /domain` writes class paths; accept them when a domain comes back.
_CLASS_NAMES = {
    "TextSlot": "text",
    "BooleanSlot": "bool",
    "CategoricalSlot": "categorical",
    "FloatSlot": "float",
    "ListSlot": "list",
    "AnySlot": "any",
    "UnfeaturizedSlot": "unfeaturized",
}


def bool_from_any(value: Any) -> bool:
    """Convert a slot value to bool the way Rasa does; raise ValueError if unsure."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    raise ValueError(f"cannot convert {value!r} to bool")


_IMMUTABLE = (str, int, float, bool, type(None))


def fresh_value(value: Any) -> Any:
    """Return a deep copy of a slot value (PERF: immutable values, the usual ones, as they are)."""
    return value if type(value) in _IMMUTABLE else copy.deepcopy(value)


class Slot:
    """One slot: configuration plus the current value.

    Attributes:
        name: Slot name.
        type_name: One of :data:`SLOT_TYPES`.
        initial_value: Value after a reset.
        value: Current value.
        influence_conversation: Whether policies see this slot.
        mappings: 3.x slot mappings (list of dicts).
        values: Categorical values (lower-cased, ``__other__`` appended).
        min_value: Float slot lower bound.
        max_value: Float slot upper bound.
        auto_fill: 2.x auto-fill from the entity with the slot's name.
        has_been_set: Whether any ``slot`` event touched it since the reset.
        raw: The slot's definition as written in the domain.
    """

    def __init__(
        self,
        name: str,
        type_name: str = "text",
        *,
        initial_value: Any = None,
        influence_conversation: bool | None = None,
        mappings: list[dict[str, Any]] | None = None,
        values: list[Any] | None = None,
        min_value: float = 0.0,
        max_value: float = 1.0,
        auto_fill: bool = True,
        raw: dict[str, Any] | None = None,
    ) -> None:
        if type_name not in SLOT_TYPES:
            raise DataError(
                f"Slot '{name}' has unknown type '{type_name}'. Valid types: {', '.join(SLOT_TYPES)}."
            )
        if influence_conversation is None:
            influence_conversation = type_name not in UNFEATURIZED_TYPES
        if influence_conversation and type_name in UNFEATURIZED_TYPES:
            raise DataError(
                f"Slot '{name}' of type '{type_name}' cannot influence the conversation; "
                "remove 'influence_conversation: true' or use another slot type."
            )
        self.name = name
        self.type_name = type_name
        self.initial_value = initial_value
        self.influence_conversation = influence_conversation
        self.mappings = mappings or []
        self.values: list[str] = []
        if type_name == "categorical":
            self.values = [str(v).lower() for v in (values or [])]
            if OTHER_CATEGORY not in self.values:
                self.values.append(OTHER_CATEGORY)
        self.min_value = float(min_value)
        self.max_value = float(max_value)
        if type_name == "float" and self.min_value >= self.max_value:
            raise DataError(
                f"Slot '{name}': min_value ({self.min_value}) must be below max_value ({self.max_value})."
            )
        self.auto_fill = auto_fill
        self.raw = raw if raw is not None else {"type": type_name}
        self.value: Any = initial_value
        self.has_been_set = False

    @classmethod
    def from_dict(cls, name: str, raw: Any, *, legacy: bool = False) -> Slot:
        """Build a slot from its domain definition.

        Args:
            name: The slot name.
            raw: The definition (``type``, ``initial_value``, ``mappings``...).
            legacy: True for a 2.x domain (``unfeaturized`` allowed,
                ``auto_fill`` honoured, ``mappings`` optional).

        Raises:
            DataError: The definition is not valid.
        """
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise DataError(f"Slot '{name}' must be a mapping of its properties.")
        type_name = str(raw.get("type", "text" if legacy else "")) or ""
        if not type_name:
            raise DataError(f"Slot '{name}' has no 'type'.")
        if "." in type_name:
            short = _CLASS_NAMES.get(type_name.rsplit(".", 1)[-1])
            if short is None:
                # Custom slot classes are user code we cannot run here.
                logger.warning("slot %r: custom slot class %r treated as type 'any'", name, type_name)
                short = "any"
            type_name = short
        mappings = raw.get("mappings")
        if mappings is not None and not isinstance(mappings, list):
            raise DataError(f"Slot '{name}': 'mappings' must be a list.")
        for mapping in mappings or []:
            if not isinstance(mapping, dict) or "type" not in mapping:
                raise DataError(f"Slot '{name}': every mapping needs a 'type'.")
        influence = raw.get("influence_conversation")
        if influence is not None and not isinstance(influence, bool):
            raise DataError(f"Slot '{name}': 'influence_conversation' must be true or false.")
        values = raw.get("values")
        if type_name == "categorical" and values is not None and not isinstance(values, list):
            raise DataError(f"Slot '{name}': 'values' must be a list.")
        try:
            min_value = float(raw.get("min_value", 0.0))
            max_value = float(raw.get("max_value", 1.0))
        except (TypeError, ValueError) as ex:
            raise DataError(f"Slot '{name}': min_value/max_value must be numbers.") from ex
        return cls(
            name,
            type_name,
            initial_value=raw.get("initial_value"),
            influence_conversation=influence,
            mappings=copy.deepcopy(mappings) or [],
            values=values,
            min_value=min_value,
            max_value=max_value,
            auto_fill=bool(raw.get("auto_fill", True)) if legacy else False,
            raw=raw,
        )

    def copy(self) -> Slot:
        """Return a fresh slot with this configuration and the initial value."""
        clone = object.__new__(type(self))
        # PERF: copying the attribute dict is several times cheaper than copy.copy.
        clone.__dict__.update(self.__dict__)
        clone.value = fresh_value(self.initial_value)
        clone.has_been_set = False
        return clone

    def twin(self) -> Slot:
        """Return an independent slot with this configuration, value and set flag."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.value = fresh_value(self.value)
        return clone

    def reset(self) -> None:
        """Go back to the initial value."""
        self.value = fresh_value(self.initial_value)
        self.has_been_set = False

    def set(self, value: Any) -> None:
        """Take a new value (from a ``slot`` event)."""
        self.value = value
        self.has_been_set = True

    @property
    def feature_dimensionality(self) -> int:
        """Return the length of :meth:`as_feature` for a featurized slot."""
        if not self.influence_conversation:
            return 0
        return {"text": 1, "list": 1, "bool": 2, "float": 2, "categorical": len(self.values)}.get(
            self.type_name, 0
        )

    def as_feature(self) -> list[float]:
        """Return the slot's features (empty when it does not influence)."""
        if self.feature_dimensionality == 0:
            return []
        value = self.value
        if value == SHOULD_NOT_BE_SET and not isinstance(value, bool):
            # A training-only marker: featurized as "unset".
            value = None
        try:
            return self._features(value)
        except (TypeError, ValueError):
            return [0.0] * self.feature_dimensionality

    def _features(self, value: Any) -> list[float]:
        kind = self.type_name
        if kind == "text":
            return [1.0 if value is not None else 0.0]
        if kind == "list":
            return [1.0 if value is not None and len(value) > 0 else 0.0]
        if kind == "bool":
            return [1.0, float(bool_from_any(value))] if value is not None else [0.0, 0.0]
        if kind == "float":
            if value is None:
                return [0.0, 0.0]
            number = float(value)
            if math.isnan(number):
                return [0.0, 0.0]
            clipped = min(self.max_value, max(self.min_value, number))
            return [1.0, (clipped - self.min_value) / (self.max_value - self.min_value)]
        features = [0.0] * len(self.values)
        if value is None:
            return features
        wanted = str(value).lower()
        index = self.values.index(wanted) if wanted in self.values else self.values.index(OTHER_CATEGORY)
        features[index] = 1.0
        return features

    def __repr__(self) -> str:
        return f"Slot({self.name!r}, {self.type_name!r}, value={self.value!r})"
