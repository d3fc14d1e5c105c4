"""Column storage for result frames: values packed as they arrive, columns split and expanded.

A :class:`ColumnBuffer` collects one column's values page by page and packs
every ``BUFFER_CHUNK_ROWS`` of them: values of one simple type (str, int, float,
bool) into an Arrow array, anything else (dicts, lists, mixes) into a pickle
made in this process and read back only by it. Either way a million rows held
between fetch and build cost about what the finished frame costs, not a Python
object per cell. At build time the dtype follows the table in
:mod:`coreclaw_pandas.frames.dtypes`.
"""

from __future__ import annotations

import pickle
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from itertools import chain
from types import MappingProxyType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .dtypes import ARROW_TYPES, PANDAS_DTYPES, object_array, parse_iso_datetimes, python_kind

__all__ = [
    "BUFFER_CHUNK_ROWS",
    "ColumnBuffer",
    "InexactColumnError",
    "expand_column",
    "split_rows",
    "split_struct",
    "split_table",
]

#: Rows packed per Arrow chunk: large enough that Arrow's per-array overhead is
#: noise, small enough that the pending Python objects stay a few MB per column.
BUFFER_CHUNK_ROWS = 65_536

_NONE = type(None)
#: Stands in for a null parent dict when splitting it into child columns.
_NO_KEYS: Mapping[Any, Any] = MappingProxyType({})


class InexactColumnError(Exception):
    """A column mixes kinds in a way Arrow's decoding cannot give back exactly.

    Arrow reads ``1`` as ``1.0`` in a batch that also holds ``2.5``; that is harmless
    in a ``Float64`` column, but a column that ends up as Python objects (numbers next
    to text) would show ``1.0`` where the row said ``1``. The reader then builds the
    frame again from dicts (:mod:`coreclaw_pandas.api.pages`).
    """


