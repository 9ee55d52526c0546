"""DucklingEntityExtractor: structured entities from a Duckling HTTP server."""
from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, Message, check_number, config_error

logger = logging.getLogger(__name__)

# A server that is down fails every message; say so at most this often.
ERROR_LOG_INTERVAL_S = 60.0


def convert_match(match: dict[str, Any], extractor: str) -> dict[str, Any]:
    """Turn one Duckling match into a Rasa entity dict."""
    info = match.get("value") or {}
    if info.get("type") == "interval":
        value: Any = {"to": (info.get("to") or {}).get("value"), "from": (info.get("from") or {}).get("value")}
    else:
        value = info.get("value")
    return {
        "start": match.get("start"),
        "end": match.get("end"),
        "text": match.get("body", match.get("text")),
        "value": value,
        "confidence": 1.0,
        "additional_info": info,
        "entity": match.get("dim"),
        "extractor": extractor,
    }


class DucklingEntityExtractor(Component):
    """Ask a Duckling server (``POST {url}/parse``) for numbers, dates, emails...

    A server that is down or slow costs the entities of that message, never
    the parse: the error is logged and no entity is added.

    Config (Rasa's names):
        url: Base URL of the Duckling server (required).
        dimensions: Dimensions to keep (None = all).
        locale: Duckling locale (``en_US`` when unset).
        timezone: Timezone name sent as ``tz`` (omitted when unset).
        timeout: Request timeout in seconds (3).
        extractor_name: ``extractor`` of the output entities.
    """

    provides = frozenset({"entities"})

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults."""
        return {
            "url": None,
            "dimensions": None,
            "locale": None,
            "timezone": None,
            "timeout": 3,
            "extractor_name": None,
        }

    def validate_config(self) -> None:
        """Check url, dimensions and timeout."""
        name = type(self).__name__
        url = self.config["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise config_error(name, f"url must be an http(s) URL of a Duckling server, got {url!r}.")
        dims = self.config["dimensions"]
        if dims is not None and not (isinstance(dims, list) and all(isinstance(d, str) for d in dims)):
            raise config_error(name, "dimensions must be a list of names.")
        check_number(name, "timeout", self.config["timeout"], minimum=0)

    @property
    def extractor_name(self) -> str:
        """Value of ``extractor`` on the output entities."""
        return self.config.get("extractor_name") or type(self).__name__

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> DucklingEntityExtractor:
        """Nothing to learn."""
        self.validate_config()
        return self

    def _request(self, text: str, reference_time_ms: int) -> list[dict[str, Any]]:
        fields = {
            "text": text,
            "locale": self.config["locale"] or "en_US",
            "reftime": str(reference_time_ms),
        }
        if self.config["timezone"]:
            fields["tz"] = self.config["timezone"]
        if self.config["dimensions"]:
            fields["dims"] = json.dumps(self.config["dimensions"])
        request = urllib.request.Request(
            self.config["url"].rstrip("/") + "/parse",
            data=urllib.parse.urlencode(fields).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=float(self.config["timeout"])) as response:
            payload = json.loads(response.read().decode("utf-8"))
        return payload if isinstance(payload, list) else []

    def extract(self, text: str, reference_time_ms: int | None = None) -> list[dict[str, Any]]:
        """Return Duckling's entities for ``text`` (empty when the server fails)."""
        if reference_time_ms is None:
            reference_time_ms = int(time.time() * 1000)
        try:
            matches = self._request(text, reference_time_ms)
        except (urllib.error.URLError, OSError, ValueError) as ex:
            now = time.monotonic()
            last = self.__dict__.get("_last_error_log")
            if last is None or now - last >= ERROR_LOG_INTERVAL_S:
                self._last_error_log = now
                logger.error(
                    "Failed to get entities from the Duckling server at %s: %s. Is it running? "
                    "(repeats are logged at most every %.0f s)",
                    self.config["url"],
                    ex,
                    ERROR_LOG_INTERVAL_S,
                )
            else:
                logger.debug("Duckling request failed: %s", ex)
            return []
        dims = set(self.config["dimensions"] or [])
        return [
            convert_match(m, self.extractor_name)
            for m in matches
            if isinstance(m, dict) and (not dims or m.get("dim") in dims)
        ]

    def process(self, message: Message) -> None:
        """Append Duckling's entities to the message."""
        if message.text:
            message.entities.extend(self.extract(message.text))
