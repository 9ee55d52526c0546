"""Where ``PUT /model`` and ``/model/test/intents?model=`` get a model from.

A path (an archive, or a directory whose newest archive is used) or a model
server endpoint (Rasa's EndpointConfig: ``url``, ``params``, ``headers``,
``basic_auth``, ``token``, ``token_name``) from which one archive is pulled
over HTTP. Cloud storages are not served. Loading failures are 400s; the
caller keeps its current model.

Safety: a path must lie inside the engine's models directory once symlinks
are resolved (any other path is a 400 that does not say whether the file
exists), so an API client cannot make the engine read arbitrary files. A
model server URL must pass the outbound policy (:mod:`outbound`); downloads
follow redirects only on the same host.
"""
from __future__ import annotations

import base64
import logging
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import BadRequest, ModelLoadError
from engine.models.archive import latest_archive
from outbound import OutboundPolicy
from outbound.clients import guarded_urlopen

if TYPE_CHECKING:
    from engine.models.loader import Model

logger = logging.getLogger(__name__)

DEFAULT_PULL_TIMEOUT = 300.0
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024
_CHUNK = 1024 * 1024
_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)


def _bad_parameter(message: str, parameter: str) -> BadRequest:
    return BadRequest(message, details={"parameter": parameter, "in": "body"})


def check_model_server(config: Any) -> dict[str, Any]:
    """Return the model server endpoint config, or raise a 400.

    Raises:
        BadRequest: Not an object, or without an http(s) ``url``.
    """
    if not isinstance(config, dict):
        raise _bad_parameter("'model_server' must be an object with a 'url'.", "model_server")
    url = config.get("url")
    if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise _bad_parameter("'model_server' needs an http(s) 'url'.", "model_server")
    for key in ("params", "headers", "basic_auth"):
        if config.get(key) is not None and not isinstance(config[key], dict):
            raise _bad_parameter(f"'model_server.{key}' must be an object.", "model_server")
    return config


def _request(config: dict[str, Any]) -> urllib.request.Request:
    params = {str(k): str(v) for k, v in (config.get("params") or {}).items()}
    if config.get("token"):
        params[str(config.get("token_name") or "token")] = str(config["token"])
    url = config["url"]
    if params:
        url += ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(params)
    headers = {str(k): str(v) for k, v in (config.get("headers") or {}).items()}
    auth = config.get("basic_auth") or {}
    if auth.get("username") is not None:
        pair = f"{auth.get('username')}:{auth.get('password') or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    return urllib.request.Request(url, headers=headers, method="GET")


def _archive_name(headers: Any, url: str) -> str:
    name = headers.get("filename") or ""
    if not name:
        match = _FILENAME.search(headers.get("Content-Disposition") or "")
        name = match.group(1) if match else ""
    if not name:
        name = Path(urllib.parse.urlsplit(url).path).name
    name = Path(urllib.parse.unquote(name)).name  # never a path of the server's choosing
    if not name or name in (".", ".."):
        name = "model.tar.gz"
    return name if name.endswith(".tar.gz") else f"{name}.tar.gz"


def local_archive(model_file: str, models_dir: Path) -> Path:
    """Return where ``model_file`` points, if that is inside ``models_dir``.

    A relative path is taken from the working directory (Rasa's
    ``models/20240101.tar.gz``), else from the models directory (a bare
    archive name). Symlinks are resolved before the check.

    Raises:
        BadRequest: The path lies outside the models directory.
    """
    root = models_dir.resolve()
    given = Path(model_file)
    inside: list[Path] = []
    for candidate in (given,) if given.is_absolute() else (given, root / given):
        try:
            resolved = candidate.resolve()
            if resolved.is_dir():
                # A directory means its newest archive, which may itself be a link out.
                newest = latest_archive(resolved)
                resolved = newest.resolve() if newest is not None else resolved
        except (OSError, ValueError, RuntimeError):  # NUL bytes, symlink loops
            continue
        if resolved == root or root in resolved.parents:
            inside.append(resolved)
    if inside:
        # An existing file first; else the loader says the file is missing.
        return next((path for path in inside if path.exists()), inside[-1])
    raise _bad_parameter(
        f"Cannot load '{model_file}': Parley loads model files only from its models directory "
        "(the engine's -m / PARLEY_MODEL); name an archive there, or send 'model_server'.",
        "model_file",
    )


