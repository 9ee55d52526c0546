"""``parley engine``: run the engine process alone (Procfile ``engine:``)."""
from __future__ import annotations

import argparse
import os

from engine.cli.main import DEFAULT_ENDPOINTS_PATH, configure_logging


def default_endpoints(path: str | None) -> str | None:
    """Return the endpoints file to read: the given one, or ./endpoints.yml if present."""
    if path:
        return path
    return DEFAULT_ENDPOINTS_PATH if os.path.isfile(DEFAULT_ENDPOINTS_PATH) else None


def run(args: argparse.Namespace) -> int:
    """Serve the engine until SIGTERM."""
    configure_logging(args.loglevel)
    from engine.server import serve
    from engine.settings import EngineSettings

    settings = EngineSettings.from_sources(
        address=args.address,
        model=args.model,
        endpoints_path=default_endpoints(args.endpoints),
        redis_url=args.redis_url,
        database_url=args.database_url,
        metrics_port=args.metrics_port,
        outbound_allow=args.outbound_allow,
    )
    serve(settings)
    return 0
