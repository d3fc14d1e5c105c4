"""Moved into the benchmark suite: ``python -m benchmarks --cases emulator [--quick]``.

This file stays so that older links keep working; it runs that case and takes
the suite's options (``--quick``, ``--full``, ``--repeat``, ``--json``, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # The checkout, not this folder: its case modules must not shadow top-level names.
    sys.path[0] = str(Path(__file__).resolve().parents[1])
    from benchmarks.__main__ import main

    sys.exit(main(["--cases", "emulator", *sys.argv[1:]]))
