"""``PUT /model`` reads only the models directory or an allowed model server; bad archives change nothing.

Against the session's secured server (real engine + gateway): every
refused or broken model is a 400 in Rasa's error JSON, and the model that
was serving before still serves afterwards.
"""
from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.security.conftest import AUTH_TOKEN, SecuredServer
from tests.security.http_origin import Origin

pytestmark = pytest.mark.integration

TOKEN = {"token": AUTH_TOKEN}


def tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    """Write a gzip tar with the given members (headers as given, data possibly short)."""
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def member(name: str, data: bytes = b"x", kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


def bomb(path: Path) -> Path:
    """An archive whose one member claims 3 GiB (more than the unpack limit) without holding it."""
    info = tarfile.TarInfo("nlu/weights.bin")
    info.size = 3 * 1024**3
    header = info.tobuf(format=tarfile.GNU_FORMAT)
    import gzip

    path.write_bytes(gzip.compress(header + b"\0" * 4096))
    return path


@pytest.fixture(scope="module")
def client(secured: SecuredServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=secured.base_url, timeout=120, params=TOKEN) as api:
        assert api.put("/model", json={"model_file": secured.archive.name}).status_code == 204
        yield api


def refused_bodies(secured: SecuredServer, outside: Path) -> list[tuple[str, dict[str, Any], str]]:
    """(case, PUT /model body, text the error message contains)."""
    models = secured.models_dir
    shutil.copy(secured.archive, outside / "valid.tar.gz")
    (models / "link-out.tar.gz").unlink(missing_ok=True)
    (models / "link-out.tar.gz").symlink_to(outside / "valid.tar.gz")
    (models / "corrupt.tar.gz").write_bytes(b"\x1f\x8b not really gzip")
    tar_gz(models / "traversal.tar.gz", [member("../../evil.txt")])
    tar_gz(models / "absolute.tar.gz", [member("/tmp/parley-evil.txt")])
    tar_gz(models / "symlink.tar.gz", [member("metadata.json", kind=tarfile.SYMTYPE, link="/etc/passwd")])
    tar_gz(models / "hardlink.tar.gz", [member("metadata.json", kind=tarfile.LNKTYPE, link="/etc/passwd")])
    tar_gz(models / "device.tar.gz", [member("metadata.json", kind=tarfile.CHRTYPE)])
    bomb(models / "bomb.tar.gz")
    outside_dir = str(outside)
    return [
        ("system file", {"model_file": "/etc/passwd"}, "only from its models directory"),
        ("relative escape", {"model_file": "../../../../etc/passwd"}, "only from its models directory"),
        ("escape through the models dir", {"model_file": f"{models}/../../etc/passwd"}, "only from its models directory"),
        ("valid archive outside", {"model_file": str(outside / "valid.tar.gz")}, "only from its models directory"),
        ("directory outside", {"model_file": outside_dir}, "only from its models directory"),
        ("symlink out of the models dir", {"model_file": "link-out.tar.gz"}, "only from its models directory"),
        ("NUL byte", {"model_file": "a\u0000b.tar.gz"}, "only from its models directory"),
        ("corrupt archive", {"model_file": "corrupt.tar.gz"}, "not a readable model archive"),
        ("member with ..", {"model_file": "traversal.tar.gz"}, "leaving the archive"),
        ("absolute member", {"model_file": "absolute.tar.gz"}, "absolute path"),
        ("symlink member", {"model_file": "symlink.tar.gz"}, "link"),
        ("hardlink member", {"model_file": "hardlink.tar.gz"}, "link"),
        ("device member", {"model_file": "device.tar.gz"}, "special file"),
        ("size bomb", {"model_file": "bomb.tar.gz"}, "more than"),
        ("cloud metadata model server", {"model_server": {"url": "http://169.254.169.254/latest/model"}},
         "not allowed by the outbound policy"),
        ("private host outside the allow-list", {"model_server": {"url": "http://10.0.0.1/model"}},
         "not allowed by the outbound policy"),
    ]


def test_refused_and_broken_models_are_400_and_the_model_keeps_serving(
    client: httpx.Client, secured: SecuredServer, tmp_path: Path
) -> None:
    before = client.get("/status").json()["model_id"]
    for case, body, message in refused_bodies(secured, tmp_path):
        reply = client.put("/model", json=body)
        assert reply.status_code == 400, (case, reply.status_code, reply.text)
        error = reply.json()
        assert error["status"] == "failure" and error["code"] == 400, case
        assert message in error["message"], (case, error["message"])
        assert client.get("/status").json()["model_id"] == before, case
    assert not Path("/tmp/parley-evil.txt").exists()
    assert client.post("/model/parse", json={"text": "hello"}).status_code == 200


def test_redirects_to_another_host_are_not_followed(client: httpx.Client, secured: SecuredServer) -> None:
    before = client.get("/status").json()["model_id"]
    redirector = Origin(location="http://127.0.0.2:9/elsewhere.tar.gz")
    try:
        reply = client.put("/model", json={"model_server": {"url": f"{redirector.url}/redirect"}})
    finally:
        redirector.close()
    assert reply.status_code == 400, reply.text
    assert "redirected to another host" in reply.json()["message"]
    assert client.get("/status").json()["model_id"] == before


def test_evaluating_another_model_reads_only_the_models_directory(client: httpx.Client) -> None:
    nlu = b"version: '3.1'\nnlu:\n- intent: greet\n  examples: |\n    - hello\n"
    reply = client.post("/model/test/intents", params={"model": "/etc/passwd", **TOKEN}, content=nlu,
                        headers={"Content-Type": "application/x-yaml"})
    assert reply.status_code == 400, reply.text
    assert "only from its models directory" in reply.json()["message"]


def test_an_archive_in_the_models_directory_loads_by_name(client: httpx.Client, secured: SecuredServer) -> None:
    copy = secured.models_dir / "sub" / "copy.tar.gz"
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(secured.archive, copy)
    assert client.put("/model", json={"model_file": "sub/copy.tar.gz"}).status_code == 204
    assert client.get("/status").json()["model_file"] == "copy.tar.gz"
    assert client.put("/model", json={"model_file": str(secured.archive)}).status_code == 204


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/hook",
                                 "http://[fe80::1]/hook", "file:///etc/passwd"])
def test_callback_urls_outside_the_allow_list_are_400_before_any_work(client: httpx.Client, url: str) -> None:
    payload = b"version: '3.1'\nnlu:\n- intent: greet\n  examples: |\n    - hello\n"
    for path in ("/model/train", "/model/test/intents"):
        reply = client.post(path, params={"callback_url": url, **TOKEN}, content=payload,
                            headers={"Content-Type": "application/x-yaml"})
        assert reply.status_code == 400, (path, reply.text)
        assert reply.json()["details"] == {"parameter": "callback_url", "in": "query"}
    assert client.get("/status").json()["num_active_training_jobs"] == 0
