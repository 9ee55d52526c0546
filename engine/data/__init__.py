"""Rasa project loading: YAML domain, NLU, stories, rules and config.

Public entry points (imported lazily so ``import engine.data.types`` stays
cheap):

* :func:`load_project` — files on disk, as ``rasa train`` finds them;
* :func:`load_project_from_yaml` — one YAML document (``POST /model/train``);
* :func:`parse_annotated_text` — ``[text](entity)`` markup;
* :func:`project_fingerprint` — content hashes per project part.
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "load_project": "engine.data.loader",
    "load_project_from_yaml": "engine.data.training_payload",
    "parse_annotated_text": "engine.data.annotations",
    "project_fingerprint": "engine.data.fingerprint",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public entry point on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine.data' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
