"""Small statistics helpers shared by the benchmarks."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0-100) of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Summary:
    """Median and 99th percentile of one measure, with its unit and raw runs."""

    median: float
    p99: float
    unit: str
    runs: int

    def __str__(self) -> str:
        return f"{self.median:.2f} / {self.p99:.2f} {self.unit} (median / p99, {self.runs} runs)"


def summarize(samples: Sequence[float], unit: str, runs: int) -> Summary:
    """Summarize pooled samples (latency) taken over ``runs`` runs."""
    return Summary(statistics.median(samples), percentile(samples, 99), unit, runs)


def summarize_runs(values: Sequence[float], unit: str, *, higher_is_better: bool = False) -> Summary:
    """Summarize one value per run; the "p99" is the worst run (min or max)."""
    worst = min(values) if higher_is_better else max(values)
    return Summary(statistics.median(values), worst, unit, len(values))
