"""Generate the committed gRPC stubs from ``protos/*.proto``.

Usage::

    python protos/generate.py          # regenerate protos/engine_pb2*.py(i)
    python protos/generate.py --check  # exit 1 when the committed stubs drift

The generator (grpcio-tools) is pinned in setup.cfg's ``dev`` extra to a
release no newer than the oldest supported ``grpcio`` runtime, because the
generated ``*_pb2_grpc.py`` refuses to import on an older runtime.
"""
from __future__ import annotations

import argparse
import filecmp
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ["protos/engine.proto"]
OUTPUTS = ["engine_pb2.py", "engine_pb2_grpc.py", "engine_pb2.pyi"]


def generate(out_dir: Path) -> None:
    """Run protoc for every proto into ``out_dir`` (which mirrors the root)."""
    from grpc_tools import protoc  # dev-only dependency
    import grpc_tools

    include = str(Path(grpc_tools.__file__).parent / "_proto")
    args = [
        "protoc",
        f"-I{ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--pyi_out={out_dir}",
        *PROTOS,
    ]
    (out_dir / "protos").mkdir(parents=True, exist_ok=True)
    code = protoc.main(args)
    if code != 0:
        raise SystemExit(f"protoc failed with exit code {code}")


def _use_pinned_generator(argv: list[str] | None) -> int | None:
    """Make sure the pinned grpcio-tools runs the generator.

    Another interpreter (a system ``python3`` without the ``dev`` extra, or
    with another grpcio-tools) would report drift that is not there, so the
    project's ``.venv`` runs the script when this interpreter lacks
    grpc_tools. Returns an exit code when neither can run it.
    """
    if importlib.util.find_spec("grpc_tools") is not None:
        return None
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        args = sys.argv[1:] if argv is None else argv
        os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *args])
    print("grpc_tools is missing: install the dev extra (pip install -e '.[dev]') and run "
          "python protos/generate.py with that interpreter", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Regenerate the stubs, or with ``--check`` compare them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on drift, write nothing")
    ns = parser.parse_args(argv)
    unavailable = _use_pinned_generator(argv)
    if unavailable is not None:
        return unavailable
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        drift = []
        for name in OUTPUTS:
            fresh = Path(tmp) / "protos" / name
            committed = ROOT / "protos" / name
            if ns.check:
                if not committed.exists() or not filecmp.cmp(fresh, committed, shallow=False):
                    drift.append(name)
            else:
                shutil.copyfile(fresh, committed)
        if drift:
            print("generated stubs drift from protos/*.proto: " + ", ".join(drift), file=sys.stderr)
            print("run: python protos/generate.py", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
