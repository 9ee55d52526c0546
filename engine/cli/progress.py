"""Progress display for long CLI work (training, evaluation), drawn with rich.

On a terminal a live bar shows the current stage; when output goes to a
file or pipe, rich draws nothing live and the plain stage lines are all
that is printed, so logs stay readable. rich is imported when a display
starts, never by ``parley --help``.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

StageProgress = Callable[[str, int, int], None]
LineReport = Callable[[str], None]


def _console(stderr: bool = True):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


@contextmanager
def stage_progress(enabled: bool = True) -> Iterator[StageProgress]:
    """Yield ``update(stage, done, total)`` that drives one bar per stage (on stderr).

    Args:
        enabled: False gives a no-op callback (``--quiet``).
    """
    if not enabled:
        yield lambda stage, done, total: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = _console()
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=not console.is_terminal,
    )
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        task = tasks.get(stage)
        if task is None:
            for other in tasks.values():
                progress.update(other, completed=progress.tasks[other].total)  # type: ignore[arg-type]
            task = tasks[stage] = progress.add_task(stage, total=total)
        progress.update(task, completed=done, total=total)

    with progress:
        yield update


@contextmanager
def training_progress(started: float, *, quiet: bool = False) -> Iterator[LineReport]:
    """Yield ``report(line)`` printing timed stage lines under a live stage bar.

    Args:
        started: ``time.perf_counter()`` at the start, for the line stamps.
        quiet: Print nothing.
    """
    if quiet:
        yield lambda line: None
        return

    def stamp(line: str) -> str:
        return f"[{time.perf_counter() - started:6.2f}s] {line}"

    console = _console(stderr=False)
    if not console.is_terminal:
        def plain(line: str) -> None:
            print(stamp(line), flush=True)

        yield plain
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                        console=console, transient=True)
    task = progress.add_task("Training", total=None)

    def report(line: str) -> None:
        progress.console.print(stamp(line), markup=False, highlight=False)
        progress.update(task, description=line.strip()[:70])

    with progress:
        yield report
    sys.stdout.flush()
