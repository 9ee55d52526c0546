"""Argument parsers of the everyday tools: ``test``, ``data validate``, ``shell``.

Kept apart from the command modules so ``parley --help`` builds every
parser without importing what the commands need (only argparse here).
"""
from __future__ import annotations

import argparse
import logging
from typing import Callable

AddLogging = Callable[[argparse.ArgumentParser], None]
DEFAULT_STORIES = "tests"
DEFAULT_NLU = "data"
DEFAULT_RESULTS = "results"


def add_tool_parsers(sub: argparse._SubParsersAction, add_logging: AddLogging) -> None:
    """Register ``test``, ``data`` and ``shell`` on the ``parley`` subparsers."""
    add_test_parser(sub, add_logging)
    add_data_parser(sub, add_logging)
    add_shell_parser(sub)


def add_test_parser(sub: argparse._SubParsersAction, add_logging: AddLogging) -> None:
    """Register ``test``, ``test nlu`` and ``test core`` on the ``parley`` parser."""
    test = sub.add_parser("test", help="Evaluate a model on test stories and NLU data; write reports.")
    _common(test, add_logging)
    _core_flags(test)
    _nlu_flags(test)
    test.set_defaults(module="engine.cli.test", test_command=None)
    parts = test.add_subparsers(dest="test_command", metavar="{core,nlu}")
    core = parts.add_parser("core", help="Evaluate the dialogue policies on test stories.")
    _common(core, add_logging)
    _core_flags(core)
    core.set_defaults(module="engine.cli.test", test_command="core")
    nlu = parts.add_parser("nlu", help="Evaluate the NLU model (or cross-validate a config).")
    _common(nlu, add_logging)
    _nlu_flags(nlu)
    nlu.set_defaults(module="engine.cli.test", test_command="nlu")


def _common(parser: argparse.ArgumentParser, add_logging: AddLogging) -> None:
    parser.add_argument("-m", "--model", default="models",
                        help="Model archive, or directory whose newest archive is tested.")
    parser.add_argument("--out", default=DEFAULT_RESULTS, help="Folder for the report files.")
    parser.add_argument("--successes", action="store_true", help="Also write correctly predicted examples/stories.")
    parser.add_argument("--no-errors", action="store_true", help="Do not write the *_errors.json files.")
    parser.add_argument("--no-plot", "--disable-plotting", dest="no_plot", action="store_true",
                        help="Do not draw PNG pictures.")
    parser.add_argument("--no-warnings", action="store_true", help="Accepted for Rasa compatibility.")
    add_logging(parser)


def _core_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-s", "--stories", nargs="+", default=None,
                        help=f"Test story files or folders (default: {DEFAULT_STORIES}).")
    parser.add_argument("--e2e", "--end-to-end", dest="e2e", action="store_true",
                        help="Also parse the user texts and score intents and entities.")
    parser.add_argument("--fail-on-prediction-errors", action="store_true",
                        help="Exit with code 1 when a test story fails.")
    parser.add_argument("--max-stories", type=int, default=None, help="Evaluate at most this many stories.")
    parser.add_argument("--endpoints", default=None, help="Accepted for Rasa compatibility.")


def _nlu_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-u", "--nlu", nargs="+", default=None,
                        help=f"NLU test data files or folders (default: {DEFAULT_NLU}).")
    parser.add_argument("--cross-validation", action="store_true",
                        help="Cross-validate the pipeline of --config on the NLU data instead of testing a model.")
    parser.add_argument("-c", "--config", default="config.yml", help="config.yml for --cross-validation.")
    parser.add_argument("-f", "--folds", type=int, default=5, help="Folds for --cross-validation (default 5).")
    parser.add_argument("-d", "--domain", default=None, help="Accepted for Rasa compatibility.")


def add_data_parser(sub: argparse._SubParsersAction, add_logging: AddLogging) -> None:
    """Register ``data validate``."""
    data = sub.add_parser("data", help="Check training data (data validate).")
    parts = data.add_subparsers(dest="data_command", metavar="{validate}")
    validate = parts.add_parser("validate", help="Check domain and data for mistakes, with file and line.")
    validate.add_argument("-d", "--domain", default="domain.yml", help="Domain file or directory.")
    validate.add_argument("--data", nargs="+", default=["data"], help="Training data files or folders.")
    validate.add_argument("-c", "--config", default="config.yml", help="config.yml (checked when present).")
    validate.add_argument("--fail-on-warnings", action="store_true", help="Exit with code 1 on warnings too.")
    validate.add_argument("--max-history", type=int, default=None,
                          help="Only compare story turns this far back when looking for contradictions.")
    add_logging(validate)
    validate.set_defaults(module="engine.cli.data", data_command="validate")
    data.set_defaults(module="engine.cli.data")


def add_shell_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``shell`` (and ``shell nlu``)."""
    shell = sub.add_parser("shell", help="Chat with a model in the terminal (no server needed).")
    _shell_flags(shell)
    shell.set_defaults(module="engine.cli.shell", shell_command=None)
    parts = shell.add_subparsers(dest="shell_command", metavar="{nlu}")
    nlu = parts.add_parser("nlu", help="Type messages and see how the NLU model parses them.")
    _shell_flags(nlu)
    nlu.set_defaults(module="engine.cli.shell", shell_command="nlu")


def _shell_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", default="models",
                        help="Model archive, or directory whose newest archive is used.")
    parser.add_argument("--endpoints", default=None,
                        help="endpoints.yml (action server; default: ./endpoints.yml when it exists).")
    parser.add_argument("--conversation-id", default=None, help="Conversation id (default: a new one).")
    parser.add_argument("--debug", action="store_true",
                        help="Show each turn's parse result and policy scores.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="store_const", const=logging.INFO, dest="loglevel",
                       help="Be verbose (INFO logs).")
    group.add_argument("-vv", action="store_const", const=logging.DEBUG, dest="loglevel",
                       help="Print debug logs.")
    group.add_argument("--quiet", action="store_const", const=logging.ERROR, dest="loglevel",
                       help="Errors only.")
