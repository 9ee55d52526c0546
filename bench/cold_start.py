"""Cold start: ``parley run`` until the first answered webhook turn.

    python -m bench.cold_start [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Callable

from bench.sequential import WEBHOOK, Client, webhook_body
from bench.servers import MOODBOT, Server, parley_server, train_parley
from bench.stats import Summary, summarize_runs


def first_answer(server: Server) -> None:
    """Send a new conversation's first webhook turn and wait for the answer."""
    with Client(server.base_url) as client:
        client.post(WEBHOOK, webhook_body("cold-start", 0))


def first_answer_seconds(start: Callable[[], AbstractContextManager[Server]]) -> float:
    """Start a server and return the seconds until it answered a webhook turn."""
    started = time.monotonic()
    with start() as server:
        first_answer(server)
        return time.monotonic() - started


def measure_parley(model_dir: Path, workdir: Path, *, runs: int = 3) -> Summary:
    """Return the cold-start seconds of ``parley run`` (median and slowest run)."""
    return summarize_runs([first_answer_seconds(lambda: parley_server(model_dir, workdir)) for _ in range(runs)], "s")


def main(argv: list[str] | None = None) -> int:
    """Train the moodbot, then time ``--runs`` cold starts."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        train_parley(MOODBOT, Path(tmp) / "models")
        print(f"machine: {os.cpu_count()} cores")
        print(f"parley: {measure_parley(Path(tmp) / 'models', Path(tmp), runs=args.runs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
