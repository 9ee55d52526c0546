"""``POST /model/parse`` throughput: wrk, 2 threads x 16 connections, loopback.

    python -m bench.parse_throughput [--runs 3] [--seconds 5]
"""
from __future__ import annotations

import sys

from bench.sequential import PARSE
from bench.servers import Server
from bench.standalone import run_alone
from bench.throughput import Throughput, throughput


def measure(server: Server, *, runs: int = 3, seconds: float = 5.0) -> Throughput:
    """Return requests per second (median and slowest of ``runs`` runs)."""
    return throughput(server, PARSE, '{"text": "I am feeling very good today"}', runs=runs, seconds=seconds)


if __name__ == "__main__":
    sys.exit(run_alone(__doc__, measure))