def pull_archive(config: dict[str, Any], directory: Path, policy: OutboundPolicy | None = None) -> Path:
    """Download one model archive from the model server into ``directory``.

    Raises:
        ModelLoadError: The server is unreachable, answers anything but 200
            with a body, the archive is too large, or the outbound policy
            refuses the host.
    """
    config = check_model_server(config)
    url = config["url"]
    timeout = float(config.get("timeout") or DEFAULT_PULL_TIMEOUT)
    try:
        with guarded_urlopen(_request(config), timeout=timeout, policy=policy or OutboundPolicy()) as reply:
            if reply.status != 200:
                raise ModelLoadError(f"The model server at {url} has no model to send (HTTP {reply.status}).")
            target = directory / _archive_name(reply.headers, url)
            size = 0
            with open(target, "wb") as out:
                while chunk := reply.read(_CHUNK):
                    size += len(chunk)
                    if size > MAX_ARCHIVE_BYTES:
                        raise ModelLoadError(f"The model from {url} is larger than {MAX_ARCHIVE_BYTES} bytes.")
                    out.write(chunk)
    except urllib.error.HTTPError as ex:
        raise ModelLoadError(f"The model server at {url} answered HTTP {ex.code}.") from None
    except (urllib.error.URLError, OSError, ValueError) as ex:
        reason = getattr(ex, "reason", ex)
        raise ModelLoadError(f"Cannot pull a model from {url}: {reason}.") from None
    if size == 0:
        raise ModelLoadError(f"The model server at {url} sent an empty model.")
    logger.info("pulled model %s (%d bytes) from %s", target.name, size, url)
    return target


def load_from_server(config: Any, *, keep: bool = True, policy: OutboundPolicy | None = None) -> Model:
    """Pull one archive from a model server and load it.

    Args:
        config: The endpoint config.
        keep: Keep the downloaded archive (it is then the served model's
            file); False removes it once loaded.
        policy: Which hosts the URL may name.
    """
    from engine.models.loader import load_model

    directory = Path(tempfile.mkdtemp(prefix="parley-pulled-"))
    try:
        model = load_model(pull_archive(config, directory, policy))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    if not keep:
        shutil.rmtree(directory, ignore_errors=True)
    return model


def load_requested(
    model_file: str,
    model_server: Any,
    remote_storage: str,
    *,
    models_dir: Path,
    policy: OutboundPolicy | None = None,
) -> Model:
    """Load the model a ``PUT /model`` body names.

    Args:
        model_file: A path inside ``models_dir`` (see :func:`local_archive`).
        model_server: A model server endpoint config.
        remote_storage: A cloud storage name (refused).
        models_dir: The only directory model files are read from.
        policy: Which hosts a model server URL may name.

    Raises:
        BadRequest: Nothing named, a remote storage named, an invalid model
            server config, or a model that cannot be loaded.
    """
    from engine.models.loader import load_model

    if remote_storage:
        raise _bad_parameter(
            f"Remote storage '{remote_storage}' is not supported: Parley loads models from a "
            "file path ('model_file') or a model server ('model_server').",
            "remote_storage",
        )
    if model_file:
        return load_model(local_archive(model_file, models_dir))
    if model_server is not None:
        return load_from_server(model_server, policy=policy)
    raise _bad_parameter(
        "No model given: send 'model_file' (an archive in the models directory) or 'model_server'.",
        "model_file",
    )


def load_reference(reference: str, *, models_dir: Path, policy: OutboundPolicy | None = None) -> Model:
    """Load a model named by a path in ``models_dir`` or an http(s) URL (``?model=``)."""
    from engine.models.loader import load_model

    if urllib.parse.urlsplit(reference).scheme in ("http", "https"):
        return load_from_server({"url": reference}, keep=False, policy=policy)
    return load_model(local_archive(reference, models_dir))
