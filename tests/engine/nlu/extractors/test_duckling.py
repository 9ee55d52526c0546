"""DucklingEntityExtractor against a local stand-in Duckling HTTP server."""
from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Iterator

import pytest

from engine.errors import DataError
from engine.nlu.component import Message
from engine.nlu.extractors.duckling import DucklingEntityExtractor
from tests.conftest import free_port

MATCHES = [
    {"body": "4", "start": 16, "end": 17, "dim": "number", "latent": False, "value": {"value": 4, "type": "value"}},
    {
        "body": "tomorrow",
        "start": 18,
        "end": 26,
        "dim": "time",
        "latent": False,
        "value": {"type": "interval", "from": {"value": "2024-01-02T00:00:00.000Z"}, "to": {"value": "2024-01-03T00:00:00.000Z"}},
    },
]


@pytest.fixture
def duckling() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append({"path": self.path, **dict(urllib.parse.parse_qsl(body))})
            payload = json.dumps(MATCHES).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()


def test_entities_come_from_the_server(duckling) -> None:
    url, received = duckling
    extractor = DucklingEntityExtractor({"url": url, "timezone": "Europe/Berlin"}).fit([])
    message = Message("a table for me, 4 tomorrow")
    extractor.process(message)
    number, time = message.entities
    assert number == {
        "start": 16, "end": 17, "text": "4", "value": 4, "confidence": 1.0,
        "additional_info": {"value": 4, "type": "value"}, "entity": "number", "extractor": "DucklingEntityExtractor",
    }
    assert time["value"] == {"to": "2024-01-03T00:00:00.000Z", "from": "2024-01-02T00:00:00.000Z"}
    assert received[0]["path"] == "/parse"
    assert received[0]["text"] == "a table for me, 4 tomorrow"
    assert received[0]["locale"] == "en_US" and received[0]["tz"] == "Europe/Berlin"


def test_dimensions_filter_the_entities(duckling) -> None:
    url, received = duckling
    extractor = DucklingEntityExtractor({"url": url, "dimensions": ["number"]})
    assert [e["entity"] for e in extractor.extract("4 tomorrow")] == ["number"]
    assert json.loads(received[0]["dims"]) == ["number"]


def test_server_down_gives_no_entities_not_an_error() -> None:
    extractor = DucklingEntityExtractor({"url": f"http://127.0.0.1:{free_port()}", "timeout": 1})
    message = Message("4 tomorrow")
    extractor.process(message)
    assert message.entities == []


def test_url_is_required() -> None:
    with pytest.raises(DataError, match="url"):
        DucklingEntityExtractor().validate_config()
