"""Fill ``{slot}`` placeholders in responses with ``str.format`` semantics.

Rules users rely on: ``None`` renders as ``None``; if any placeholder names
an unknown key the whole string stays unfilled; ``{{`` / ``}}`` are literal
braces. Placeholders cannot contain newlines or braces.
"""
from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER = re.compile(r"\{([^\n{}]+?)\}")
INTERPOLATED_KEYS = ("text", "image", "custom", "buttons", "attachment", "quick_replies")


def interpolate_text(text: str, values: dict[str, Any]) -> str:
    """Fill ``{key}`` placeholders of ``text`` from ``values``."""
    # Each `{key}` becomes an item lookup on the single positional argument,
    # so any key (spaces, dashes...) is looked up verbatim.
    indexed = _PLACEHOLDER.sub(lambda m: "{0[" + m.group(1) + "]}", text)
    try:
        filled = indexed.format(values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return text
    if "0[" in filled:
        # An escaped `{{key}}` only lost its escaping: unescape the original.
        try:
            return text.format({})
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            return text
    return filled


def interpolate(value: Any, values: dict[str, Any]) -> Any:
    """Fill placeholders in strings nested anywhere in dicts and lists."""
    if isinstance(value, str):
        return interpolate_text(value, values)
    if isinstance(value, dict):
        return {key: interpolate(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, values) for item in value]
    return value


def fill_response(message: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Fill the placeholders of a response variation's renderable keys."""
    if not values:
        # Nothing to fill: even escaped braces stay as written.
        return message
    for key in INTERPOLATED_KEYS:
        if key in message:
            message[key] = interpolate(message[key], values)
    return message
