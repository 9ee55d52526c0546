"""REST webhook full-turn throughput, a new sender per request: wrk, 2 threads x 16 connections.

    python -m bench.webhook_throughput [--runs 3] [--seconds 5]
"""
from __future__ import annotations

import sys

from bench.sequential import WEBHOOK
from bench.servers import Server
from bench.standalone import run_alone
from bench.throughput import Throughput, throughput


def measure(server: Server, *, runs: int = 3, seconds: float = 5.0) -> Throughput:
    """Return requests per second (median and slowest of ``runs`` runs)."""
    body = '{"sender": "wrk-{run}-{n}", "message": "hello there"}'
    return throughput(server, WEBHOOK, body, runs=runs, seconds=seconds)


if __name__ == "__main__":
    sys.exit(run_alone(__doc__, measure))
