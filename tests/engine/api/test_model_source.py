"""Models named by PUT /model and ?model=: paths, one pull from a model server."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from engine.api.model_source import load_reference, load_requested, pull_archive
from engine.errors import BadRequest, ModelLoadError


class ModelServer:
    """Serves one archive at /models/<anything>; records request paths and headers."""

    def __init__(self, archive: bytes, headers: dict[str, str], status: int = 200) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append((self.path, dict(self.headers.items())))
                self.send_response(server.status)
                for key, value in server.headers.items():
                    self.send_header(key, value)
                body = server.archive if server.status == 200 else b""
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.archive, self.headers, self.status = archive, headers, status
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/models/default"
        threading.Thread(target=self.http.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def serve(tinybot_archives: dict[str, Path]) -> Iterator[Any]:
    started: list[ModelServer] = []

    def start(headers: dict[str, str] | None = None, status: int = 200) -> ModelServer:
        server = ModelServer(tinybot_archives["both"].read_bytes(), headers or {}, status)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def test_the_archive_keeps_the_servers_file_name(serve: Any, tmp_path: Path) -> None:
    server = serve({"filename": "20240101-000000-brave-dog.tar.gz", "ETag": "abc"})
    path = pull_archive({"url": server.url}, tmp_path)
    assert path == tmp_path / "20240101-000000-brave-dog.tar.gz"
    assert path.read_bytes() == server.archive


@pytest.mark.parametrize(("headers", "name"), [
    ({"Content-Disposition": 'attachment; filename="m1.tar.gz"'}, "m1.tar.gz"),
    ({"filename": "../../etc/evil"}, "evil.tar.gz"),
    ({}, "default.tar.gz"),
])
def test_file_names_never_leave_the_target_directory(
    serve: Any, tmp_path: Path, headers: dict, name: str
) -> None:
    assert pull_archive({"url": serve(headers).url}, tmp_path) == tmp_path / name


def test_params_token_headers_and_basic_auth_are_sent(serve: Any, tmp_path: Path) -> None:
    server = serve()
    pull_archive({"url": server.url + "?model=production", "params": {"x": 1}, "token": "t0k",
                  "token_name": "auth", "headers": {"X-Team": "bots"},
                  "basic_auth": {"username": "u", "password": "p"}}, tmp_path)
    path, headers = server.requests[0]
    assert path == "/models/default?model=production&x=1&auth=t0k"
    assert headers["X-Team"] == "bots"
    assert headers["Authorization"] == "Basic dTpw"


@pytest.mark.parametrize("status", [204, 304, 404, 500])
def test_no_model_from_the_server_is_a_load_error(serve: Any, tmp_path: Path, status: int) -> None:
    with pytest.raises(ModelLoadError):
        pull_archive({"url": serve(status=status).url}, tmp_path)


def test_an_unreachable_server_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="Cannot pull"):
        pull_archive({"url": "http://127.0.0.1:9/nothing", "timeout": 2}, tmp_path)


@pytest.mark.parametrize("config", [None, "http://x", {}, {"url": "ftp://x/m"}, {"url": "http://x", "headers": []}])
def test_invalid_model_server_configs_are_400(config: Any) -> None:
    with pytest.raises(BadRequest) as caught:
        load_requested("", config if config is not None else [], "", models_dir=Path("models"))
    assert caught.value.details == {"parameter": "model_server", "in": "body"}


def test_put_model_loads_a_file_or_a_pulled_archive(serve: Any, tinybot_archives: dict[str, Path]) -> None:
    archive = tinybot_archives["both"]
    assert load_requested(str(archive), None, "", models_dir=archive.parent).path == archive.resolve()
    pulled = load_requested("", {"url": serve({"filename": "pulled.tar.gz"}).url}, "", models_dir=archive.parent)
    assert pulled.path.name == "pulled.tar.gz" and pulled.path.exists()


@pytest.mark.parametrize(("args", "parameter"), [
    (("", None, ""), "model_file"),
    (("m.tar.gz", None, "aws"), "remote_storage"),
])
def test_nothing_usable_named_is_400(args: tuple, parameter: str) -> None:
    with pytest.raises(BadRequest) as caught:
        load_requested(*args, models_dir=Path("models"))
    assert caught.value.details["parameter"] == parameter


def test_a_missing_path_is_400(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="some-random-path"):
        load_requested("some-random-path", None, "", models_dir=tmp_path)


def test_references_may_be_urls(serve: Any) -> None:
    model = load_reference(serve({"filename": "ref.tar.gz"}).url, models_dir=Path("models"))
    assert model.path.name == "ref.tar.gz"
    assert not model.path.exists()  # evaluated, then removed


def test_model_files_resolve_only_inside_the_models_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.api.model_source import local_archive

    models = tmp_path / "models"
    (models / "sub").mkdir(parents=True)
    (models / "a.tar.gz").write_bytes(b"x")
    (tmp_path / "outside.tar.gz").write_bytes(b"x")
    (models / "in-link.tar.gz").symlink_to(models / "a.tar.gz")
    (models / "out-link.tar.gz").symlink_to(tmp_path / "outside.tar.gz")
    (models / "dir-link").symlink_to(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert local_archive("a.tar.gz", models) == (models / "a.tar.gz").resolve()  # a bare name
    assert local_archive("models/a.tar.gz", models) == (models / "a.tar.gz").resolve()  # Rasa's relative path
    assert local_archive("in-link.tar.gz", models) == (models / "a.tar.gz").resolve()
    assert local_archive("sub/missing.tar.gz", models) == (models / "sub" / "missing.tar.gz").resolve()
    # A bare name never means the working directory's file: it is looked up in the models directory.
    assert local_archive("outside.tar.gz", models) == models.resolve() / "outside.tar.gz"
    for outside in ("../outside.tar.gz", str(tmp_path / "outside.tar.gz"), "out-link.tar.gz",
                    "dir-link/outside.tar.gz", "/etc/passwd", "a\0b", "models/../../outside.tar.gz"):
        with pytest.raises(BadRequest, match="only from its models directory"):
            local_archive(outside, models)


def test_the_models_directory_means_its_newest_archive_unless_that_links_out(tmp_path: Path) -> None:
    import os

    from engine.api.model_source import local_archive

    models = tmp_path / "models"
    models.mkdir()
    (models / "old.tar.gz").write_bytes(b"x")
    (models / "new.tar.gz").write_bytes(b"x")
    os.utime(models / "old.tar.gz", (1_000, 1_000))
    assert local_archive(str(models), models) == (models / "new.tar.gz").resolve()
    (tmp_path / "outside.tar.gz").write_bytes(b"x")
    (models / "zz-link.tar.gz").symlink_to(tmp_path / "outside.tar.gz")  # now the newest
    with pytest.raises(BadRequest, match="only from its models directory"):
        local_archive(str(models), models)
