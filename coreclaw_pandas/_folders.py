r"""The user's data folder: where batch ledgers and named collections are kept.

``$CORECLAW_DATA_DIR`` if set; otherwise the platform's folder for an application's own
data: ``$XDG_DATA_HOME/coreclaw-pandas`` or ``~/.local/share/coreclaw-pandas`` (Linux),
``~/Library/Application Support/coreclaw-pandas`` (macOS),
``%LOCALAPPDATA%\coreclaw-pandas`` (Windows). It is not the cache folder on purpose: a
cache may be deleted at any time, but deleting a ledger could make a batch pay twice.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DATA_DIR_ENV", "data_dir"]

DATA_DIR_ENV = "CORECLAW_DATA_DIR"
_APP = "coreclaw-pandas"


def data_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """The data folder (not created here: each writer creates what it writes).

    Args:
        env: The environment to read; ``os.environ`` when None.
        platform: A ``sys.platform`` value; this machine's when None.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home = Path.home()
    if env.get(DATA_DIR_ENV):
        return Path(env[DATA_DIR_ENV]).expanduser()
    if platform.startswith("win"):
        local = env.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / _APP
    if platform == "darwin":
        return home / "Library" / "Application Support" / _APP
    xdg = env.get("XDG_DATA_HOME", "")
    # The XDG spec says relative paths are invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / _APP
