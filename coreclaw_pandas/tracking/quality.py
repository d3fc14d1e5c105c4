"""A quick look at a frame's health: how full each column is, and what looks wrong.

``quality(df)`` (or ``df.coreclaw.quality()``) gives one row per column with its
dtype, the share of rows that hold a value and the number of distinct values,
and flags what a scrape gets wrong: columns the Worker declared but never
filled, error records (CAPTCHA, 403, 429 pages), and repeated keys. The
frame-wide counts are in the result's ``attrs["quality"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import frames
from ..models import ID_COLUMN

__all__ = ["quality"]


def _distinct(values: pd.Series) -> int:
    try:
        return int(values.nunique(dropna=True))
    except TypeError:  # lists and dicts are unhashable: count their text
        return int(values.dropna().map(repr).nunique())


def quality(
    df: pd.DataFrame,
    *,
    key: str | Sequence[str] | None = None,
    declared: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per column: dtype, filled %, distinct values and flags; frame counts in ``attrs``.

    Args:
        df: Any frame; a results frame knows its Worker's declared columns.
        key: Column(s) that should identify a row: repeated keys are flagged.
        declared: Columns the Worker promises; by default, for a frame made by
            ``cc.results_df``, its columns (those from the Worker's headers).

    Returns:
        A frame indexed by column name with ``dtype``, ``filled_pct``,
        ``distinct`` and ``flags``; ``attrs["quality"]`` holds ``rows``,
        ``error_rows``, ``duplicate_keys`` and ``empty_declared_columns``.

    Example:
        >>> df.coreclaw.quality().sort_values("filled_pct").head()
    """
    n = len(df)
    keys = [key] if isinstance(key, str) else list(key or [])
    if declared is None:
        info = frames.provenance_of(df)
        # A results frame has a column for every header the Worker declared, all null
        # when no row carried it: so there, every empty column is a declared one.
        declared = list(df.columns) if info.get("run_slug") else []
    columns = [c for c in df.columns if c != ID_COLUMN]
    rows: list[dict[str, Any]] = []
    empty_declared: list[str] = []
    duplicates = 0
    if keys and all(k in df.columns for k in keys):
        duplicates = int(df[keys].dropna().duplicated(keep=False).to_numpy(dtype=bool).sum())
    for name in columns:
        values = df[name]
        filled = int(values.notna().sum())
        flags = []
        if filled == 0:
            flags.append("empty")
            if name in declared:
                flags.append("declared but empty")
                empty_declared.append(str(name))
        if name in keys and filled < n:
            flags.append("key missing in some rows")
        if name in keys and duplicates:
            flags.append("repeated keys")
        rows.append({
            "column": name,
            "dtype": str(values.dtype),
            "filled_pct": round(100.0 * filled / n, 2) if n else 0.0,
            "distinct": _distinct(values),
            "flags": ", ".join(flags),
        })
    empty_declared += [str(c) for c in declared if c not in df.columns]
    for name in declared:
        if name not in df.columns:
            rows.append({"column": name, "dtype": "", "filled_pct": 0.0, "distinct": 0,
                         "flags": "declared but missing"})
    out = pd.DataFrame(rows, columns=["column", "dtype", "filled_pct", "distinct", "flags"])
    out = out.set_index("column")
    error_rows = int(frames.error_row_mask(df).sum()) if n else 0
    out.attrs["quality"] = {
        "rows": n,
        "error_rows": error_rows,
        "duplicate_keys": duplicates,
        "empty_declared_columns": empty_declared,
        "key": keys,
    }
    return out.astype({"distinct": np.int64})
