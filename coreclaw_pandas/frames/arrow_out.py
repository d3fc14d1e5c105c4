"""Result frames out to Arrow and Parquet, and chunks of one read kept to one set of dtypes.

Used by ``cc.results_arrow``, ``cc.iter_results_df`` and ``cc.to_parquet``.

* :func:`frame_to_arrow`: a frame as a ``pyarrow.Table``; object columns become Arrow
  lists or structs when their values allow, else JSON text (listed in the schema's
  metadata), and ``df.attrs["coreclaw"]`` goes into the metadata too.
* :class:`StableDtypes`: the first chunk's dtypes (and the Worker's header columns)
  held for every later chunk, widened only when a value needs it (``Int64`` to
  ``Float64``, anything to ``object``), so chunks concatenate and a Parquet dataset has
  one schema.
* :class:`ParquetParts`: chunks to a folder of Parquet files of bounded size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..models import ATTRS_KEY
from .dtypes import apply_dtype

__all__ = ["ParquetParts", "StableDtypes", "frame_to_arrow"]

#: Schema metadata: the frame's provenance, and the columns stored as JSON text.
_ATTRS_META = b"coreclaw_pandas.attrs"
_JSON_META = b"coreclaw_pandas.json_columns"


def _json_text(series: pd.Series) -> pa.Array:
    def encode(value: Any) -> str | None:
        if value is None or value is pd.NA:
            return None
        return json.dumps(value, ensure_ascii=False, default=str)

    return pa.array([encode(v) for v in series.tolist()], type=pa.string())


def frame_to_arrow(df: pd.DataFrame, *, json_columns: set[str] | None = None) -> pa.Table:
    """``df`` as a ``pyarrow.Table`` (see the module docstring for object columns).

    Args:
        df: A result frame.
        json_columns: Columns to store as JSON text whatever they hold (a Parquet
            dataset keeps one choice for all its files); updated with those chosen here.
    """
    chosen = json_columns if json_columns is not None else set()
    arrays, names = [], []
    for name, series in df.items():
        array = None
        if series.dtype == object and str(name) not in chosen:
            try:
                array = pa.array(series.array, from_pandas=True)
            except (pa.ArrowException, TypeError, ValueError):
                chosen.add(str(name))
        if series.dtype == object and str(name) in chosen:
            array = _json_text(series)
        elif array is None:
            array = pa.array(series.array, from_pandas=True)
        arrays.append(array)
        names.append(str(name))
    table = pa.Table.from_arrays(arrays, names=names)
    metadata = {
        _ATTRS_META: json.dumps(df.attrs.get(ATTRS_KEY, {}), default=str).encode(),
        _JSON_META: json.dumps(sorted(chosen & set(names))).encode(),
    }
    return table.replace_schema_metadata(metadata)


class ParquetParts:
    """Writes chunks of one read to ``part-00000.parquet``, ``part-00001.parquet``...

    A file is closed after ``rows_per_file`` rows (a chunk that crosses the line is
    split); each chunk is a row group. A chunk whose schema cannot be cast to the open
    file's starts a new file, so every file is readable on its own. Files are written
    under a temporary name and moved into place when closed.

    Args:
        folder: Where the files go.
        rows_per_file: Rows per file.
    """

    def __init__(self, folder: Path, *, rows_per_file: int) -> None:
        self.folder = folder
        self.rows_per_file = rows_per_file
        self.files: list[Path] = []
        self._json: set[str] = set()
        self._writer: pq.ParquetWriter | None = None
        self._temp: Path | None = None
        self._rows = 0

    def __enter__(self) -> ParquetParts:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._close(keep=exc_type is None)

    def write(self, df: pd.DataFrame) -> None:
        """Append a chunk (split across files as needed)."""
        offset = 0
        while True:
            part = df.iloc[offset : offset + self.rows_per_file - self._rows]
            table = frame_to_arrow(part, json_columns=self._json)
            if self._writer is not None and table.schema != self._writer.schema:
                try:
                    table = table.cast(self._writer.schema)
                except (pa.ArrowException, ValueError):
                    self._close(keep=True)  # a wider type: the next file has its own schema
            if self._writer is None:
                self._open(table.schema)
            assert self._writer is not None
            self._writer.write_table(table)
            self._rows += len(part)
            offset += len(part)
            if self._rows >= self.rows_per_file:
                self._close(keep=True)
            if offset >= len(df):
                return

    def _open(self, schema: pa.Schema) -> None:
        final = self.folder / f"part-{len(self.files):05d}.parquet"
        self.files.append(final)
        self._temp = final.with_name(f".{final.stem}.tmp.parquet")
        self._writer = pq.ParquetWriter(self._temp, schema)
        self._rows = 0

    def _close(self, *, keep: bool) -> None:
        if self._writer is None or self._temp is None:
            return
        self._writer.close()
        if keep:
            self._temp.replace(self.files[-1])
        else:
            self._temp.unlink(missing_ok=True)
            self.files.pop()
        self._writer, self._temp, self._rows = None, None, 0


class StableDtypes:
    """Holds the dtypes of a read's first chunk and applies them to the later ones.

    Args:
        dtypes: Dtypes to force by column (``dtypes=`` of ``cc.iter_results_df``).
    """

    def __init__(self, dtypes: Mapping[str, Any] | None = None) -> None:
        self._forced = dict(dtypes or {})
        self._dtypes: dict[Any, Any] = {}
        self._order: list[Any] = []

    def apply(self, df: pd.DataFrame, *, start: int) -> pd.DataFrame:
        """``df`` with the held dtypes and column order, indexed from ``start``."""
        for name in df.columns:
            if name not in self._dtypes:
                self._order.append(name)
                self._dtypes[name] = df[name].dtype
        out = {}
        for name in self._order:
            held = self._dtypes[name]
            if name in self._forced:
                held = self._dtypes[name] = pd.api.types.pandas_dtype(self._forced[name])
            if name not in df.columns:
                out[name] = pd.array([pd.NA] * len(df), dtype=held)
                continue
            values = df[name].array
            if values.dtype != held:
                values, self._dtypes[name] = _conform(name, values, held)
            out[name] = values
        frame = pd.DataFrame(out, index=pd.RangeIndex(start, start + len(df)), copy=False)
        frame.attrs = df.attrs
        return frame


def _conform(name: Any, values: Any, held: Any) -> tuple[Any, Any]:
    """``values`` in the held dtype; else the held dtype widened to take them."""
    series = pd.Series(values, copy=False)
    if series.isna().all():
        return pd.array([pd.NA] * len(series), dtype=held), held
    try:
        return apply_dtype(str(name), values, held), held
    except ValueError:
        pass
    numeric = (pd.Int64Dtype(), pd.Float64Dtype())
    if held in numeric and str(series.dtype) in ("Int64", "Float64"):
        return series.astype("Float64").array, pd.Float64Dtype()
    return series.astype(object).array, object
