"""Load a Rasa project from files, as ``rasa train --config --domain --data`` finds it.

Defaults: ``config.yml``, ``domain.yml`` (or a ``domain/`` directory) and
``data/``, relative to ``root`` (the working directory when not given).
Every ``data`` path is a file or a directory walked recursively for
``.yml``/``.yaml`` files. Test stories (``test_*`` files, or files under a
``tests`` folder inside a passed path) go to ``Project.test_stories``; a
project's ``tests`` folder is only read when it is passed as data.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from engine.data.assemble import ProjectAssembler
from engine.data.checks import warn
from engine.data.config_yaml import read_config_file
from engine.data.domain_yaml import read_domain_path
from engine.data.files import yaml_files_in
from engine.data.stories_yaml import is_test_file
from engine.data.types import Project
from engine.data.yaml_io import is_yaml_path, read_yaml_file
from engine.errors import DataError

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = "config.yml"
DEFAULT_DOMAIN = "domain.yml"
DEFAULT_DOMAIN_DIR = "domain"
DEFAULT_DATA = "data"

PathLike = str | Path


def load_project(
    config: PathLike | None = None,
    domain: PathLike | None = None,
    data: Sequence[PathLike] | PathLike | None = None,
    *,
    root: PathLike | None = None,
) -> Project:
    """Load config, domain and training data into a :class:`Project`.

    Args:
        config: The config file; None means ``config.yml``.
        domain: A domain file or directory; None (or the CLI default
            ``domain.yml``) means ``domain.yml``, else the ``domain/``
            directory. When the default finds nothing, the domain is empty
            (an NLU-only project), as with Rasa.
        data: One or several files or directories; None means ``data/``.
            A missing default ``data`` folder gives no training data.
            NLU data in a test file counts as NLU training data, as in
            Rasa; only the stories of test files become test stories.
        root: Directory that relative paths and defaults are resolved
            against; the working directory when None.

    Raises:
        DataError: A path given explicitly does not exist, the config file
            is missing, or a file is invalid (the message names the file and
            line).
    """
    base = Path(root) if root is not None else None
    config_path = _resolve(config if config is not None else DEFAULT_CONFIG, base)
    if not config_path.is_file():
        problem = "the config path is not a file" if config_path.exists() else "config file not found"
        raise DataError(problem, file=str(config_path))
    project_config = read_config_file(config_path)

    domain, domain_files = _load_domain(domain, base)
    assembler = ProjectAssembler()
    for path, inside in _data_files(data, base):
        doc = read_yaml_file(path)
        assembler.add_data_doc(doc, file=str(path), test=is_test_file(path, inside=inside))
    project = assembler.build(project_config, [(domain, None)])
    project.files = _unique([str(config_path), *domain_files, *project.files])
    return project


def _resolve(path: PathLike, base: Path | None) -> Path:
    path = Path(path)
    return base / path if base is not None and not path.is_absolute() else path


def _is_default(path: PathLike | None, default: str) -> bool:
    return path is None or Path(path) == Path(default)


def _load_domain(domain: PathLike | None, base: Path | None) -> tuple[dict, list[str]]:
    path = _resolve(domain if domain is not None else DEFAULT_DOMAIN, base)
    if path.exists():
        return read_domain_path(path)
    if _is_default(domain, DEFAULT_DOMAIN):
        directory = _resolve(DEFAULT_DOMAIN_DIR, base)
        if directory.is_dir():
            return read_domain_path(directory)
        warn(logger, "no domain found (neither domain.yml nor domain/); the domain is empty", file=str(path))
        return {}, []
    raise DataError("domain file or directory not found", file=str(path))


def _data_files(data: Sequence[PathLike] | PathLike | None, base: Path | None) -> list[tuple[Path, tuple[str, ...]]]:
    """Return (file, folder names from the passed path down to the file)."""
    if data is None:
        paths: list[PathLike] = [DEFAULT_DATA]
    elif isinstance(data, (str, Path)):
        paths = [data]
    else:
        paths = list(data)
    found: list[tuple[Path, tuple[str, ...]]] = []
    seen: set[Path] = set()
    for given in paths:
        path = _resolve(given, base)
        if path.is_dir():
            name = path.resolve().name
            candidates = [(f, (name, *f.relative_to(path).parts[:-1])) for f in yaml_files_in(path)]
        elif path.is_file():
            if not is_yaml_path(path):
                warn(logger, "not a .yml/.yaml file; it is ignored", file=str(path))
                continue
            candidates = [(path, (path.resolve().parent.name,))]
        elif _is_default(given, DEFAULT_DATA):
            warn(logger, "no training data folder found; the project has no training data", file=str(path))
            continue
        else:
            raise DataError("training data path not found", file=str(path))
        for file, inside in candidates:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append((file, inside))
    return found


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
