"""``parley data validate``: check domain and training data, print findings with file and line."""
from __future__ import annotations

import argparse
import logging
import sys

from engine.cli.main import configure_logging


def run(args: argparse.Namespace) -> int:
    """Validate the project; exit 1 on errors (or warnings with ``--fail-on-warnings``)."""
    if getattr(args, "data_command", None) != "validate":
        print("usage: parley data validate [--domain D] [--data PATH...] [--config C]", file=sys.stderr)
        return 2
    from engine.data.validate import validate_paths

    configure_logging(args.loglevel or logging.ERROR)
    report = validate_paths(args.config, args.domain, args.data, max_history=args.max_history)
    for finding in report.findings:
        print(finding)
    errors, warnings = len(report.errors), len(report.warnings)
    if not report.findings:
        print("The domain and the training data are consistent: no problems found.")
    else:
        print(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}.")
    if errors or (warnings and args.fail_on_warnings):
        return 1
    return 0
