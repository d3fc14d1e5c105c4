"""A DataFrame seen as columns the writers read chunk by chunk, without copying it.

Each column (and each index level, when asked for) becomes a :class:`Column`:
its header text, a coarse kind that picks the writer's fast path, and a view
of its data. :func:`chunk` hands out one slice at a time as plain Python
values or a NumPy array, so memory stays bounded by the chunk size whatever
the frame's size, and the caller's frame is never modified.

Timezone-aware datetimes are converted here, per chunk: to the export's
timezone (UTC by default) or, with ``tz=None``, to each column's own wall
time. The column's header then names the zone, since the cells cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from .cells import safe_str, to_cell_value

__all__ = ["Column", "chunk", "plan_columns", "resolve_zone"]

Kind = Literal["bool", "int", "float", "datetime", "object"]


@dataclass(frozen=True)
class Column:
    """One column to export.

    Attributes:
        header: The header text (raw: the writer sanitises it like any cell).
        kind: ``bool``/``int``/``float``/``datetime`` for NumPy-backed data
            read as arrays; ``object`` for everything else, read value by value.
        data: The column's array (a view of the frame's data, never a copy).
        tz_label: The zone its datetimes are written in, when they were timezone-aware.
        target_tz: The zone to convert aware datetimes to (None: their own).
        date_only: A naive ``datetime`` column whose every value is a midnight: a
            column of dates, which a spreadsheet should show without ``00:00:00``.
    """

    header: str
    kind: Kind
    data: Any
    tz_label: str | None = None
    target_tz: str | None = None
    date_only: bool = False


def resolve_zone(tz: str | None) -> ZoneInfo | None:
    """The :class:`~zoneinfo.ZoneInfo` for ``tz`` (None stays None).

    Raises:
        ValueError: ``tz`` is not an IANA timezone name such as ``"Europe/Paris"``.
    """
    if tz is None:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(
            f"tz={tz!r} is not a timezone name; use an IANA name such as 'UTC' or "
            "'Europe/Paris', or tz=None to keep each column's own zone"
        ) from exc


def header_text(name: Any) -> str:
    """A column label as header text; MultiIndex tuples are joined with dots (``seller.name``)."""
    if isinstance(name, tuple):
        return ".".join(safe_str(part) for part in name if part is not None and part != "")
    return safe_str(name)


def _aware_zone(dtype: Any) -> str | None:
    """The timezone name of a timezone-aware datetime dtype (numpy-backed or Arrow), else None."""
    if isinstance(dtype, pd.DatetimeTZDtype):
        return str(dtype.tz)
    pa_type = getattr(dtype, "pyarrow_dtype", None)
    tz = getattr(pa_type, "tz", None)
    return str(tz) if tz else None


def _column(header: str, values: pd.Series | pd.Index, tz: str | None) -> Column:
    """Classify one column's data and keep a view of it."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        label = tz or str(dtype.tz)
        return Column(f"{header} ({label})", "datetime", values.array, label, tz)
    if isinstance(dtype, np.dtype):
        kinds: dict[str, Kind] = {
            "b": "bool",
            "i": "int",
            "u": "int",
            "f": "float",
            "M": "datetime",
        }
        kind = kinds.get(dtype.kind)
        if kind is not None:
            # to_numpy() on NumPy-backed data is a view: nothing is copied here.
            data = values.to_numpy()
            dates = kind == "datetime" and _midnights_only(data)
            return Column(header, kind, data, None, tz, dates)
    aware = _aware_zone(dtype)
    if aware is not None:
        label = tz or aware
        return Column(f"{header} ({label})", "object", values.array, label, tz)
    return Column(header, "object", values.array, None, tz)


#: Rows checked at once for :func:`_midnights_only`, so the check's memory stays bounded.
_DATE_CHECK_ROWS = 1 << 20


def _midnights_only(data: np.ndarray) -> bool:
    """True when every value of a naive datetime64 array is a midnight (NaT aside).

    A column of dates (``listed_on``) arrives as datetime64; written with a time
    format every cell would end in ``00:00:00``. An all-NaT column stays a datetime.
    """
    seen = False
    for start in range(0, len(data), _DATE_CHECK_ROWS):
        part = data[start : start + _DATE_CHECK_ROWS]
        part = part[~np.isnat(part)]
        if (part != part.astype("datetime64[D]")).any():
            return False
        seen = seen or len(part) > 0
    return seen


def plan_columns(df: pd.DataFrame, *, index: bool, tz: str | None) -> list[Column]:
    """The columns to export, index levels first when ``index`` is true.

    Args:
        df: The frame; only read.
        index: Whether to write the index as leading columns.
        tz: Zone for timezone-aware datetimes, or None for each column's own.
    """
    cols: list[Column] = []
    if index:
        names = list(df.index.names)
        for level, name in enumerate(names):
            if name is None:
                name = "index" if len(names) == 1 else f"level_{level}"
            values = df.index.get_level_values(level)
            cols.append(_column(header_text(name), values, tz))
    for position, name in enumerate(df.columns):
        # By position: duplicate column names must each be written once.
        cols.append(_column(header_text(name), df.iloc[:, position], tz))
    return cols


def chunk(col: Column, start: int, stop: int, zone: ZoneInfo | None) -> Any:
    """Rows ``start:stop`` of a column.

    Returns:
        A NumPy array for ``bool``/``int``/``float`` columns; a naive
        ``datetime64`` array for ``datetime`` columns (aware data converted to
        the target zone); a list of :func:`~coreclaw_pandas.writers.cells.to_cell_value`
        values for ``object`` columns.
    """
    part = col.data[start:stop]
    if col.kind == "datetime":
        if col.tz_label is not None:  # a tz-aware DatetimeArray
            if col.target_tz is not None:
                part = part.tz_convert(col.target_tz)
            part = part.tz_localize(None).to_numpy()
        return part
    if col.kind == "object":
        return [to_cell_value(v, zone) for v in part]
    return part
