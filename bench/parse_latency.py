"""``POST /model/parse``, one client, sequential: median / p99 latency.

    python -m bench.parse_latency [--runs 3] [--requests 300]
"""
from __future__ import annotations

import sys

from bench.sequential import PARSE, parse_body, sequential_ms
from bench.servers import Server
from bench.standalone import run_alone
from bench.stats import Summary, summarize


def measure(server: Server, *, runs: int = 3, requests: int = 300) -> Summary:
    """Return the latency in ms, pooled over ``runs`` runs."""
    samples: list[float] = []
    for _ in range(runs):
        samples += sequential_ms(server.base_url, PARSE, parse_body, requests)
    return summarize(samples, "ms", runs)


if __name__ == "__main__":
    sys.exit(run_alone(__doc__, measure))