class ColumnBuffer:
    """One column's values, appended in row order and packed as they arrive.

    Chunks are Arrow arrays (one simple type, or all null), pickled lists (any
    other values) or plain lists (values pickle cannot take). ``kinds`` is the
    set of Python types seen in packed chunks.
    """

    __slots__ = (
        "_arrow_length",
        "_arrow_pending",
        "_chunks",
        "_length",
        "_pending",
        "kinds",
        "widened",
    )

    def __init__(self) -> None:
        self._chunks: list[pa.Array | bytes | list[Any]] = []
        self._pending: list[Any] = []
        self._arrow_pending: list[pa.Array] = []
        self._arrow_length = 0
        self._length = 0
        self.kinds: set[type] = set()
        #: An Arrow float chunk holds whole numbers: some may have been ints in the JSON.
        self.widened = False

    def __len__(self) -> int:
        return self._length + len(self._pending) + self._arrow_length

    def extend(self, values: list[Any]) -> None:
        """Append values; packs a chunk once enough are pending."""
        if self._arrow_pending:
            self._join_arrow()
        self._pending.extend(values)
        if len(self._pending) >= BUFFER_CHUNK_ROWS:
            self._pack(compact=True)

    def extend_arrow(self, array: pa.Array) -> None:
        """Append an Arrow array decoded from JSON (see :mod:`.arrow_pages` for its types).

        Page-sized arrays are joined into chunks of about ``BUFFER_CHUNK_ROWS``, so a
        column is never thousands of tiny chunks.
        """
        self._pack(compact=True)
        if array.null_count == len(array):
            array = pa.nulls(len(array))
        kind = python_kind(array.type)
        if self._arrow_pending and self._arrow_pending[0].type != array.type:
            self._join_arrow()
        self.kinds.add(kind)
        self._arrow_pending.append(array)
        self._arrow_length += len(array)
        if self._arrow_length >= BUFFER_CHUNK_ROWS:
            self._join_arrow()

    def _join_arrow(self) -> None:
        pending, self._arrow_pending = self._arrow_pending, []
        if pending:
            joined = pending[0] if len(pending) == 1 else pa.concat_arrays(pending)
            if pa.types.is_floating(joined.type) and not self.widened:
                self.widened = bool(pc.any(pc.equal(joined, pc.floor(joined))).as_py())
            self._chunks.append(joined)
            self._length += self._arrow_length
        self._arrow_length = 0

    def extend_nulls(self, count: int) -> None:
        """Append ``count`` missing values."""
        self.extend([None] * count)

    @property
    def is_dicts(self) -> bool:
        """True when every non-null value is a dict (a candidate for flattening)."""
        return (self.kinds | set(map(type, self._pending))) - {_NONE} == {dict}

    def _pack(self, *, compact: bool) -> None:
        self._join_arrow()
        pending, self._pending = self._pending, []
        if not pending:
            return
        types = set(map(type, pending))
        self.kinds |= types
        simple = types - {_NONE}
        chunk: pa.Array | bytes | list[Any] = pending
        if not simple:
            chunk = pa.nulls(len(pending))
        elif len(simple) == 1 and (arrow_type := ARROW_TYPES.get(simple.pop())) is not None:
            with suppress(ValueError, TypeError, OverflowError):
                # Ints beyond int64 fail here and are kept as Python objects.
                chunk = pa.array(pending, type=arrow_type)
        if compact and isinstance(chunk, list):
            with suppress(pickle.PicklingError, TypeError, AttributeError, RecursionError):
                chunk = pickle.dumps(pending, protocol=pickle.HIGHEST_PROTOCOL)
        self._chunks.append(chunk)
        self._length += len(pending)

    def chunks(self) -> Iterator[list[Any]]:
        """The values as Python lists, one per chunk, in row order."""
        for chunk in self.raw_chunks():
            yield chunk if isinstance(chunk, list) else chunk.to_pylist()

    def raw_chunks(self) -> Iterator[list[Any] | pa.Array]:
        """The chunks as packed: Python lists, or Arrow arrays (structs stay structs)."""
        self._pack(compact=False)
        for chunk in self._chunks:
            # Safe to unpickle: these bytes were made by _pack, in this process.
            yield pickle.loads(chunk) if isinstance(chunk, bytes) else chunk

    def clear(self) -> None:
        """Drop every value (frees the memory once a column is converted)."""
        self._chunks, self._pending, self._length = [], [], 0
        self._arrow_pending, self._arrow_length = [], 0

    def _arrow(self, arrow_type: pa.DataType) -> pa.ChunkedArray | None:
        """All chunks as one Arrow type, or None when some value does not fit it."""
        chunks = []
        for chunk in self._chunks:
            if not isinstance(chunk, pa.Array):
                values = pickle.loads(chunk) if isinstance(chunk, bytes) else chunk
                try:
                    chunk = pa.array(values, type=arrow_type)
                except (ValueError, TypeError, OverflowError):
                    return None
            elif chunk.type != arrow_type:
                # Null chunks, and int chunks of a float column; float(int) semantics.
                chunk = chunk.cast(arrow_type, safe=False)
            chunks.append(chunk)
        return pa.chunked_array(chunks, type=arrow_type)

    def to_array(self, *, parse_dates: bool = True) -> Any:
        """The finished column as a pandas array (see the module table for the dtype).

        Args:
            parse_dates: Convert an all-ISO-8601 text column to datetimes.
        """
        self._pack(compact=False)
        simple = self.kinds - {_NONE}
        target = float if simple == {int, float} else next(iter(simple), None)
        if len(simple) == 1 or simple == {int, float}:
            assert target is not None  # one kind was seen, so next() found it
            arrow_type = ARROW_TYPES.get(target)
            chunked = self._arrow(arrow_type) if arrow_type is not None else None
            if chunked is not None:
                if target is str and parse_dates:
                    dates = parse_iso_datetimes(chunked)
                    if dates is not None:
                        return dates
                return PANDAS_DTYPES[target].__from_arrow__(chunked)
        if self.widened or any(
            isinstance(chunk, pa.StructArray) and chunk.type.num_fields for chunk in self._chunks
        ):
            # Whole floats may have been ints; objects kept whole would show every key.
            raise InexactColumnError("a column Arrow read cannot be given back exactly")
        return object_array(chain.from_iterable(self.chunks()), len(self))


