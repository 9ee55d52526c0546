"""Progress output: plain stamped lines when not on a terminal, nothing when quiet."""
from __future__ import annotations

import re
import time

import pytest

from engine.cli.progress import stage_progress, training_progress


def test_training_lines_are_stamped_when_output_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with training_progress(time.perf_counter()) as report:
        report("Training NLU pipeline...")
        report("  NLU: WhitespaceTokenizer")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"\[\s*\d+\.\d\ds\] Training NLU pipeline\.\.\.", lines[0])
    assert lines[1].endswith("]   NLU: WhitespaceTokenizer")


def test_quiet_training_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with training_progress(time.perf_counter(), quiet=True) as report:
        report("hidden")
    assert capsys.readouterr().out == ""


def test_stage_bars_keep_stdout_clean(capsys: pytest.CaptureFixture[str]) -> None:
    with stage_progress() as update:
        for done in range(1, 4):
            update("Evaluating NLU", done, 3)
        update("Evaluating stories", 1, 1)
    assert capsys.readouterr().out == ""
