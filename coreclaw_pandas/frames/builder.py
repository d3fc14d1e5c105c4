"""Result rows to DataFrames: pure functions of rows, no HTTP.

:class:`FrameBuilder` turns a run's result pages into one DataFrame: every row
once, in order; columns in ``headers`` order, then extra keys in order of first
appearance (missing -> NA); ``__coreclaw_data_id__`` always kept, last (64
characters of hex would push the data off a notebook's first screen); nested
dicts flattened to dotted columns (``seller.name``) while lists stay Python
lists. A key that is a dict in some rows and not in others stays one object
column, so nothing is lost. Dtypes are inferred over all rows (see
:mod:`coreclaw_pandas.frames.dtypes`); numbers sent as text stay text unless
``dtypes=`` says otherwise.

Example:
    >>> df = rows_to_frame([{"title": "Mug", "price": 12.5, "seller": {"name": "Ana"}}])
    >>> list(df.columns)
    ['title', 'price', 'seller.name']
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..models import ID_COLUMN, ResultHeader
from .buffers import ColumnBuffer, expand_column, split_rows, split_table
from .dtypes import STRING_DTYPE, apply_dtype

__all__ = ["FrameBuilder", "assemble_frame", "rows_to_frame"]

#: The per-row id (:data:`~coreclaw_pandas.models.ID_COLUMN`) under the platform's
#: name before the rebrand; treated alike.
_LEGACY_ID_COLUMN = "__cafe_data_id__"
_ID_COLUMNS = (ID_COLUMN, _LEGACY_ID_COLUMN)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk conversion.

    Building creates millions of acyclic containers (row values, lists); each
    full collection would walk all of them again, which doubled build time in
    benchmarks/frames_memory.py. Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class FrameBuilder:
    """Accumulates result pages column-wise and builds one DataFrame.

    Rows are split into per-column buffers as they arrive, so each page's dicts
    can be freed at once; :meth:`build` converts each column once and releases
    its buffer as it goes. A builder builds once.

    Args:
        headers: The run's column definitions (may also come later, see
            :meth:`set_headers`).
        columns: Keep only these columns, in this order (keys, or dotted keys of
            flattened columns such as ``"seller.name"``); the id column is always
            kept, as the last column. Unknown names make :meth:`build` raise ``ValueError``.

    Example:
        >>> builder = FrameBuilder([ResultHeader("title", "Title")])
        >>> builder.add_rows([{"__coreclaw_data_id__": "a1", "title": "Mug"}])
        >>> builder.build(labels=True).columns.tolist()
        ['Title', '__coreclaw_data_id__']
    """

    def __init__(
        self, headers: Sequence[ResultHeader] = (), *, columns: Sequence[str] | None = None
    ) -> None:
        self._headers: list[ResultHeader] = []
        self.set_headers(headers)
        if isinstance(columns, str):
            columns = [columns]
        self._select = None if columns is None else list(dict.fromkeys(columns))
        self._buffers: dict[Any, ColumnBuffer] = {}
        self._skipped: dict[Any, None] = {}
        self._rows = 0
        self._built = False

    def set_headers(self, headers: Sequence[ResultHeader]) -> None:
        """Set the column definitions (they may only be known after the first page)."""
        unique = {header.key: header for header in headers}
        self._headers = list(unique.values())

    @property
    def row_count(self) -> int:
        """Rows added so far."""
        return self._rows

    def _wanted(self, key: Any) -> bool:
        if self._select is None or key in _ID_COLUMNS or key in self._select:
            return True
        prefix = f"{key}."
        if any(name.startswith(prefix) for name in self._select):
            return True
        self._skipped[key] = None
        return False

    def add_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add one page of rows (call page by page, in order).

        Raises:
            TypeError: A row is not a mapping.
            RuntimeError: The frame was already built.
        """
        if self._built:
            raise RuntimeError("This FrameBuilder has already built its frame; use a new one.")
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                name = type(row).__name__
                raise TypeError(f"Row {self._rows + index} is a {name}, not a mapping.")
        with _gc_paused():
            split_rows(rows, self._buffers, self._rows, self._wanted)
        self._rows += len(rows)

    def add_table(self, table: Any) -> None:
        """Add one page of rows decoded into a ``pyarrow.Table`` (see :mod:`.arrow_pages`).

        Pages of dicts and of tables may alternate; the frame is the same either way.

        Raises:
            RuntimeError: The frame was already built.
        """
        if self._built:
            raise RuntimeError("This FrameBuilder has already built its frame; use a new one.")
        with _gc_paused():
            split_table(table, self._buffers, self._rows, self._wanted)
        self._rows += table.num_rows

    def _top_names(self) -> list[Any]:
        ids = [key for key in _ID_COLUMNS if key in self._buffers]
        if not ids and self._rows == 0:
            # An empty run still gets the id column, so its frame has the usual shape.
            ids = [ID_COLUMN]
        header_keys = [
            h.key for h in self._headers if h.key not in _ID_COLUMNS and self._wanted(h.key)
        ]
        known = set(ids) | set(header_keys)
        return header_keys + [key for key in self._buffers if key not in known] + ids

    def build(
        self, *, flatten: bool = True, dtypes: Mapping[str, Any] | None = None, labels: bool = False
    ) -> pd.DataFrame:
        """Build the DataFrame (once; the buffers are released as columns convert).

        Args:
            flatten: Turn nested dicts into dotted columns (``seller.name``).
            dtypes: Column (key) to dtype, applied after inference, e.g.
                ``{"price_text": "Float64"}``.
            labels: Name columns by header label instead of key (falls back to the
                key; duplicate labels get `` (2)``, `` (3)``...). ``columns=`` and
                ``dtypes=`` still use keys.

        Raises:
            ValueError: ``columns=`` or ``dtypes=`` name an unknown column, or a
                ``dtypes=`` conversion fails.
            RuntimeError: Called a second time.
        """
        if self._built:
            raise RuntimeError("This FrameBuilder has already built its frame; use a new one.")
        self._built = True
        names = self._top_names()
        taken = set(names)
        out: dict[Any, Any] = {}
        origin: dict[Any, Any] = {}
        max_level = None if flatten else 0
        with _gc_paused():
            for name in names:
                if name in _ID_COLUMNS and name not in self._buffers:
                    out[name] = pd.array([], dtype=STRING_DTYPE)
                    continue
                # Handed over without a local reference, so each buffer is freed
                # as soon as its column is converted.
                columns = expand_column(name, self._take(name), max_level=max_level, taken=taken)
                for sub_name, array in columns:
                    out[sub_name] = array
                    origin[sub_name] = name
        out = self._select_columns(out)
        for values in out.values():
            if values.dtype == object:
                _none_to_na(values)
        for name, dtype in (dtypes or {}).items():
            if name not in out:
                raise ValueError(
                    f"dtypes= names an unknown column {name!r}. Available columns: {list(out)}"
                )
            out[name] = apply_dtype(name, out[name], dtype)
        frame = assemble_frame(out, pd.RangeIndex(self._rows))
        if labels:
            frame.columns = self._labelled(list(out), origin)
        return frame

    def _take(self, name: Any) -> ColumnBuffer:
        """Remove and return a column's buffer (all NA for a header no row carried)."""
        buffer = self._buffers.pop(name, None)
        if buffer is None:
            buffer = ColumnBuffer()
            buffer.extend_nulls(self._rows)
        return buffer

    def _select_columns(self, out: dict[Any, Any]) -> dict[Any, Any]:
        if self._select is None:
            return out
        unknown = [name for name in self._select if name not in out]
        if unknown:
            available = list(out) + [key for key in self._skipped if key not in out]
            raise ValueError(f"Unknown column(s) {unknown}. Available columns: {available}")
        ids = [name for name in _ID_COLUMNS if name in out]
        return {name: out[name] for name in [n for n in self._select if n not in ids] + ids}

    def _labelled(self, names: list[Any], origin: Mapping[Any, Any]) -> list[Any]:
        label_of = {h.key: h.label or h.key for h in self._headers}
        wanted = []
        for name in names:
            top = origin.get(name, name)
            label = label_of.get(top, top)
            wanted.append(label + str(name)[len(str(top)) :] if label != top else name)
        return _unique(wanted)


