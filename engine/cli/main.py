"""``parley``: the command line, with the subcommands and flags of ``rasa``.

Subcommand modules are imported only when their command runs, so
``parley --help`` stays instant.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

DEFAULT_MODELS_PATH = "models"
DEFAULT_CONFIG_PATH = "config.yml"
DEFAULT_DOMAIN_PATH = "domain.yml"
DEFAULT_DATA_PATH = "data"
DEFAULT_ENDPOINTS_PATH = "endpoints.yml"
DEFAULT_CREDENTIALS_PATH = "credentials.yml"


def _add_logging_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="store_const", const=logging.INFO, dest="loglevel",
                       help="Be verbose (INFO logs).")
    group.add_argument("-vv", "--debug", action="store_const", const=logging.DEBUG, dest="loglevel",
                       help="Print lots of debugging statements.")
    group.add_argument("--quiet", action="store_const", const=logging.WARNING, dest="loglevel",
                       help="Be quiet (warnings and errors only).")
    parser.add_argument("--logging-config-file", default=None, help=argparse.SUPPRESS)


def _add_train_flags(parser: argparse.ArgumentParser, *, config: bool = True, domain: bool = True,
                     data_help: str = "Paths to the training data files or directories.") -> None:
    if config:
        parser.add_argument("-c", "--config", default=DEFAULT_CONFIG_PATH,
                            help="The model configuration (config.yml).")
    if domain:
        parser.add_argument("-d", "--domain", default=DEFAULT_DOMAIN_PATH,
                            help="Domain file or directory.")
    parser.add_argument("--data", nargs="+", default=[DEFAULT_DATA_PATH], help=data_help)
    parser.add_argument("--out", default=DEFAULT_MODELS_PATH, help="Directory for the trained model.")
    parser.add_argument("--fixed-model-name", default=None,
                        help="Name of the model archive (without .tar.gz).")
    parser.add_argument("--force", action="store_true", help="Retrain even if nothing changed.")
    parser.add_argument("--persist-nlu-data", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--num-threads", type=int, default=None, help="Accepted for Rasa compatibility.")
    parser.add_argument("--augmentation", type=int, default=50, help="Accepted for Rasa compatibility.")
    parser.add_argument("--dry-run", action="store_true",
                        help="Only say whether training is needed (exit 0 if not, 1 if it is).")
    _add_logging_flags(parser)


def _add_server_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", default=DEFAULT_MODELS_PATH,
                        help="Model archive, or directory whose newest archive is served.")
    parser.add_argument("--endpoints", default=None,
                        help="endpoints.yml (default: ./endpoints.yml when it exists).")
    _add_logging_flags(parser)


def _add_outbound_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outbound-allow", action="append", default=None, metavar="HOSTS",
                        help="Hosts, IPs or CIDRs that callback, model server, action server and NLG "
                             "URLs may name (comma-separated, repeatable); overrides PARLEY_OUTBOUND_ALLOW.")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Parley: a fast conversational AI server, compatible with Rasa projects.",
    )
    parser.add_argument("--version", action="store_true", help="Print the installed Parley version.")
    sub = parser.add_subparsers(dest="command", metavar="{init,train,run,engine,gateway,test,data,shell}")

    init = sub.add_parser("init", help="Create a starter bot project and train it.")
    init.add_argument("init_dir_positional", nargs="?", default=None, metavar="DIR",
                      help="Directory of the new project (default: current directory).")
    init.add_argument("--init-dir", default=None, help="Same as DIR (Rasa's flag).")
    init.add_argument("--no-prompt", action="store_true", help="Do not ask anything; use defaults.")
    _add_logging_flags(init)
    init.set_defaults(module="engine.cli.init")

    train = sub.add_parser("train", help="Train a model from a Rasa project.")
    _add_train_flags(train)
    train.set_defaults(module="engine.cli.train", training_type="both")
    train_sub = train.add_subparsers(dest="train_command", metavar="{nlu,core}")
    train_nlu = train_sub.add_parser("nlu", help="Train an NLU-only model.")
    _add_train_flags(train_nlu, domain=True, data_help="NLU data files or directories.")
    train_nlu.add_argument("-u", "--nlu", dest="nlu_data", nargs="+", default=None,
                           help="NLU data files or directories (alias of --data).")
    train_nlu.set_defaults(module="engine.cli.train", training_type="nlu")
    train_core = train_sub.add_parser("core", help="Train a dialogue-only model.")
    _add_train_flags(train_core, data_help="Story and rule files or directories.")
    train_core.add_argument("-s", "--stories", dest="stories_data", nargs="+", default=None,
                            help="Story files or directories (alias of --data).")
    train_core.set_defaults(module="engine.cli.train", training_type="core")

    run = sub.add_parser("run", help="Serve a model: engine and gateway, supervised.")
    _add_server_flags(run)
    run.add_argument("-i", "--interface", default="0.0.0.0", help="Network interface to bind.")
    run.add_argument("-p", "--port", type=int, default=5005, help="HTTP port.")
    run.add_argument("--enable-api", action="store_true", help="Serve the HTTP API, not only the channels.")
    run.add_argument("--enable-chat", action="store_true",
                     help="Serve a chat web page at /chat (debug drawer needs --enable-api).")
    run.add_argument("--cors", nargs="*", default=None, help="Allowed CORS origins ('*' for all).")
    run.add_argument("--auth-token", default=None, help="Token required as ?token= on the HTTP API.")
    run.add_argument("--jwt-secret", default=None, help="JWT secret, or public key for RS*/ES* methods.")
    run.add_argument("--jwt-method", default="HS256", help="JWT algorithm (default HS256).")
    run.add_argument("--jwt-private-key", default=None, help="JWT private key (asymmetric methods).")
    run.add_argument("--credentials", default=None, help="credentials.yml choosing the channels.")
    run.add_argument("--log-file", default=None, help="Write the logs of both processes to this file.")
    run.add_argument("--workers", type=int, default=None,
                     help="Gateway worker processes (default: WEB_CONCURRENCY or 1).")
    run.add_argument("--response-timeout", type=int, default=3600, help="Seconds before a request times out.")
    run.add_argument("--request-timeout", type=int, default=None, help=argparse.SUPPRESS)
    run.add_argument("--connector", default=None, help=argparse.SUPPRESS)
    run.add_argument("--remote-storage", default=None, help=argparse.SUPPRESS)
    _add_outbound_flag(run)
    run.set_defaults(module="engine.cli.run")

    engine = sub.add_parser("engine", help="Run only the engine process (gRPC).")
    _add_server_flags(engine)
    engine.add_argument("--address", default=None,
                        help="gRPC bind address host:port or unix:/path (default ENGINE_ADDRESS or 127.0.0.1:50051).")
    engine.add_argument("--redis-url", default=None,
                        help="Redis for the lock store (and tracker store); overrides REDIS_URL.")
    engine.add_argument("--database-url", default=None,
                        help="SQL tracker store URL; overrides DATABASE_URL.")
    engine.add_argument("--metrics-port", type=int, default=None,
                        help="Serve Prometheus /metrics on this port; overrides PARLEY_METRICS_PORT.")
    _add_outbound_flag(engine)
    engine.set_defaults(module="engine.cli.engine_cmd")

    gateway = sub.add_parser("gateway", help="Run only the gateway (gunicorn + uvicorn workers).")
    gateway.add_argument("args", nargs=argparse.REMAINDER, help="Extra gunicorn arguments.")
    gateway.set_defaults(module="engine.cli.gateway_cmd")

    from engine.cli.tool_parsers import add_tool_parsers  # argparse only: --help stays light

    add_tool_parsers(sub, _add_logging_flags)
    return parser


def configure_logging(level: int | None, log_file: str | None = None) -> None:
    """Set up logging for a CLI process."""
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file:
        handlers.append(logging.FileHandler(log_file))
    logging.basicConfig(
        level=level or logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s - %(message)s",
        handlers=handlers,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``parley`` command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from engine.version import parley_version

        print(parley_version())
        return 0
    if not args.command:
        parser.print_help()
        return 0
    module = importlib.import_module(args.module)
    from engine.errors import EngineError

    try:
        return int(module.run(args) or 0)
    except EngineError as ex:
        print(f"error: {ex.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
