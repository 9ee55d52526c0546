"""Schemathesis against the running gateway's own ``/openapi.json``: every operation.

Four runs against one secured server (real engine and gunicorn gateway):
with ``?token=``, with an admin JWT, without credentials and with wrong
ones. Checks: no 5xx, status codes, content types, headers and bodies as
documented, no request left hanging (a per-request timeout fails the run).
The unauthenticated runs must not get any protected operation past auth.
Afterwards ``/status`` answers and a conversation stored before the runs
has exactly its events. Seeds are fixed and the example database is off,
so every CI run sends the same cases.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from gateway.openapi import load_document
from tests.conftest import REPO
from tests.security.conftest import AUTH_TOKEN, SecuredServer, bearer
from tests.security.fuzz_hooks import RECORD_ENV

pytestmark = pytest.mark.integration

CHECKS = ",".join((
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
))
REQUEST_TIMEOUT = 30  # a request without an answer by then fails the run ("no hang")
ADMIN = {"user": {"username": "fuzzer", "role": "admin"}}


@dataclass
class FuzzRun:
    """One schemathesis run: its credentials and its size."""

    name: str
    max_examples: int
    seed: int
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    authenticated: bool = True


RUNS = [
    FuzzRun("token", max_examples=40, seed=9001, token=AUTH_TOKEN),
    FuzzRun("jwt-admin", max_examples=8, seed=9002, headers=bearer(ADMIN)),
    FuzzRun("no-auth", max_examples=5, seed=9003, authenticated=False),
    FuzzRun("wrong-auth", max_examples=5, seed=9004, token="not-the-token", authenticated=False,
            headers=bearer(ADMIN, key="a-wrong-secret-that-is-long-enough-0000")),
]


@dataclass
class FuzzResult:
    """What a run generated and found."""

    generated: int
    failures: int
    statuses: Counter[str]
    records: list[tuple[str, str, int]]
    output: str


def protected_operations() -> set[tuple[str, str]]:
    """``(METHOD, path)`` of every operation that requires credentials."""
    document = load_document()
    protected: set[tuple[str, str]] = set()
    default = document.get("security", [])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and operation.get("security", default):
                protected.add((method.upper(), path))
    return protected


def run_schemathesis(server: SecuredServer, run: FuzzRun, work: Path) -> FuzzResult:
    """Run the schemathesis CLI once and return its counts and the recorded responses."""
    record = work / f"{run.name}.responses"
    config = work / f"{run.name}.toml"
    config.write_text(f'[auth.openapi.TokenAuth]\napi_key = "{run.token}"\n' if run.token else "", "utf-8")
    argv = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", f"{server.base_url}/openapi.json", "--checks", CHECKS,
        "--max-examples", str(run.max_examples), "--seed", str(run.seed),
        "--generation-database", "none", "--request-timeout", str(REQUEST_TIMEOUT),
        # One worker: the machine has two cores, and the server needs one.
        "--workers", "1", "--no-color", "--report", "junit", "--report-dir", str(work / run.name),
    ]
    if run.authenticated:
        # Unloading the model would turn most later cases into 409s; the
        # unauthenticated runs still send DELETE /model (and must get 401).
        argv += ["--exclude-operation-id", "unloadModel"]
    for name, value in run.headers.items():
        argv += ["-H", f"{name}: {value}"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.security.fuzz_hooks", RECORD_ENV: str(record),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(argv, capture_output=True, text=True, cwd=work, env=env, timeout=600)
    output = result.stdout + result.stderr
    generated = re.search(r"(\d+) generated", output)
    found = re.search(r"found (\d+) unique failure", output)
    records = []
    for line in record.read_text("utf-8").splitlines() if record.exists() else ():
        method, rest = line.split(" ", 1)
        path, status = rest.rsplit(" ", 1)
        records.append((method, path, int(status)))
    assert result.returncode == 0 and generated, f"schemathesis run '{run.name}' failed:\n{output[-20000:]}"
    return FuzzResult(
        generated=int(generated.group(1)),
        failures=int(found.group(1)) if found else 0,
        statuses=Counter(str(status) for _, _, status in records),
        records=records,
        output=output,
    )


def events_of(server: SecuredServer, conversation_id: str) -> list[dict]:
    """Every stored event of a conversation."""
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        reply = client.get(f"/conversations/{conversation_id}/tracker",
                           params={"token": AUTH_TOKEN, "include_events": "ALL"})
    assert reply.status_code == 200, reply.text
    return reply.json()["events"]


def test_fuzzing_every_operation_finds_nothing_and_loses_nothing(
    secured: SecuredServer, tmp_path: Path
) -> None:
    keeper = f"fuzz-keeper-{uuid.uuid4().hex}"
    with httpx.Client(base_url=secured.base_url, timeout=60) as client:
        for text in ("hello", "what is the weather in Paris"):
            reply = client.post(f"/conversations/{keeper}/messages", params={"token": AUTH_TOKEN},
                                json={"text": text, "sender": "user"})
            assert reply.status_code == 200, reply.text
    before = events_of(secured, keeper)

    protected = protected_operations()
    results: dict[str, FuzzResult] = {}
    for run in RUNS:
        results[run.name] = result = run_schemathesis(secured, run, tmp_path)
        if not run.authenticated:
            leaked = [(m, p, s) for m, p, s in result.records
                      if (m, p) in protected and (s < 400 or s == 409)]
            assert not leaked, f"'{run.name}' got past auth: {leaked[:10]}"

    print("\nrun         generated  failures  statuses")
    for name, result in results.items():
        statuses = " ".join(f"{code}:{count}" for code, count in sorted(result.statuses.items()))
        print(f"{name:<11} {result.generated:>9}  {result.failures:>8}  {statuses}")
    print(f"total       {sum(r.generated for r in results.values()):>9}  "
          f"{sum(r.failures for r in results.values()):>8}")
    assert not any(r.statuses.get(str(code)) for r in results.values() for code in range(500, 600))

    with httpx.Client(base_url=secured.base_url, timeout=60) as client:
        assert client.get("/").status_code == 200
        status = client.get("/status", params={"token": AUTH_TOKEN})
        assert status.status_code in (200, 409) and status.json()  # 409: the fuzzer unloaded the model
        # The fuzzer may have unloaded or replaced the model; serve the original again.
        reply = client.put("/model", params={"token": AUTH_TOKEN}, json={"model_file": secured.archive.name})
        assert reply.status_code == 204, reply.text
        assert client.get("/status", params={"token": AUTH_TOKEN}).status_code == 200
    assert events_of(secured, keeper) == before
