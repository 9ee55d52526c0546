"""``python -m engine``: run the engine process (the Procfile's ``engine:``)."""
from __future__ import annotations

import sys

from engine.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["engine", *sys.argv[1:]]))
