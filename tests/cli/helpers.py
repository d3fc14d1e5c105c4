"""Running the command line as a script would: a subprocess with the settings in its environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Result:
    """What one command gave back."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout read as the one JSON document ``--json`` promises."""
        return json.loads(self.stdout)


def cli(*args: str, emu: Any, tmp_path: Path, env: dict[str, str | None] | None = None) -> Result:
    """Run ``python -m coreclaw_pandas ARGS`` against ``emu``, in ``tmp_path``.

    A None in ``env`` removes that variable.
    """
    settings: dict[str, str | None] = {
        "PYTHONPATH": str(ROOT),
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "CORECLAW_CACHE_DIR": str(tmp_path / "cache"),
        "CORECLAW_BASE_URL": emu.url,
        "CORECLAW_API_KEY": emu.api_key,
        **(env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "coreclaw_pandas", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in settings.items() if v is not None},
        timeout=120,
    )
    return Result(done.returncode, done.stdout, done.stderr)
