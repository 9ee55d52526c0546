"""Model metadata: what an archive holds and whether this engine loads it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.errors import ModelLoadError
from engine.version import MINIMUM_COMPATIBLE_VERSION

FORMAT_VERSION = 1


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


@dataclass
class ModelMetadata:
    """The ``metadata.json`` of a model archive.

    Attributes:
        model_id: Unique id of this model (uuid4 hex).
        parley_version: Parley version that trained it.
        trained_at: ISO-8601 UTC time of training.
        training_type: ``"both"``, ``"nlu"`` or ``"core"``.
        fingerprint: Hashes of config, domain and data parts.
        language: The config's language.
        assistant_id: The config's ``assistant_id``, if any.
        components: Names of the trained NLU components and policies.
        mappings: ``[rasa_name, parley_component]`` pairs used in training.
        format_version: Archive layout version.
    """

    model_id: str
    parley_version: str
    trained_at: str
    training_type: str
    fingerprint: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    assistant_id: str | None = None
    components: dict[str, list[str]] = field(default_factory=dict)
    mappings: list[list[str]] = field(default_factory=list)
    format_version: int = FORMAT_VERSION

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelMetadata:
        """Build metadata from ``metadata.json``, refusing incompatible ones."""
        if not isinstance(data, dict) or "model_id" not in data:
            raise ModelLoadError("The archive's metadata.json is not a Parley model's metadata.")
        version = str(data.get("parley_version", "0"))
        if data.get("format_version", 0) > FORMAT_VERSION:
            raise ModelLoadError(
                f"The model was trained by Parley {version}, whose archive format is newer than "
                "this engine understands. Upgrade Parley or retrain."
            )
        if _version_tuple(version) < _version_tuple(MINIMUM_COMPATIBLE_VERSION):
            raise ModelLoadError(
                f"The model was trained by Parley {version}; this engine loads models from "
                f"{MINIMUM_COMPATIBLE_VERSION} on. Retrain the model."
            )
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})
