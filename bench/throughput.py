"""Shared part of the throughput benchmarks: repeated wrk runs on one endpoint.

Besides requests per second, the server's CPU time per request (all its
processes, from /proc) is reported: on a shared machine it moves much less
than throughput does, and 2 cores divided by it bounds the throughput a
quiet machine would reach.
"""
from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass

from bench.load import run_load
from bench.procs import cpu_seconds
from bench.servers import Server
from bench.stats import Summary, summarize_runs


@dataclass
class Throughput:
    """Requests per second over runs and the server's CPU ms per request (median of runs).

    ``cpu_by_role`` splits the CPU between the engine and the gateway
    processes (the supervisor counts as engine; Rasa is all "engine").
    """

    rate: Summary
    cpu_ms_per_request: float
    cpu_by_role: dict[str, float]

    def __str__(self) -> str:
        split = ", ".join(f"{role} {ms:.3f}" for role, ms in self.cpu_by_role.items() if ms)
        return f"{self.rate}; server CPU {self.cpu_ms_per_request:.3f} ms/request ({split})"


def throughput(server: Server, path: str, body_template: str, *, runs: int, seconds: float) -> Throughput:
    """Return req/s per run (median and the slowest run) after a 1 s warm-up.

    ``{run}`` in ``body_template`` becomes a value unique to each wrk run
    (``{n}`` numbers the requests within a run), so sender ids never repeat.

    Raises:
        RuntimeError: A run saw error responses.
    """

    def body() -> str:
        return body_template.replace("{run}", uuid.uuid4().hex[:12])

    run_load(server.base_url, path, body(), seconds=1)
    rates: list[float] = []
    cpu: dict[str, list[float]] = {}
    for _ in range(runs):
        roles = server.pids_by_role()
        before = {role: cpu_seconds(pids) for role, pids in roles.items()}
        result = run_load(server.base_url, path, body(), seconds=seconds)
        if result.errors:
            raise RuntimeError(f"{server.name} {path}: {result.errors} failed requests under load")
        rates.append(result.requests_per_second)
        for role, pids in roles.items():
            used = cpu_seconds(pids) - before[role]
            cpu.setdefault(role, []).append(used * 1000 / max(1, result.requests))
    by_role = {role: statistics.median(values) for role, values in cpu.items()}
    return Throughput(summarize_runs(rates, "req/s", higher_is_better=True), sum(by_role.values()), by_role)

