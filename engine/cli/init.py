"""``parley init``: write the starter bot project and train it."""
from __future__ import annotations

import argparse
import shutil
from importlib import resources
from pathlib import Path

from engine.cli.main import configure_logging

STARTER_FILES = (
    "config.yml",
    "domain.yml",
    "endpoints.yml",
    "credentials.yml",
    "data/nlu.yml",
    "data/stories.yml",
    "data/rules.yml",
    "tests/test_stories.yml",
)


def write_starter(target: Path) -> list[Path]:
    """Copy the starter project into ``target``; existing files are kept.

    Returns:
        The files written (an existing project writes none).
    """
    written = []
    source = resources.files("engine.cli") / "starter"
    for name in STARTER_FILES:
        destination = target / name
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        with resources.as_file(source / name) as path:
            shutil.copyfile(path, destination)
        written.append(destination)
    return written


def run(args: argparse.Namespace) -> int:
    """Create (or reuse) the project directory and train its model."""
    configure_logging(args.loglevel or 30)
    target = Path(args.init_dir or args.init_dir_positional or ".")
    if not args.no_prompt and not args.init_dir and not args.init_dir_positional:
        answer = input("Where should the project be created? [.] ").strip()
        target = Path(answer or ".")
    target.mkdir(parents=True, exist_ok=True)
    written = write_starter(target)
    if written:
        print(f"Created the Parley starter project in '{target}' ({len(written)} files).")
    else:
        print(f"'{target}' already holds the project; keeping its files.")
    from engine.cli.train import train_from_paths

    path = train_from_paths(
        str(target / "config.yml"),
        str(target / "domain.yml"),
        [str(target / "data")],
        str(target / "models"),
    )
    print(f"Model ready: {path}")
    print(f"Next: cd {target} && parley run --enable-api   (then POST to http://localhost:5005/webhooks/rest/webhook)")
    return 0
