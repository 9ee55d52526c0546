"""Read test inputs from files: NLU test data and test stories.

Paths are files or folders (walked for ``.yml``/``.yaml``), as for
``rasa test``. Every story of a file passed here counts as a test story,
whatever the file is called.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from engine.data.assemble import ProjectAssembler
from engine.data.files import yaml_files_in
from engine.data.types import NluData, Story
from engine.data.yaml_io import is_yaml_path, read_yaml_file
from engine.errors import DataError


def _files(paths: Sequence[str | Path]) -> list[Path]:
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += yaml_files_in(path)
        elif path.is_file():
            if is_yaml_path(path):
                found.append(path)
        else:
            raise DataError("test data path not found", file=str(path))
    return list(dict.fromkeys(found))


def _assemble(paths: Sequence[str | Path], *, test: bool) -> ProjectAssembler:
    assembler = ProjectAssembler()
    for file in _files(paths):
        assembler.add_data_doc(read_yaml_file(file), file=str(file), test=test)
    return assembler


def load_nlu_data(paths: Sequence[str | Path]) -> NluData:
    """Read the NLU examples of every file under ``paths``.

    Raises:
        DataError: A path is missing, a file is invalid, or there is no
            NLU example at all.
    """
    data = _assemble(paths, test=False).nlu
    if not data.examples:
        raise DataError(f"no NLU examples found in {', '.join(str(p) for p in paths)}")
    return data


def load_test_stories(paths: Sequence[str | Path]) -> list[Story]:
    """Read the stories (and rules) of every file under ``paths`` as test stories.

    Raises:
        DataError: A path is missing, a file is invalid, or there is no
            story at all.
    """
    stories = _assemble(paths, test=True).test_stories
    if not stories:
        raise DataError(f"no test stories found in {', '.join(str(p) for p in paths)}")
    return stories
