"""Model archives: naming, packing and refusing unsafe contents."""
from __future__ import annotations

import io
import os
import re
import tarfile
import time
from pathlib import Path

import pytest

from engine.errors import ModelLoadError
from engine.models import archive


def _tar_with(path: Path, add) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        add(tar)
    return path


def _file(tar: tarfile.TarFile, name: str, data: bytes = b"x") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_new_names_follow_rasa_3_pattern() -> None:
    assert re.fullmatch(r"\d{8}-\d{6}-[a-z]+-[a-z]+\.tar\.gz", archive.new_archive_name())
    assert archive.new_archive_name("nlu").startswith("nlu-")
    assert archive.new_archive_name("core").startswith("core-")


def test_pack_and_unpack_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "nlu").mkdir(parents=True)
    (source / "metadata.json").write_text("{}")
    (source / "nlu" / "a.json").write_text('{"a": 1}')
    packed = archive.pack(source, tmp_path / "out" / "m.tar.gz")
    target = tmp_path / "unpacked"
    archive.unpack(packed, target)
    assert (target / "nlu" / "a.json").read_text() == '{"a": 1}'
    assert not list((tmp_path / "out").glob("*.partial"))


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../outside.txt", "nlu/../../outside.txt"],
)
def test_paths_leaving_the_target_are_refused(tmp_path: Path, name: str) -> None:
    bad = _tar_with(tmp_path / "bad.tar.gz", lambda tar: _file(tar, name))
    with pytest.raises(ModelLoadError):
        archive.unpack(bad, tmp_path / "target")
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.FIFOTYPE])
def test_links_and_special_files_are_refused(tmp_path: Path, kind: bytes) -> None:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo("evil")
        info.type = kind
        info.linkname = "/etc/passwd"
        tar.addfile(info)

    bad = _tar_with(tmp_path / "bad.tar.gz", add)
    with pytest.raises(ModelLoadError):
        archive.unpack(bad, tmp_path / "target")


def test_archive_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    big = _tar_with(tmp_path / "big.tar.gz", lambda tar: _file(tar, "zeros", b"\0" * 10_000))
    with pytest.raises(ModelLoadError, match="more than"):
        archive.unpack(big, tmp_path / "target", max_bytes=1_000)


def test_garbage_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(ModelLoadError, match="not a readable model archive"):
        archive.unpack(junk, tmp_path / "target")
    with pytest.raises(ModelLoadError, match="No model archive"):
        archive.unpack(tmp_path / "missing.tar.gz", tmp_path / "target")


def test_latest_archive_is_the_newest(tmp_path: Path) -> None:
    assert archive.latest_archive(tmp_path) is None
    old = tmp_path / "a.tar.gz"
    new = tmp_path / "b.tar.gz"
    old.write_bytes(b"")
    new.write_bytes(b"")
    now = time.time()
    os.utime(old, (now - 100, now - 100))
    os.utime(new, (now, now))
    (tmp_path / "notes.txt").write_text("ignored")
    assert archive.latest_archive(tmp_path) == new
    assert archive.resolve_model_path(tmp_path) == new
    with pytest.raises(ModelLoadError):
        archive.resolve_model_path(tmp_path / "nothing-here")
