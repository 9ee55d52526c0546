"""Run every benchmark of issue 8 and print the table with the targets.

    python -m bench.run_all [--quick]          (or: bench/run_all)

Parley: ``parley train --force`` (wall time, peak RSS), cold start, memory,
sequential parse / webhook latency, the long conversation, then wrk
throughput of parse and webhook. With ``PARLEY_BENCH_RASA=/path/to/rasa``
(the script or its virtualenv) Rasa's moodbot is measured in the same run
(fewer runs: its training takes ~1 min) and a ratio column is printed.
Loopback only. Takes about 1 minute; with Rasa about 3 more (its moodbot
project is made once with ``rasa init`` and kept, see bench/servers.py).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench import cold_start, long_conversation, memory, parse_latency, parse_throughput, train
from bench import webhook_latency, webhook_throughput
from bench.servers import (MOODBOT, Server, parley_server, rasa_executable, rasa_project, rasa_server,
                           train_rasa)


@dataclass
class Row:
    """One line of the table: figures of a measure and whether the target is met."""

    measure: str
    target: str
    parley: str
    met: bool | None
    rasa: str = ""
    ratio: str = ""


@dataclass
class Results:
    """Every figure of one server, keyed by measure."""

    train_s: float = 0.0
    train_worst_s: float = 0.0
    train_rss_mb: float = 0.0
    cold_s: float = 0.0
    cold_worst_s: float = 0.0
    parse_rps: float = 0.0
    parse_rps_min: float = 0.0
    parse_cpu_ms: float = 0.0
    parse_ms: tuple[float, float] = (0.0, 0.0)
    webhook_rps: float = 0.0
    webhook_rps_min: float = 0.0
    webhook_cpu_ms: float = 0.0
    webhook_ms: tuple[float, float] = (0.0, 0.0)
    engine_mb: float = 0.0
    worker_mb: float | None = None
    long_ms: float = 0.0
    new_ms: float = 0.0


@dataclass
class Plan:
    """How many runs of each kind (fewer with ``--quick``)."""

    train_runs: int = 3
    cold_runs: int = 3
    latency_runs: int = 3
    latency_requests: int = 300
    load_runs: int = 3
    load_seconds: float = 5.0
    long_runs: int = 3
    long_requests: int = 60


QUICK = Plan(1, 1, 1, 200, 1, 3.0, 1, 40)


def _serve_measures(server: Server, results: Results, plan: Plan, log: Callable[[str], None]) -> None:
    mem = memory.measure(server)
    results.engine_mb, results.worker_mb = mem.engine_mb, mem.worker_mb
    log(f"{server.name} memory: {mem}")
    parse = parse_latency.measure(server, runs=plan.latency_runs, requests=plan.latency_requests)
    results.parse_ms = (parse.median, parse.p99)
    log(f"{server.name} parse latency: {parse}")
    hook = webhook_latency.measure(server, runs=plan.latency_runs, requests=plan.latency_requests)
    results.webhook_ms = (hook.median, hook.p99)
    log(f"{server.name} webhook latency: {hook}")
    long = long_conversation.measure(server, runs=plan.long_runs, requests=plan.long_requests)
    results.long_ms, results.new_ms = long.long.median, long.new.median
    log(f"{server.name} long conversation: {long}")
    parse_tp = parse_throughput.measure(server, runs=plan.load_runs, seconds=plan.load_seconds)
    results.parse_rps, results.parse_rps_min = parse_tp.rate.median, parse_tp.rate.p99
    results.parse_cpu_ms = parse_tp.cpu_ms_per_request
    log(f"{server.name} parse throughput: {parse_tp}")
    hook_tp = webhook_throughput.measure(server, runs=plan.load_runs, seconds=plan.load_seconds)
    results.webhook_rps, results.webhook_rps_min = hook_tp.rate.median, hook_tp.rate.p99
    results.webhook_cpu_ms = hook_tp.cpu_ms_per_request
    log(f"{server.name} webhook throughput: {hook_tp}")


def measure_parley(work: Path, plan: Plan, log: Callable[[str], None]) -> Results:
    """Train, cold-start and load Parley's moodbot."""
    results = Results()
    models = work / "models"
    training = train.measure_parley(models, runs=plan.train_runs)
    results.train_s, results.train_worst_s = training.seconds.median, training.seconds.p99
    results.train_rss_mb = training.peak_rss_mb
    log(f"parley train: {training}")
    cold = cold_start.measure_parley(models, work, runs=plan.cold_runs)
    results.cold_s, results.cold_worst_s = cold.median, cold.p99
    log(f"parley cold start: {cold}")
    with parley_server(models, work) as server:
        _serve_measures(server, results, plan, log)
    return results


def measure_rasa(rasa: Path, work: Path, plan: Plan, log: Callable[[str], None]) -> Results:
    """Train once, cold-start once and load Rasa's moodbot with fewer runs."""
    results = Results()
    project = rasa_project(rasa)
    seconds, rss = train_rasa(rasa, project, work / "rasa-models")
    results.train_s = results.train_worst_s = seconds
    results.train_rss_mb = rss / 1e6
    log(f"rasa train: {seconds:.1f} s, peak RSS {results.train_rss_mb:.0f} MB")
    started = time.monotonic()
    with rasa_server(rasa, project, work) as server:
        cold_start.first_answer(server)
        results.cold_s = results.cold_worst_s = time.monotonic() - started
        log(f"rasa cold start: {results.cold_s:.1f} s")
        slim = Plan(0, 0, 1, 200, 1, plan.load_seconds, 1, 20)
        _serve_measures(server, results, slim, log)
    return results


