"""First end-to-end benchmark: moodbot training time and request latency.

Trains ../shared/data/bots/moodbot with ``parley train --force``, serves it with
``parley run`` on loopback and measures, one client at a time, the latency of
``POST /model/parse`` and of a full REST webhook turn (gateway + gRPC + engine).

    python -m bench.e2e [--requests 300] [--bot PATH]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import parley_command, start_parley

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BOT = REPO.parent / "shared" / "data" / "bots" / "moodbot"
TEXTS = ["hello there", "I am great", "very sad", "are you a bot?", "yes", "no", "bye"]


def percentile(samples: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of ``samples``."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def train_seconds(bot: Path, out: Path) -> float:
    """Train the bot with the CLI (``--force``) and return the wall time."""
    started = time.perf_counter()
    subprocess.run(
        parley_command("train", "--force", "--config", str(bot / "config.yml"), "--domain",
                       str(bot / "domain.yml"), "--data", str(bot / "data"), "--out", str(out),
                       "--quiet"),
        check=True, cwd=REPO, stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure(client: httpx.Client, requests: int, call) -> list[float]:
    """Time ``requests`` sequential calls (after a short warm-up), in ms."""
    for i in range(20):
        call(client, i)
    samples = []
    for i in range(requests):
        started = time.perf_counter()
        call(client, i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def parse_call(client: httpx.Client, i: int) -> None:
    reply = client.post("/model/parse", json={"text": TEXTS[i % len(TEXTS)]})
    reply.raise_for_status()


def webhook_call(client: httpx.Client, i: int) -> None:
    reply = client.post("/webhooks/rest/webhook", json={"sender": f"bench-{i}", "message": TEXTS[i % len(TEXTS)]})
    reply.raise_for_status()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--bot", type=Path, default=DEFAULT_BOT)
    args = parser.parse_args(argv)
    if not args.bot.is_dir():
        print(f"bot not found: {args.bot}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        out = Path(tmp) / "models"
        train_runs = [train_seconds(args.bot, out) for _ in range(3)]
        running = start_parley(["-m", str(out), "--enable-api"], cwd=Path(tmp), log_path=Path(tmp) / "run.log")
        try:
            with httpx.Client(base_url=running.base_url, timeout=30) as client:
                parse = measure(client, args.requests, parse_call)
                webhook = measure(client, args.requests, webhook_call)
        finally:
            running.stop()
    print(f"machine: {os.cpu_count()} cores; bot: {args.bot.name}; {args.requests} sequential requests each")
    print(f"{'measure':<44} {'median':>10} {'p99':>10}")
    print(f"{'train --force wall time (3 runs), s':<44} {statistics.median(train_runs):>10.2f} {max(train_runs):>10.2f}")
    for name, samples in (("POST /model/parse, ms", parse), ("REST webhook turn (new sender), ms", webhook)):
        print(f"{name:<44} {statistics.median(samples):>10.2f} {percentile(samples, 99):>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
