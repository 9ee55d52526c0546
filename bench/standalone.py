"""Run one benchmark module on its own: train the moodbot, serve it, measure, print.

Each ``bench/<measure>.py`` calls :func:`run_alone` from ``__main__`` with its
``measure(server, **options)``; the keyword options become flags
(``--runs``, ``--requests``, ``--seconds``...). With ``PARLEY_BENCH_RASA`` set
the same measure also runs against Rasa's moodbot and the ratio is printed.
"""
from __future__ import annotations

import argparse
import inspect
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

from bench.servers import MOODBOT, Server, parley_server, rasa_executable, rasa_project, rasa_server, train_parley


def _parser(description: str, measure: Callable[..., Any]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    for name, parameter in inspect.signature(measure).parameters.items():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            parser.add_argument(f"--{name.replace('_', '-')}", type=type(parameter.default),
                                default=parameter.default)
    parser.add_argument("--bot", type=Path, default=MOODBOT, help="Parley bot directory (moodbot)")
    return parser


def run_alone(description: str, measure: Callable[..., Any], argv: list[str] | None = None) -> int:
    """Parse flags, serve the moodbot, print ``measure``'s result for each server."""
    args = vars(_parser(description, measure).parse_args(argv))
    bot = args.pop("bot")
    print(f"machine: {os.cpu_count()} cores")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        train_parley(bot, work / "models")
        servers: list[Server] = [stack.enter_context(parley_server(work / "models", work))]
        rasa = rasa_executable()
        if rasa is not None:
            servers.append(stack.enter_context(rasa_server(rasa, rasa_project(rasa), work)))
        for server in servers:
            results[server.name] = measure(server, **args)
            print(f"{server.name}: {results[server.name]}")
    if len(results) == 2:
        (parley, higher), (rasa, _) = (_headline(results[name]) for name in ("parley", "rasa"))
        if parley and rasa:
            print(f"parley better by {parley / rasa if higher else rasa / parley:.1f}x")
    return 0


def _headline(result: Any) -> tuple[float, bool]:
    """Return the figure two servers are compared on, and whether higher is better."""
    if hasattr(result, "rate"):  # throughput
        return result.rate.median, True
    if hasattr(result, "engine_mb"):  # memory
        return result.engine_mb, False
    if hasattr(result, "ratio"):  # long conversation: growth over a new conversation
        return result.ratio, False
    return result.median, False
