"""moodbot ``train --force``: wall time and peak RSS.

    python -m bench.train [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.servers import MOODBOT, train_parley
from bench.stats import Summary, summarize_runs


@dataclass
class Training:
    """Wall seconds over runs and the highest peak RSS (MB)."""

    seconds: Summary
    peak_rss_mb: float

    def __str__(self) -> str:
        return f"{self.seconds}; peak RSS {self.peak_rss_mb:.0f} MB"


def measure_parley(out: Path, *, runs: int = 3, bot: Path = MOODBOT) -> Training:
    """Train ``bot`` ``runs`` times into ``out`` (``--force``)."""
    results = [train_parley(bot, out) for _ in range(runs)]
    return Training(summarize_runs([s for s, _ in results], "s"), max(r for _, r in results) / 1e6)


def main(argv: list[str] | None = None) -> int:
    """Time ``--runs`` trainings of the moodbot and print them."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bot", type=Path, default=MOODBOT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        print(f"machine: {os.cpu_count()} cores")
        print(f"parley: {measure_parley(Path(tmp) / 'models', runs=args.runs, bot=args.bot)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
