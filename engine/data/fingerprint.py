"""Stable content hashes of a project's parts, so training can skip unchanged parts."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
from typing import Any

from engine.data.types import Project, Story


def project_fingerprint(project: Project) -> dict[str, str]:
    """Hash the config, domain, NLU data and stories+rules of ``project``.

    Each value is the sha256 hex digest of canonical JSON (sorted keys, no
    whitespace), so it depends only on content: reloading the same files,
    or moving the project, gives the same hashes. Story source files and
    line numbers are left out for the same reason. Test stories are not
    training input and are not hashed.

    Returns:
        ``{"config": ..., "domain": ..., "nlu": ..., "stories": ...}``.
    """
    nlu = project.nlu
    return {
        "config": content_hash(project.config),
        "domain": content_hash(project.domain),
        "nlu": content_hash(
            {
                "examples": [dataclasses.asdict(e) for e in nlu.examples],
                "synonyms": nlu.synonyms,
                "regexes": nlu.regexes,
                "lookups": nlu.lookups,
                "responses": nlu.responses,
            }
        ),
        "stories": content_hash(
            {"stories": [_story(s) for s in project.stories], "rules": [_story(r) for r in project.rules]}
        ),
    }


def content_hash(value: Any) -> str:
    """Return the sha256 hex digest of ``value`` as canonical JSON."""
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _story(story: Story) -> dict[str, Any]:
    data = dataclasses.asdict(story)
    data.pop("source", None)
    data.pop("line", None)
    return data


def _canonical(value: Any) -> Any:
    """Make ``value`` JSON-ready with string keys (YAML allows int/bool keys)."""
    if isinstance(value, dict):
        return {_key(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    # Keep int 1 and string "1" apart: both are legal, distinct YAML keys.
    return f"{type(key).__name__}:{key}"
