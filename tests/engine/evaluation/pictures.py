"""Checks for the PNG pictures reports draw."""
from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import pytest

from tests.conftest import in_ci

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def require_matplotlib() -> None:
    """Skip (fail under CI) when matplotlib, the ``reports`` extra, is not installed."""
    if importlib.util.find_spec("matplotlib") is None:
        message = "matplotlib is not installed (pip install 'parley[reports]'); pictures cannot be drawn"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def assert_valid_png(path: Path, min_size: tuple[int, int] = (200, 200)) -> None:
    """``path`` is a PNG image of at least ``min_size`` pixels that is not one flat colour."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= min_size[0] and height >= min_size[1], (path.name, width, height)
    from PIL import Image  # installed with matplotlib

    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is None or len(colours) > 10, f"{path.name} is (nearly) blank"
