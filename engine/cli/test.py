"""``parley test`` (``test nlu`` / ``test core``): evaluate a model, write reports.

Report files keep Rasa's names and keys, so existing tooling reads them;
PNG pictures and one ``report.html`` come on top. Without a subcommand
both parts run, each skipped with a note when its default input is absent.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from engine.cli.main import configure_logging
from engine.cli.progress import stage_progress
from engine.cli.tool_parsers import DEFAULT_NLU, DEFAULT_STORIES

if TYPE_CHECKING:
    from engine.evaluation.nlu import NluEvaluation
    from engine.evaluation.stories import StoryEvaluation
    from engine.models.loader import Model



def _load_model(path: str) -> Model:
    from engine.models.loader import load_model

    return load_model(path)


def _write_pictures_safely(write: Callable[[], list[Path]]) -> list[Path]:
    from engine.evaluation.plots import PlottingUnavailable

    try:
        return write()
    except PlottingUnavailable as ex:
        print(f"note: no pictures drawn: {ex}")
        return []


def _print_nlu(evaluation: NluEvaluation) -> None:
    if evaluation.intent is not None:
        s = evaluation.intent.scores
        print(f"Intents: accuracy {s.accuracy:.3f}, weighted precision {s.precision:.3f}, weighted f1 "
              f"{s.f1_score:.3f} ({len(evaluation.intent.targets)} examples, {len(evaluation.intent.errors)} wrong)")
    for name, task in evaluation.entities.items():
        s = task.scores
        print(f"Entities ({name}): weighted precision {s.precision:.3f}, weighted f1 {s.f1_score:.3f} "
              f"({len(task.errors)} examples with wrong entities)")
    if evaluation.response is not None:
        s = evaluation.response.scores
        print(f"Response selection: accuracy {s.accuracy:.3f}, weighted f1 {s.f1_score:.3f}")


def run_nlu(args: argparse.Namespace, model: Model | None) -> int:
    """Evaluate NLU (or cross-validate) and write the NLU reports."""
    from engine.evaluation.inputs import load_nlu_data
    from engine.evaluation.nlu import cross_validation, evaluate_nlu
    from engine.evaluation.report_files import write_nlu_pictures, write_nlu_reports

    out = Path(args.out)
    data = load_nlu_data(args.nlu or [DEFAULT_NLU])
    quiet = args.loglevel == logging.WARNING
    if args.cross_validation:
        from engine.data.config_yaml import read_config_file

        config = read_config_file(args.config)
        with stage_progress(not quiet) as progress:
            result = cross_validation(config, data, args.folds, progress)
        print(f"Cross-validation with {args.folds} folds (mean ± standard deviation over the test folds):")
        for task, figures in result.summary().items():
            shown = ", ".join(f"{name} {mean:.3f} ± {std:.3f}" for name, (mean, std) in figures.items())
            print(f"  {task}: {shown}")
        evaluation = result.evaluation
    else:
        model = model or _load_model(args.model)
        with stage_progress(not quiet) as progress:
            evaluation = evaluate_nlu(model, data, progress)
    _print_nlu(evaluation)
    written = write_nlu_reports(evaluation, out, successes=args.successes, errors=not args.no_errors, plots=False)
    if not args.no_plot:
        written += _write_pictures_safely(lambda: write_nlu_pictures(evaluation, out))
    print(f"NLU reports written to {out}/ ({', '.join(sorted({p.name for p in written}))})")
    return 0


def run_core(args: argparse.Namespace, model: Model | None) -> int:
    """Evaluate test stories and write the story reports."""
    from engine.evaluation.inputs import load_test_stories
    from engine.evaluation.report_files import write_core_pictures, write_core_reports
    from engine.evaluation.stories import run_story_evaluation

    out = Path(args.out)
    stories = load_test_stories(args.stories or [DEFAULT_STORIES])
    if args.max_stories:
        stories = stories[: args.max_stories]
    model = model or _load_model(args.model)
    quiet = args.loglevel == logging.WARNING
    with stage_progress(not quiet) as progress:
        evaluation: StoryEvaluation = run_story_evaluation(model, stories, e2e=args.e2e, progress=progress)
    failed = len(evaluation.failed)
    total = len(evaluation.stories)
    s = evaluation.scores
    print(f"Stories: {total - failed} of {total} correct; actions: accuracy {s.accuracy:.3f}, "
          f"weighted precision {s.precision:.3f}, weighted f1 {s.f1_score:.3f} ({len(evaluation.actions)} actions)")
    written = write_core_reports(evaluation, out, successes=args.successes, plots=False)
    if not args.no_plot:
        written += _write_pictures_safely(lambda: write_core_pictures(evaluation, out))
    print(f"Story reports written to {out}/ ({', '.join(sorted({p.name for p in written}))})")
    if failed:
        print(f"{failed} failed test stor{'y' if failed == 1 else 'ies'}: see {out / 'failed_test_stories.yml'}")
    return 1 if failed and args.fail_on_prediction_errors else 0


def run(args: argparse.Namespace) -> int:
    """Run ``parley test`` / ``test nlu`` / ``test core``."""
    from engine.evaluation.html_report import write_html_report

    configure_logging(args.loglevel or logging.WARNING)
    code = 0
    if args.test_command == "nlu":
        code = run_nlu(args, None)
    elif args.test_command == "core":
        code = run_core(args, None)
    else:
        model = _load_model(args.model)
        if model.policies is None:
            print("Skipping story tests: the model has no dialogue policies.")
        elif args.stories is None and not Path(DEFAULT_STORIES).exists():
            print(f"Skipping story tests: no '{DEFAULT_STORIES}' folder (pass --stories).")
        else:
            code = run_core(args, model)
        if model.nlu is None:
            print("Skipping NLU tests: the model has no NLU pipeline.")
        else:
            code = max(code, run_nlu(args, model))
    page = write_html_report(Path(args.out))
    print(f"HTML report: {page}")
    return code
