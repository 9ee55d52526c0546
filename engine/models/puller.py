"""Model server: poll a URL for a new model archive and hot-swap it in.

endpoints.yml (Rasa's format)::

    models:
      url: http://my-server.com/models/default
      token: secret              # optional, sent as ?<token_name>=<token>
      token_name: token          # optional, default "token"
      wait_time_between_pulls: 10  # seconds; 0 or null pulls once at start

Each poll sends ``If-None-Match`` with the ETag of the served model; the
server answers 304 when nothing changed. A new archive is downloaded to a
private directory, loaded completely, then swapped in with one reference
assignment (:meth:`Agent.set_model`), so no request sees a half-loaded
model. An archive that does not load leaves the current model serving.
Downloads go through the outbound policy (:mod:`outbound`): the host must be
allowed and redirects stay on it.
"""
from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from engine.errors import DataError, EngineError
from outbound import OutboundPolicy
from outbound.clients import guarded_urlopen

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.metrics import EngineMetrics
    from engine.models.loader import Model

logger = logging.getLogger(__name__)

DEFAULT_WAIT = 100.0  # Rasa's default wait_time_between_pulls
_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ModelServerConfig:
    """The ``models:`` section of endpoints.yml.

    Attributes:
        url: Where the archive is served.
        token: Optional token, sent as a query parameter.
        token_name: Name of that parameter.
        wait: Seconds between polls; 0 means poll once at start only.
        timeout: Seconds a download may take.
        outbound: Which hosts the URL may name.
    """

    url: str
    token: str | None = None
    token_name: str = "token"
    wait: float = DEFAULT_WAIT
    timeout: float = 60.0
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)

    @classmethod
    def from_section(cls, section: Any, outbound: OutboundPolicy | None = None) -> ModelServerConfig | None:
        """Read the section; None when there is none or it has no ``url``.

        Raises:
            DataError: The section is not a mapping or a value is unusable.
        """
        if not section:
            return None
        if not isinstance(section, dict):
            raise DataError("models: expected a mapping with a 'url'", file="endpoints.yml")
        url = str(section.get("url") or "").strip()
        if not url:
            return None
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise DataError(f"models: 'url' must be an http(s) URL, not '{url}'", file="endpoints.yml")
        raw_wait = section.get("wait_time_between_pulls", DEFAULT_WAIT)
        try:
            wait = float(raw_wait) if raw_wait not in (None, "") else 0.0
        except (TypeError, ValueError):
            raise DataError(f"models: 'wait_time_between_pulls' must be seconds, not '{raw_wait}'",
                            file="endpoints.yml") from None
        return cls(
            url=url,
            token=str(section["token"]) if section.get("token") else None,
            token_name=str(section.get("token_name") or "token"),
            wait=max(wait, 0.0),
            outbound=outbound or OutboundPolicy(),
        )

    def request_url(self) -> str:
        """The URL to GET, with the token parameter when configured."""
        if not self.token:
            return self.url
        parts = urllib.parse.urlsplit(self.url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        query.append((self.token_name, self.token))
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class ModelPuller:
    """Polls the model server and swaps new models into the agent.

    Args:
        config: The model server settings.
        agent: Receives each new model through ``set_model``.
        loader: Turns an archive path into a model (injected for tests).
        metrics: Counts polls by result, if given.
    """

    def __init__(
        self,
        config: ModelServerConfig,
        agent: Agent,
        *,
        loader: Callable[[Path], Model] | None = None,
        metrics: EngineMetrics | None = None,
    ) -> None:
        self.config = config
        self.agent = agent
        self.loader = loader or _default_loader
        self.metrics = metrics
        self.etag: str | None = None
        self._rejected_etag: str | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="parley-model-server-"))
        self._current: Path | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def pull(self) -> str:
        """Poll once; return ``updated``, ``unchanged``, ``rejected`` or ``unavailable``."""
        result = self._pull()
        if self.metrics is not None:
            self.metrics.model_pulls.labels(result).inc()
        return result

    def _pull(self) -> str:
        request = urllib.request.Request(self.config.request_url(), headers={"Accept": "application/gzip"})
        if self.etag:
            request.add_header("If-None-Match", self.etag)
        try:
            with guarded_urlopen(request, timeout=self.config.timeout, policy=self.config.outbound) as response:
                etag = response.headers.get("ETag")
                if etag and etag == self._rejected_etag:
                    return "rejected"  # the same bad archive again: already reported
                archive = self._dir / f"incoming-{_file_name(response.headers, self.config.url)}"
                with open(archive, "wb") as out:
                    shutil.copyfileobj(response, out, 1024 * 1024)
        except urllib.error.HTTPError as ex:
            if ex.code == 304:
                return "unchanged"
            if ex.code == 204:
                return "unchanged"
            logger.warning("model server %s answered %d; keeping the current model", self.config.url, ex.code)
            return "unavailable"
        except (OSError, ValueError) as ex:
            logger.warning("model server %s unreachable (%s); keeping the current model", self.config.url, ex)
            return "unavailable"
        return self._swap(archive, etag)

    def _swap(self, archive: Path, etag: str | None) -> str:
        final = archive.with_name(archive.name.removeprefix("incoming-"))
        if final == self._current:
            final = final.with_name(f"new-{final.name}")
        archive.replace(final)
        try:
            model = self.loader(final)
        except EngineError as ex:
            logger.error("the model from %s does not load (%s); keeping the current model",
                         self.config.url, ex.message)
            final.unlink(missing_ok=True)
            self._rejected_etag = etag
            return "rejected"
        self.agent.set_model(model)
        previous, self._current = self._current, final
        if previous is not None and previous != final:
            previous.unlink(missing_ok=True)
        self.etag = etag
        self._rejected_etag = None
        logger.info("serving model %s (id %s) from the model server", final.name, model.model_id)
        return "updated"

    def start(self) -> None:
        """Poll every ``wait`` seconds in a background thread (no-op when ``wait`` is 0)."""
        if self.config.wait <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="model-puller", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.config.wait):
            try:
                self.pull()
            except Exception:  # the poller must outlive any single failure
                logger.exception("model server poll failed")

    def stop(self) -> None:
        """Stop polling (waits for a running poll) and remove downloaded archives."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.timeout + 5)
        shutil.rmtree(self._dir, ignore_errors=True)


def _default_loader(path: Path) -> Model:
    from engine.models.loader import load_model

    return load_model(path)


def _file_name(headers: Any, url: str) -> str:
    """The archive's name: Content-Disposition, else the URL's last part."""
    disposition = headers.get("Content-Disposition") or ""
    found = _FILENAME.search(disposition)
    name = found.group(1) if found else urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]
    name = _SAFE_NAME.sub("_", urllib.parse.unquote(name)).strip("._") or "model"
    return name if name.endswith(".tar.gz") else f"{name}.tar.gz"

