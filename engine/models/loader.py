"""Load a model archive into a ready-to-serve :class:`Model` in one step.

A model is built completely before anyone sees it; the agent swaps it in by
replacing one reference, so no request ever meets a half-loaded model.
"""
from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ModelLoadError
from engine.models import archive
from engine.models.metadata import ModelMetadata

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.dialogue.ensemble import PolicyEnsemble
    from engine.nlu.pipeline import NluPipeline

logger = logging.getLogger(__name__)

METADATA_FILE = "metadata.json"
DOMAIN_FILE = "domain.json"
NLU_DIR = "nlu"
CORE_DIR = "core"


def empty_parse(text: str, message_id: str | None = None) -> dict[str, Any]:
    """Return the parse result of a model without NLU (Rasa's core-only answer)."""
    result: dict[str, Any] = {
        "text": text,
        "intent": {"name": None, "confidence": 0.0},
        "entities": [],
        "intent_ranking": [],
    }
    if message_id is not None:
        result["message_id"] = message_id
    return result


@dataclass
class Model:
    """A loaded model: metadata, domain, NLU pipeline and dialogue policies.

    Attributes:
        metadata: The archive's metadata.
        path: The archive the model came from.
        domain: The domain it was trained with.
        nlu: The NLU pipeline, or None for a core-only model.
        policies: The policy ensemble, or None for an NLU-only model.
    """

    metadata: ModelMetadata
    path: Path
    domain: Domain
    nlu: NluPipeline | None = None
    policies: PolicyEnsemble | None = None
    _intents: frozenset[str] = field(default=frozenset(), repr=False)
    _entities: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        self._intents = frozenset(self.domain.intents)
        self._entities = frozenset(self.domain.entities)

    @property
    def model_id(self) -> str:
        """The model's unique id."""
        return self.metadata.model_id

    def parse(self, text: str, message_id: str | None = None) -> dict[str, Any]:
        """Parse ``text``: ``/intent{...}`` shortcuts first, then the NLU pipeline."""
        from engine.nlu.shortcut import parse_shortcut

        shortcut = parse_shortcut(text, self._intents, self._entities)
        if shortcut is not None:
            if message_id is not None:
                shortcut["message_id"] = message_id
            return shortcut
        if self.nlu is None:
            return empty_parse(text, message_id)
        return self.nlu.parse(text, message_id)


def read_metadata(archive_path: Path) -> ModelMetadata | None:
    """Read only ``metadata.json`` of an archive; None if it is unreadable."""
    import tarfile

    try:
        with tarfile.open(archive_path, "r:gz") as tar:
            member = tar.getmember(METADATA_FILE)
            handle = tar.extractfile(member)
            if handle is None:
                return None
            return ModelMetadata.from_dict(json.loads(handle.read()))
    except (KeyError, OSError, tarfile.TarError, ValueError, ModelLoadError, EOFError):
        return None


def load_model(path: str | Path) -> Model:
    """Load the archive at ``path`` (or the newest archive in a directory).

    Raises:
        ModelLoadError: Nothing loadable at ``path``, an unsafe or corrupt
            archive, or a model this engine cannot serve.
    """
    from engine.conversation.domain import Domain

    archive_path = archive.resolve_model_path(Path(path))
    workdir = Path(tempfile.mkdtemp(prefix="parley-model-"))
    try:
        archive.unpack(archive_path, workdir)
        try:
            metadata = ModelMetadata.from_dict(json.loads((workdir / METADATA_FILE).read_text("utf-8")))
            domain = Domain.from_dict(json.loads((workdir / DOMAIN_FILE).read_text("utf-8")))
        except FileNotFoundError as ex:
            raise ModelLoadError(f"'{archive_path.name}' is not a Parley model: {ex.filename} is missing.") from ex
        except json.JSONDecodeError as ex:
            raise ModelLoadError(f"'{archive_path.name}' holds corrupt metadata: {ex}") from ex
        nlu = _load_nlu(workdir / NLU_DIR)
        policies = _load_policies(workdir / CORE_DIR)
    except ModelLoadError:
        raise
    except Exception as ex:  # a corrupt part must not take the engine down
        logger.exception("loading %s failed", archive_path)
        raise ModelLoadError(f"The model '{archive_path.name}' could not be loaded: {ex}") from ex
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    logger.info("loaded model %s (id %s)", archive_path.name, metadata.model_id)
    return Model(metadata=metadata, path=archive_path, domain=domain, nlu=nlu, policies=policies)


def _load_nlu(directory: Path) -> NluPipeline | None:
    if not directory.is_dir():
        return None
    from engine.nlu.pipeline import NluPipeline

    return NluPipeline.load(directory)


def _load_policies(directory: Path) -> PolicyEnsemble | None:
    if not directory.is_dir():
        return None
    from engine.dialogue.ensemble import PolicyEnsemble

    return PolicyEnsemble.load(directory)
