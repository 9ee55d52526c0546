"""Memory: RSS of the engine with the moodbot loaded, and of one gateway worker.

Read after a warm-up of 50 webhook turns and 50 parses, before any load test.

    python -m bench.memory
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

from bench.sequential import PARSE, WEBHOOK, parse_body, sequential_ms, webhook_body
from bench.servers import Server
from bench.standalone import run_alone

MB = 1_000_000


@dataclass
class Memory:
    """RSS in MB of the model-holding process and of the largest gateway worker."""

    engine_mb: float
    worker_mb: float | None

    def __str__(self) -> str:
        worker = "n/a" if self.worker_mb is None else f"{self.worker_mb:.0f} MB"
        return f"engine {self.engine_mb:.0f} MB, gateway worker {worker}"


def measure(server: Server, *, warmup: int = 50) -> Memory:
    """Warm the server up, then read the RSS of its processes."""
    sequential_ms(server.base_url, WEBHOOK, lambda i: webhook_body(f"memory-{i}", i), warmup, warmup=0)
    sequential_ms(server.base_url, PARSE, parse_body, warmup, warmup=0)
    workers = server.worker_rss()
    return Memory(server.engine_rss() / MB, max(workers) / MB if workers else None)


if __name__ == "__main__":
    sys.exit(run_alone(__doc__, measure))
