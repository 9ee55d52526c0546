"""Slot features as policies see them."""
from __future__ import annotations

import pytest

from engine.conversation.constants import SHOULD_NOT_BE_SET
from engine.conversation.slots import Slot
from engine.errors import DataError


@pytest.mark.parametrize(
    "slot, value, features",
    [
        (Slot("t", "text"), None, [0.0]),
        (Slot("t", "text"), "x", [1.0]),
        (Slot("b", "bool"), None, [0.0, 0.0]),
        (Slot("b", "bool"), "true", [1.0, 1.0]),
        (Slot("b", "bool"), False, [1.0, 0.0]),
        (Slot("b", "bool"), "maybe", [0.0, 0.0]),
        (Slot("f", "float", min_value=0, max_value=10), 5, [1.0, 0.5]),
        (Slot("f", "float", min_value=0, max_value=10), 50, [1.0, 1.0]),
        (Slot("l", "list"), [], [0.0]),
        (Slot("l", "list"), ["a"], [1.0]),
        (Slot("c", "categorical", values=["Low", "high"]), "low", [1.0, 0.0, 0.0]),
        (Slot("c", "categorical", values=["low", "high"]), "other", [0.0, 0.0, 1.0]),
        (Slot("a", "any"), "x", []),
        (Slot("t", "text", influence_conversation=False), "x", []),
        (Slot("t", "text"), SHOULD_NOT_BE_SET, [0.0]),
    ],
)
def test_slot_features(slot: Slot, value: object, features: list) -> None:
    slot.set(value)
    assert slot.as_feature() == features


def test_copy_and_reset_restore_initial_value() -> None:
    slot = Slot("n", "float", initial_value=1.0)
    slot.set(3.0)
    assert slot.copy().value == 1.0 and not slot.copy().has_been_set
    slot.reset()
    assert slot.value == 1.0 and not slot.has_been_set


def test_invalid_float_bounds() -> None:
    with pytest.raises(DataError, match="min_value"):
        Slot.from_dict("f", {"type": "float", "min_value": 2, "max_value": 1, "mappings": []})
