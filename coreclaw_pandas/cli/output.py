"""What the command line prints and writes: stdout for results, stderr for progress.

``--json`` output is one JSON document on stdout, nothing else there; progress and
errors go to stderr, so a script can pipe stdout straight into ``jq``. Files are
written by their suffix (``.parquet``, ``.xlsx``, ``.csv``), atomically.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import InputError
from ..models import Run
from ..writers import atomic_path, to_csv, to_excel

__all__ = ["OUT_SUFFIXES", "check_out", "emit", "progress", "run_fields", "write_frame"]

#: The result files ``--out`` writes, by suffix.
OUT_SUFFIXES = (".parquet", ".xlsx", ".csv")


def progress(message: str) -> None:
    """One line of progress on stderr (never on stdout, which ``--json`` owns)."""
    print(message, file=sys.stderr, flush=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return str(value)


def emit(data: Any, *, as_json: bool, text: str | None = None) -> None:
    """Print ``data`` as JSON (``--json``), else ``text`` (or a readable rendering)."""
    if as_json:
        print(json.dumps(data, default=_plain, ensure_ascii=False, indent=2))
    elif text is not None:
        print(text)
    else:
        print(data)


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records (missing values as null)."""
    records: list[dict[str, Any]] = json.loads(
        df.to_json(orient="records", date_format="iso", force_ascii=False)
    )
    return records


def run_fields(run: Run) -> dict[str, Any]:
    """The facts about a run a script needs, JSON-ready."""
    return {
        "run_slug": run.slug,
        "status": run.status.label,
        "worker": run.scraper_slug,
        "results": run.results,
        "usage": run.usage,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "error": run.err_msg or None,
    }


def check_out(out: str) -> str:
    """``out``'s suffix, checked before anything is started or read.

    Raises:
        InputError: The suffix is not one of :data:`OUT_SUFFIXES`.
    """
    suffix = Path(out).suffix.lower()
    if suffix not in OUT_SUFFIXES:
        endings = ", ".join(OUT_SUFFIXES)
        raise InputError([f"--out must end in {endings}, got {out!r}: the suffix picks the format"])
    return suffix


def write_frame(df: pd.DataFrame, out: str) -> Path:
    """Write ``df`` to ``out`` by its suffix; the path written.

    Raises:
        InputError: The suffix is not one of :data:`OUT_SUFFIXES`.
    """
    target = Path(out)
    suffix = check_out(out)
    if suffix == ".xlsx":
        return to_excel(df, target, progress=False)
    if suffix == ".csv":
        return to_csv(df, target, progress=False)
    with atomic_path(target) as tmp:  # .parquet, the one suffix left
        df.to_parquet(tmp, index=False)
    return target
