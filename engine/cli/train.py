"""``parley train`` (and ``train nlu`` / ``train core``)."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from engine.cli.main import configure_logging


def _data_paths(args: argparse.Namespace) -> list[str]:
    extra = getattr(args, "nlu_data", None) or getattr(args, "stories_data", None)
    return list(extra or args.data)


def train_from_paths(
    config: str | None,
    domain: str | None,
    data: list[str],
    out: str,
    *,
    training_type: str = "both",
    fixed_model_name: str | None = None,
    force: bool = False,
    quiet: bool = False,
) -> Path:
    """Load a project from files and train it; return the archive path."""
    from engine.cli.progress import training_progress
    from engine.data.loader import load_project
    from engine.training.trainer import train_project

    started = time.perf_counter()
    with training_progress(started, quiet=quiet) as report:
        report(f"Loading the project (config {config}, domain {domain}, data {', '.join(data)})...")
        project = load_project(config, domain, data)
        result = train_project(
            project,
            out,
            fixed_model_name=fixed_model_name,
            force=force,
            training_type=training_type,
            progress=report,
        )
    return result.path


def run(args: argparse.Namespace) -> int:
    """Train a model as ``rasa train`` does."""
    configure_logging(args.loglevel or 30)
    if args.dry_run:
        from engine.data.loader import load_project
        from engine.training.trainer import _fingerprint, find_reusable

        project = load_project(args.config, args.domain, _data_paths(args))
        needed = find_reusable(Path(args.out), _fingerprint(project, args.training_type), args.training_type) is None
        print("Training is needed." if needed else "No training needed: the model is up to date.")
        return 1 if needed else 0
    path = train_from_paths(
        args.config,
        args.domain,
        _data_paths(args),
        args.out,
        training_type=args.training_type,
        fixed_model_name=args.fixed_model_name,
        force=args.force,
    )
    print(path)
    return 0
