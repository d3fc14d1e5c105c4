"""Reshaping result frames: dict columns to dotted columns, list columns to child frames.

Example:
    >>> parent = rows_to_frame([{"__coreclaw_data_id__": "a", "tags": ["x", "y"]}])
    >>> explode_nested(parent, "tags")["value"].tolist()
    ['x', 'y']
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from ..models import ID_COLUMN, ResultHeader
from .buffers import ColumnBuffer, expand_column
from .builder import FrameBuilder, assemble_frame
from .dtypes import is_missing

__all__ = ["explode_nested", "flatten_columns"]

_POSITION_COLUMN = "position"
_VALUE_COLUMN = "value"


def flatten_columns(
    df: pd.DataFrame, *, max_level: int | None = None, sep: str = "."
) -> pd.DataFrame:
    """Turn dict-valued columns into dotted columns (``seller`` -> ``seller.name``).

    Only object columns whose non-null values are all dicts are flattened; new
    columns get inferred dtypes. Index and ``attrs`` are kept.

    Args:
        df: The frame (not modified).
        max_level: How many levels to flatten (None: all; 0: none).
        sep: Joins parent and child names.

    Returns:
        A new DataFrame.
    """
    if not df.columns.is_unique:
        raise ValueError("flatten_columns needs unique column names.")
    taken = set(df.columns)
    out: dict[Any, Any] = {}
    for name, series in df.items():
        values = series.tolist() if series.dtype == object and max_level != 0 else []
        if any(type(v) is dict for v in values):
            # NaN/NA left by pandas operations (reindex, concat) count as missing dicts.
            values = [v if type(v) is dict or not is_missing(v) else None for v in values]
            buffer = ColumnBuffer()
            buffer.extend(values)
            if buffer.is_dicts:
                for sub_name, array in expand_column(
                    name, buffer, max_level=max_level, taken=taken, sep=sep
                ):
                    out[sub_name] = array
                continue
        out[name] = series.array
    result = assemble_frame(out, df.index)
    result.attrs = copy.deepcopy(df.attrs)
    return result


def explode_nested(df: pd.DataFrame, column: str, *, id_column: str = ID_COLUMN) -> pd.DataFrame:
    """Turn a column of lists (``links``, ``reviews``) into a child frame.

    One row per list item, keyed by the parent row's id (the last column, as in
    the parent) plus the item's ``position`` in its list (from 0, the first
    column). Dict items are flattened to columns (a key clashing with the id
    or ``position`` becomes ``<column>.<key>``); scalar items go to a ``value``
    column. A missing value gives no rows; a
    single non-list value counts as a one-item list.

    Example:
        >>> parent = rows_to_frame([{"__coreclaw_data_id__": "a", "tags": ["x", "y"]}])
        >>> explode_nested(parent, "tags")["value"].tolist()
        ['x', 'y']

    Raises:
        ValueError: ``column`` or ``id_column`` is not in ``df``.
    """
    for name in (column, id_column):
        if name not in df.columns:
            raise ValueError(f"No column {name!r}. Available columns: {list(df.columns)}")
    rows: list[dict[str, Any]] = []
    for parent, value in zip(df[id_column].tolist(), df[column].tolist(), strict=True):
        if is_missing(value):
            continue
        items = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
        for position, item in enumerate(items):
            row: dict[str, Any] = {id_column: parent, _POSITION_COLUMN: position}
            if isinstance(item, dict):
                for key, field in item.items():
                    row[f"{column}.{key}" if key in (id_column, _POSITION_COLUMN) else key] = field
            else:
                row[_VALUE_COLUMN] = item
            rows.append(row)
    if not rows:
        empty = {_POSITION_COLUMN: pd.array([], dtype="Int64"), id_column: df[id_column].array[:0]}
        return pd.DataFrame(empty)
    builder = FrameBuilder([ResultHeader(id_column), ResultHeader(_POSITION_COLUMN)])
    builder.add_rows(rows)
    del rows
    return builder.build()
