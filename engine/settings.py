"""Engine settings, read once at the process edge (flags, env, endpoints.yml)."""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from engine.errors import DataError

logger = logging.getLogger(__name__)

DEFAULT_ADDRESS = "127.0.0.1:50051"
_ENV_PATTERN = re.compile(r"\$\{([^}:]+)(?::-([^}]*))?\}")


@dataclass
class EngineSettings:
    """Everything the engine process needs to start.

    Attributes:
        address: gRPC bind address, ``host:port`` or ``unix:/path``.
        model: Model archive, or a directory whose newest archive is served.
        endpoints: Parsed endpoints.yml sections (empty when none).
        threads: Worker threads of the gRPC server.
        lock_wait: Seconds a turn waits for its conversation's lock.
        grace: Seconds in-flight calls get to finish on SIGTERM.
    """

    address: str = DEFAULT_ADDRESS
    model: Path = Path("models")
    endpoints: dict[str, Any] = field(default_factory=dict)
    threads: int = 8
    lock_wait: float = 60.0
    grace: float = 10.0

    @classmethod
    def from_sources(
        cls,
        *,
        address: str | None = None,
        model: str | None = None,
        endpoints_path: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> EngineSettings:
        """Build settings: explicit arguments win over the environment."""
        env = os.environ if environ is None else environ
        return cls(
            address=address or env.get("ENGINE_ADDRESS") or DEFAULT_ADDRESS,
            model=Path(model or env.get("PARLEY_MODEL") or "models"),
            endpoints=read_endpoints(endpoints_path, env),
            threads=int(env.get("PARLEY_ENGINE_THREADS", "8")),
            lock_wait=float(env.get("PARLEY_LOCK_WAIT", "60")),
        )


def interpolate_env(value: Any, env: Mapping[str, str]) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in strings, recursively."""
    if isinstance(value, str):
        return _ENV_PATTERN.sub(lambda m: env.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: interpolate_env(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate_env(v, env) for v in value]
    return value


def read_endpoints(path: str | None, env: Mapping[str, str]) -> dict[str, Any]:
    """Read endpoints.yml (Rasa's format); a missing default file is no error."""
    import yaml

    if path is None:
        return {}
    file = Path(path)
    if not file.is_file():
        raise DataError("endpoints file not found", file=str(file))
    try:
        data = yaml.safe_load(file.read_text("utf-8")) or {}
    except yaml.YAMLError as ex:
        mark = getattr(ex, "problem_mark", None)
        raise DataError(f"invalid YAML: {getattr(ex, 'problem', ex)}", file=str(file),
                        line=mark.line + 1 if mark else None) from ex
    if not isinstance(data, dict):
        raise DataError("endpoints.yml must be a mapping of endpoint names", file=str(file))
    return interpolate_env(data, env)
