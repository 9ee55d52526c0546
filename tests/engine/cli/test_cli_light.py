"""The CLI and `import engine` stay light; the gateway never imports the engine."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("numpy", "scipy", "sklearn", "grpc", "falcon", "yaml", "sqlalchemy", "redis")


def _loaded_after(code: str) -> list[str]:
    probe = (
        "import sys\n"
        f"{code}\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_import_engine_loads_nothing_heavy() -> None:
    assert _loaded_after("import engine") == []


def test_parley_help_loads_nothing_heavy() -> None:
    code = (
        "from engine.cli.main import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    assert _loaded_after(code) == []


def test_parley_help_lists_rasa_subcommands_and_run_flags() -> None:
    out = subprocess.run([sys.executable, "-m", "engine.cli.main", "run", "--help"],
                         capture_output=True, text=True, cwd=REPO, check=True).stdout
    for flag in ("-m", "--interface", "-p", "--enable-api", "--cors", "--auth-token", "--jwt-secret",
                 "--jwt-method", "--jwt-private-key", "--credentials", "--endpoints", "--log-file"):
        assert flag in out
