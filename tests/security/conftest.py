"""One secured Parley server (real engine + gunicorn gateway) for the security tests.

``parley run --enable-api --auth-token --jwt-secret`` serves tinybot from a
private models directory with the rest, callback and socket.io channels;
outbound requests may only reach loopback.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import jwt
import pytest

from bench.harness import RunningParley, start_parley
from tests.conftest import FIXTURES
from tests.integration.conftest import train

AUTH_TOKEN = "sec-token-1f7c2a"
JWT_SECRET = "sec-jwt-secret-long-enough-for-hs256-0b9d4e"
LOOPBACK_ONLY = "127.0.0.0/8,::1"


@dataclass
class SecuredServer:
    """The running server, its models directory and its combined log."""

    running: RunningParley
    models_dir: Path
    archive: Path

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.running.base_url

    def log(self) -> str:
        """Everything both processes printed (access log included)."""
        return self.running.log()


def bearer(payload: dict, key: str = JWT_SECRET, algorithm: str = "HS256") -> dict[str, str]:
    """An ``Authorization`` header with a JWT of ``payload``."""
    return {"Authorization": f"Bearer {jwt.encode(payload, key, algorithm=algorithm)}"}


@pytest.fixture(scope="session")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredServer]:
    """Start the server once for every security test."""
    work = tmp_path_factory.mktemp("secured")
    models = work / "models"
    archive = train(FIXTURES / "bots" / "tinybot", models)
    # Every channel with a webhook, so the fuzzer reaches them all; the callback
    # channel answers to a closed loopback port.
    credentials = work / "credentials.yml"
    credentials.write_text("rest:\ncallback:\n  url: http://127.0.0.1:9/bot\nsocketio:\n", "utf-8")
    running = start_parley(
        ["-m", str(models), "--enable-api", "--auth-token", AUTH_TOKEN, "--jwt-secret", JWT_SECRET,
         "--outbound-allow", LOOPBACK_ONLY, "--credentials", str(credentials)],
        cwd=work, log_path=work / "parley.log",
    )
    try:
        yield SecuredServer(running, models, archive)
    finally:
        running.stop()
