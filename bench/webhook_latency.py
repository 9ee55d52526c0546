"""REST webhook full turn, one client, a new sender each request: median / p99 latency.

    python -m bench.webhook_latency [--runs 3] [--requests 300]
"""
from __future__ import annotations

import itertools
import sys
import uuid

from bench.sequential import WEBHOOK, sequential_ms, webhook_body
from bench.servers import Server
from bench.standalone import run_alone
from bench.stats import Summary, summarize


def measure(server: Server, *, runs: int = 3, requests: int = 300) -> Summary:
    """Return the latency in ms of a new conversation's first turn, pooled over ``runs`` runs."""
    prefix = uuid.uuid4().hex[:8]
    numbers = itertools.count()
    samples: list[float] = []
    for _ in range(runs):
        samples += sequential_ms(
            server.base_url, WEBHOOK, lambda i: webhook_body(f"new-{prefix}-{next(numbers)}", 0), requests
        )
    return summarize(samples, "ms", runs)


if __name__ == "__main__":
    sys.exit(run_alone(__doc__, measure))