def _ratio(parley: float, rasa: float, higher_is_better: bool) -> str:
    if not parley or not rasa:
        return ""
    return f"{parley / rasa if higher_is_better else rasa / parley:.1f}x"


def rows(p: Results, r: Results | None) -> list[Row]:
    """Return the table rows (ratio: how many times better Parley is)."""
    def cmp(pv: float, rv: float | None, higher: bool) -> str:
        return _ratio(pv, rv or 0.0, higher) if r else ""

    worker = "n/a" if p.worker_mb is None else f"{p.worker_mb:.0f}"
    long_ratio = p.long_ms / p.new_ms if p.new_ms else float("inf")
    table = [
        Row("POST /model/parse throughput, req/s (median, slowest run; server CPU/req)", ">= 2,000",
            f"{p.parse_rps:,.0f} ({p.parse_rps_min:,.0f}; {p.parse_cpu_ms:.2f} ms)", p.parse_rps >= 2000,
            f"{r.parse_rps:,.0f}" if r else "", cmp(p.parse_rps, r and r.parse_rps, True)),
        Row("POST /model/parse sequential, ms (median / p99)", "<= 1.0 / 2.0",
            f"{p.parse_ms[0]:.2f} / {p.parse_ms[1]:.2f}", p.parse_ms[0] <= 1.0 and p.parse_ms[1] <= 2.0,
            f"{r.parse_ms[0]:.2f} / {r.parse_ms[1]:.2f}" if r else "", cmp(p.parse_ms[0], r and r.parse_ms[0], False)),
        Row("REST webhook throughput, distinct senders, req/s (same)", ">= 1,000",
            f"{p.webhook_rps:,.0f} ({p.webhook_rps_min:,.0f}; {p.webhook_cpu_ms:.2f} ms)", p.webhook_rps >= 1000,
            f"{r.webhook_rps:,.0f}" if r else "", cmp(p.webhook_rps, r and r.webhook_rps, True)),
        Row("REST webhook sequential, new sender, ms (median / p99)", "<= 2 (median)",
            f"{p.webhook_ms[0]:.2f} / {p.webhook_ms[1]:.2f}", p.webhook_ms[0] <= 2.0,
            f"{r.webhook_ms[0]:.2f} / {r.webhook_ms[1]:.2f}" if r else "",
            cmp(p.webhook_ms[0], r and r.webhook_ms[0], False)),
        Row("moodbot train --force, s (median, slowest) / peak RSS MB", "<= 3 s",
            f"{p.train_s:.2f} ({p.train_worst_s:.2f}) / {p.train_rss_mb:.0f}", p.train_s <= 3.0,
            f"{r.train_s:.1f} / {r.train_rss_mb:.0f}" if r else "", cmp(p.train_s, r and r.train_s, False)),
        Row("cold start: run -> first answered turn, s (median, slowest)", "<= 2",
            f"{p.cold_s:.2f} ({p.cold_worst_s:.2f})", p.cold_s <= 2.0,
            f"{r.cold_s:.1f}" if r else "", cmp(p.cold_s, r and r.cold_s, False)),
        Row("memory: engine RSS / one gateway worker RSS, MB", "<= 150 / 60",
            f"{p.engine_mb:.0f} / {worker}", p.engine_mb <= 150 and (p.worker_mb or 0) <= 60,
            f"{r.engine_mb:.0f}" if r else "", cmp(p.engine_mb, r and r.engine_mb, False)),
        Row("long conversation: 2,000-event webhook median / new, ms", "<= 1.5x",
            f"{p.long_ms:.2f} / {p.new_ms:.2f} = {long_ratio:.2f}x", long_ratio <= 1.5,
            f"{r.long_ms:.2f} / {r.new_ms:.2f} = {r.long_ms / r.new_ms:.2f}x" if r and r.new_ms else "", ""),
    ]
    return table


def render(table: list[Row], with_rasa: bool) -> str:
    """Return the table as Markdown."""
    head = ["measure (wrk 2 threads x 16 connections for throughput)", "target", "Parley", "met"]
    if with_rasa:
        head += ["Rasa (same run)", "Parley better by"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in table:
        cells = [row.measure, row.target, row.parley, {True: "yes", False: "NO", None: ""}[row.met]]
        if with_rasa:
            cells += [row.rasa, row.ratio]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run everything and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each (a smoke test, ~1 min)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    if not MOODBOT.is_dir():
        print(f"moodbot not found at {MOODBOT}", file=sys.stderr)
        return 2
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)

    rasa = rasa_executable()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        parley = measure_parley(Path(tmp), plan, log)
        rasa_results = None
        if rasa is not None:
            try:
                rasa_results = measure_rasa(rasa, Path(tmp), plan, log)
            except Exception as ex:  # the reference is optional: Parley's table still prints
                log(f"rasa reference failed, its column is left out: {ex}")
    load = os.getloadavg()
    print()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{'quick (1 run each)' if args.quick else 'median / p99 over several runs'}; "
          f"took {time.monotonic() - started:.0f} s")
    print(render(rows(parley, rasa_results), rasa_results is not None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
