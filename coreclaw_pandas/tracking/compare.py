"""Row matching by key and cell comparison, vectorised, for :func:`diff` and ``Collection.update``.

Keys are turned into integer codes once (several columns combined into one
code), so matching a million rows is a few NumPy operations, and each column is
compared on its own: only one column's temporary arrays exist at a time, which
keeps the peak memory near the two frames themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Match", "differs", "match_keys", "same_kind"]


@dataclass
class Match:
    """How the rows of two frames pair up by key.

    Attributes:
        old_no_key, new_no_key: Positions of rows with a missing key part.
        old_dup, new_dup: Positions of rows whose key appears more than once on
            either side (never compared).
        old_pos, new_pos: Positions of the rows paired, one to one.
        added: Positions in ``new`` of keys absent from ``old``.
        removed: Positions in ``old`` of keys absent from ``new``.
    """

    old_no_key: np.ndarray
    new_no_key: np.ndarray
    old_dup: np.ndarray
    new_dup: np.ndarray
    old_pos: np.ndarray
    new_pos: np.ndarray
    added: np.ndarray
    removed: np.ndarray


def _codes(old: pd.DataFrame, new: pd.DataFrame, key: list[str]) -> tuple[np.ndarray, int]:
    """An int64 code per row of ``old`` then ``new``: equal keys, equal codes; -1 for a null."""
    combined: np.ndarray | None = None
    for name in key:
        both = pd.concat([old[name], new[name]], ignore_index=True)
        if both.dtype == object:
            both = both.map(_hashable)
        codes, uniques = pd.factorize(both, use_na_sentinel=True)
        codes = codes.astype(np.int64)
        if combined is None:
            combined = codes
        else:
            null = (combined < 0) | (codes < 0)
            # Both codes are below the row count, so the product fits an int64 for any frame.
            joint = combined * (len(uniques) + 1) + codes
            joint[null] = -1
            combined, _ = pd.factorize(joint, use_na_sentinel=False)
            combined = combined.astype(np.int64)
            combined[null] = -1
    assert combined is not None
    return combined, int(combined.max(initial=-1)) + 1


def _hashable(value: object) -> object:
    # A list or dict key part (JSON cells) is compared by its text; factorize needs hashables.
    return value if value is None or isinstance(value, str | int | float) else repr(value)


def match_keys(old: pd.DataFrame, new: pd.DataFrame, key: list[str]) -> Match:
    """Pair the rows of ``old`` and ``new`` by the columns in ``key``."""
    codes, size = _codes(old, new, key)
    old_c, new_c = codes[: len(old)], codes[len(old) :]
    old_count = np.bincount(old_c[old_c >= 0], minlength=size)
    new_count = np.bincount(new_c[new_c >= 0], minlength=size)
    dup = (old_count > 1) | (new_count > 1)
    old_ok = old_c >= 0
    new_ok = new_c >= 0
    old_dup = old_ok & dup[np.where(old_ok, old_c, 0)]
    new_dup = new_ok & dup[np.where(new_ok, new_c, 0)]
    old_single = np.flatnonzero(old_ok & ~old_dup)
    new_single = np.flatnonzero(new_ok & ~new_dup)
    where_old = np.full(size, -1, dtype=np.int64)
    where_old[old_c[old_single]] = old_single
    paired = where_old[new_c[new_single]]
    hit = paired >= 0
    in_new = np.zeros(size, dtype=bool)
    in_new[new_c[new_single]] = True
    return Match(
        old_no_key=np.flatnonzero(~old_ok),
        new_no_key=np.flatnonzero(~new_ok),
        old_dup=np.flatnonzero(old_dup),
        new_dup=np.flatnonzero(new_dup),
        old_pos=paired[hit],
        new_pos=new_single[hit],
        added=new_single[~hit],
        removed=old_single[~in_new[old_c[old_single]]],
    )


def same_kind(a: pd.Series, b: pd.Series) -> bool:
    """True when two columns hold the same kind of value (both numbers, both text...)."""
    def kind(s: pd.Series) -> str:
        dtype = s.dtype
        if pd.api.types.is_bool_dtype(dtype):
            return "bool"
        if pd.api.types.is_numeric_dtype(dtype):
            return "number"
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return f"datetime:{getattr(dtype, 'tz', None)}"
        if isinstance(dtype, pd.StringDtype):
            return "text"
        return str(dtype)

    return kind(a) == kind(b)


def _floats(values: pd.Series) -> np.ndarray:
    return values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


def differs(
    old: pd.Series, new: pd.Series, tolerance: float | None = None
) -> np.ndarray:
    """Which cells differ between two aligned columns. Null equals null (NaN equals NaN).

    Args:
        old: Cells of the old frame, aligned with ``new`` by position.
        new: The same cells in the new frame.
        tolerance: Numbers closer than this (absolute) count as equal.
    """
    old_null = old.isna().to_numpy(dtype=bool)
    new_null = new.isna().to_numpy(dtype=bool)
    numeric = all(
        pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
        for s in (old, new)
    )
    both = ~old_null & ~new_null
    if numeric:
        a, b = _floats(old), _floats(new)
        with np.errstate(invalid="ignore"):
            delta = np.abs(a - b)
            equal = (a == b) | (delta <= (tolerance or 0.0))
    elif same_kind(old, new) and old.dtype != object:
        equal = (old.to_numpy() == new.to_numpy()) if both.all() else _equal_where(old, new, both)
        equal = np.asarray(equal, dtype=bool)
    else:
        equal = _equal_where(old, new, both, exact_type=True)
    return (old_null != new_null) | (both & ~equal)


def _equal_where(
    old: pd.Series, new: pd.Series, both: np.ndarray, *, exact_type: bool = False
) -> np.ndarray:
    """Cell equality where both are present, one Python comparison per cell."""
    equal = np.zeros(len(old), dtype=bool)
    idx = np.flatnonzero(both)
    a = old.to_numpy(dtype=object)[idx]
    b = new.to_numpy(dtype=object)[idx]
    if exact_type:
        # 5 and "5" differ (a change of type); 5 and 5.0 are the same number.
        same = np.fromiter(
            (_same(x, y) for x, y in zip(a, b, strict=True)), dtype=bool, count=len(idx)
        )
    else:
        same = np.asarray(a == b, dtype=bool)
    equal[idx] = same
    return equal


def _same(x: object, y: object) -> bool:
    if isinstance(x, str) != isinstance(y, str):
        return False
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return repr(x) == repr(y)


def tolerance_of(tolerance: float | Mapping[str, float] | None, column: str) -> float | None:
    """The tolerance for ``column``: one number for every column, or a per-column mapping."""
    if tolerance is None or isinstance(tolerance, (int, float)):
        return tolerance
    return tolerance.get(column)