def split_rows(
    rows: Sequence[Mapping[Any, Any]],
    buffers: dict[Any, ColumnBuffer],
    done: int,
    wanted: Callable[[Any], bool] | None = None,
) -> None:
    """Append a batch of rows to per-key buffers, in order of first appearance.

    A key first seen now gets a buffer padded with ``done`` nulls (the rows before
    it); a known key absent from this batch gets nulls. ``wanted`` may refuse keys.
    """
    keys = dict.fromkeys(chain.from_iterable(rows))
    for key in keys:
        if key not in buffers and (wanted is None or wanted(key)):
            buffers[key] = ColumnBuffer()
            buffers[key].extend_nulls(done)
    for key, buffer in buffers.items():
        if key in keys:
            buffer.extend([row.get(key) for row in rows])
        else:
            buffer.extend_nulls(len(rows))


def split_table(
    table: pa.Table,
    buffers: dict[Any, ColumnBuffer],
    done: int,
    wanted: Callable[[Any], bool] | None = None,
) -> None:
    """Append a decoded table's columns to per-key buffers, as :func:`split_rows` does rows."""
    names = table.column_names
    for name in names:
        if name not in buffers and (wanted is None or wanted(name)):
            buffers[name] = ColumnBuffer()
            buffers[name].extend_nulls(done)
    present = set(names)
    for key, buffer in buffers.items():
        if key in present:
            for chunk in table.column(key).chunks:
                buffer.extend_arrow(chunk)
        else:
            buffer.extend_nulls(table.num_rows)


def split_struct(array: pa.StructArray, subs: dict[Any, ColumnBuffer], done: int) -> None:
    """Split a struct chunk into per-field buffers (a null struct gives null fields)."""
    fields = [array.type.field(i).name for i in range(array.type.num_fields)]
    for name in fields:
        if name not in subs:
            subs[name] = ColumnBuffer()
            subs[name].extend_nulls(done)
    # flatten() applies the struct's own nulls to each field.
    children = dict(zip(fields, array.flatten(), strict=True))
    for name, sub in subs.items():
        if name in children:
            sub.extend_arrow(children[name])
        else:
            sub.extend_nulls(len(array))


def expand_column(
    name: Any,
    buffer: ColumnBuffer,
    *,
    max_level: int | None,
    taken: set[Any],
    sep: str = ".",
    level: int = 0,
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(name, array)`` for one column, flattening dict columns recursively.

    The dicts are split chunk by chunk, so a column is never whole in Python
    objects. A dict column is kept whole when flattening would produce a name
    already taken (a literal ``"a.b"`` key next to ``a: {b: ...}``), so no value
    is overwritten.
    """
    if (max_level is None or level < max_level) and buffer.is_dicts:
        subs: dict[Any, ColumnBuffer] = {}
        done = 0
        for values in buffer.raw_chunks():
            if isinstance(values, pa.StructArray):
                split_struct(values, subs, done)
            elif isinstance(values, pa.Array):  # all null
                for sub in subs.values():
                    sub.extend_nulls(len(values))
            else:
                split_rows([_NO_KEYS if v is None else v for v in values], subs, done)
            done += len(values)
        sub_names = [f"{name}{sep}{key}" for key in subs]
        if subs and taken.isdisjoint(sub_names) and len(set(sub_names)) == len(sub_names):
            taken.update(sub_names)
            buffer.clear()
            queue = deque(zip(sub_names, subs.values(), strict=True))
            subs.clear()
            while queue:
                sub_name, sub_buffer = queue.popleft()
                yield from expand_column(
                    sub_name, sub_buffer, max_level=max_level, taken=taken, sep=sep, level=level + 1
                )
            return
        subs.clear()
    yield name, buffer.to_array()
