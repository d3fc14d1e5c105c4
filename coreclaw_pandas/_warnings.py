"""Warnings that point at the user's line, however deep inside the package they start."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from types import FrameType

_PACKAGE = str(Path(__file__).resolve().parent)


def warn(warning: Warning) -> None:
    """Issue ``warning`` attributed to the first caller outside coreclaw_pandas.

    A fixed ``stacklevel`` is wrong as soon as one helper calls another
    (``df.coreclaw.to_excel`` -> ``to_excel``), so the frames are counted instead.
    """
    level = 2  # 1 would be this function itself
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE):
        level += 1
        frame = frame.f_back
    warnings.warn(warning, stacklevel=level)