def _none_to_na(values: Any) -> None:
    """Mark a missing value in an object column (lists, dicts, mixed) as ``pd.NA``, in place.

    The typed columns show a missing value as ``<NA>``; an object column would show
    ``None``, and a reader would take it for a different kind of missing.
    """
    if isinstance(values, np.ndarray):
        for index in np.flatnonzero(np.fromiter((v is None for v in values), bool, len(values))):
            values[index] = pd.NA


def _unique(names: list[Any]) -> list[Any]:
    """Make names unique by suffixing `` (2)``, `` (3)``... to repeats."""
    used = set(names)
    seen: set[Any] = set()
    result = []
    for name in names:
        if name in seen:
            number = 2
            while f"{name} ({number})" in used:
                number += 1
            name = f"{name} ({number})"
            used.add(name)
        seen.add(name)
        result.append(name)
    return result


def assemble_frame(columns: dict[Any, Any], index: pd.Index) -> pd.DataFrame:
    """Assemble arrays into a frame without copying them or changing their dtypes."""
    # Wrapped in Series because pandas 3 would turn an object array holding only
    # strings into its str dtype, and an object column must stay as built.
    data = {
        name: pd.Series(values, index=index, dtype=object, copy=False)
        if pd.api.types.is_object_dtype(values.dtype)
        else values
        for name, values in columns.items()
    }
    return pd.DataFrame(data, index=index, copy=False)


def rows_to_frame(
    rows: Sequence[Mapping[str, Any]],
    headers: Sequence[ResultHeader] = (),
    *,
    columns: Sequence[str] | None = None,
    flatten: bool = True,
    dtypes: Mapping[str, Any] | None = None,
    labels: bool = False,
) -> pd.DataFrame:
    """Build a DataFrame from rows in one call (see :class:`FrameBuilder`).

    Example:
        >>> rows_to_frame([{"a": 1}, {"a": None, "b": "x"}]).dtypes.astype(str).tolist()
        ['Int64', 'string']
    """
    builder = FrameBuilder(headers, columns=columns)
    builder.add_rows(rows)
    return builder.build(flatten=flatten, dtypes=dtypes, labels=labels)
