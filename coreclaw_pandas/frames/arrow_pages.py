"""Result page replies parsed into Arrow, a batch at a time, for the fast path to a frame.

:class:`PageDecoder` joins a batch of raw page replies (``{"code": 0, "data": {"count",
"headers", "list"}}``) with newlines and parses them with pyarrow's JSON reader, which
works off the GIL. It hands back one :class:`~coreclaw_pandas.models.TablePage` per
reply, or None for a reply whose rows Arrow cannot give exactly as Python's ``json``
would; those are read the general way, and the frame comes out the same (the
builder's dtype table is over Python kinds, which :func:`.dtypes.python_kind` maps).

What is refused, and why:

* anything Arrow's reader rejects: a column whose type changes (a number then text,
  a key that is sometimes a dict), raw control characters, duplicate keys, broken
  surrogates, numbers beyond a double;
* a number of 2**63 or more: Arrow reads an integer past int64 as a double, Python
  keeps it an int (and the builder keeps such a column as objects);
* inside lists (kept as Python lists in the frame): a float with no fraction (Arrow
  cannot tell ``1`` from ``1.0`` there) and an object with a missing or null key (Arrow
  fills every key of every object in a list);
* an id column that is not text or integers, and a reply whose ``data`` or ``list`` is
  null (the reader reads those pages again).

Arrow also reads ISO dates as timestamps; a batch that has any is read again with
those fields as text, so the builder's own date rule (one style for a whole column)
decides, as it does for every row. The schema found is kept as a hint for the next
batch, which saves Arrow that inference.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from itertools import accumulate
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ..models import ID_COLUMN, ResultHeader, TablePage

__all__ = ["PageDecoder", "read_json_lines"]

#: Integers at or past this are doubles to Arrow but ints to Python.
_INT64_EDGE = float(2**63)
_ID_TYPES = (pa.string(), pa.int64(), pa.null())


class _Refused(Exception):
    """Internal: Arrow's reading of this batch would not be exact."""


class PageDecoder:
    """Turns raw page replies into :class:`~coreclaw_pandas.models.TablePage` objects.

    Callable as the ``decode`` of :meth:`Client.iter_table_pages`. It keeps the last
    schema as a hint, so one decoder serves one read (it is thread-safe all the same).

    Attributes:
        pages: Replies decoded into Arrow.
        refused: Replies handed back to the general path.
    """

    def __init__(self) -> None:
        self._hint: pa.Schema | None = None
        self._read_as: pa.Schema | None = None
        self._lock = threading.Lock()
        self.pages = 0
        self.refused = 0

    def __call__(self, bodies: Sequence[bytes], requests: Sequence[Any]) -> list[TablePage | None]:
        """One TablePage per reply (None where the general path must read it).

        Args:
            bodies: Raw replies, each a successful envelope on one line.
            requests: The :class:`~coreclaw_pandas.client.wire.PageRequest` of each.
        """
        out: list[TablePage | None] = [None] * len(bodies)
        self._decode(list(range(len(bodies))), bodies, requests, out)
        with self._lock:
            done = sum(page is not None for page in out)
            self.pages += done
            self.refused += len(out) - done
        return out

    def _decode(
        self,
        positions: list[int],
        bodies: Sequence[bytes],
        requests: Sequence[Any],
        out: list[TablePage | None],
    ) -> None:
        # A line break inside a reply would split it in two lines for the reader.
        usable = [i for i in positions if b"\n" not in bodies[i] and b"\r" not in bodies[i]]
        if not usable:
            return
        try:
            pages = self._parse([bodies[i] for i in usable], [requests[i] for i in usable])
        except (_Refused, pa.ArrowException, ValueError, TypeError, KeyError):
            if len(usable) == 1:
                return
            # Find the replies at fault by halves, so one odd row costs its page only.
            half = len(usable) // 2
            self._decode(usable[:half], bodies, requests, out)
            self._decode(usable[half:], bodies, requests, out)
            return
        for i, page in zip(usable, pages, strict=True):
            out[i] = page

    def _read(self, data: bytes, schema: pa.Schema | None) -> pa.Table:
        parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
        # Blocks of about 1 MiB are parsed on Arrow's threads, off the GIL.
        read = pj.ReadOptions(block_size=max(1 << 20, len(data) // 8))
        return pj.read_json(io.BytesIO(data), read_options=read, parse_options=parse)

    def _parse(self, bodies: list[bytes], requests: list[Any]) -> list[TablePage | None]:
        data = b"\n".join(bodies)
        with self._lock:
            hint = self._hint
        table = None
        if hint is not None:
            try:
                table = self._read(data, hint)
            except pa.ArrowInvalid:
                table = None  # a type widened (an int column met a float): infer afresh
        if table is None:
            table = self._read(data, None)
        if _has_timestamp(table.schema.types):
            table = self._read(data, _texts_for_timestamps(table.schema))
        with self._lock:
            if hint is None or not table.schema.equals(self._read_as):
                # Walking a wide schema costs about 2 ms: once per change, not per batch.
                self._read_as, self._hint = table.schema, _without_nulls(table.schema)
        return _pages(table, requests)


def read_json_lines(source: BinaryIO) -> pa.Table | None:
    """The rows of a JSON-lines export as a table, or None where Arrow cannot be exact.

    The same rules as the pages' (module docstring): None for anything Arrow refuses or
    would read differently from Python's ``json``, so the caller reads pages instead.

    Args:
        source: The export, a seekable binary file.
    """
    read = pj.ReadOptions(block_size=1 << 22)
    try:
        if not source.read(1):
            return pa.table({})
        source.seek(0)
        table = pj.read_json(source, read_options=read)
        if _has_timestamp(table.schema.types):
            source.seek(0)
            schema = _texts_for_timestamps(table.schema)
            parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
            table = pj.read_json(source, read_options=read, parse_options=parse)
        for column in table.columns:
            _check(column, in_list=False)
    except (_Refused, pa.ArrowException, ValueError, TypeError):
        return None
    return table


def _pages(table: pa.Table, requests: list[Any]) -> list[TablePage | None]:
    # The reader's chunks (one per block) are kept as they are: combining them would
    # copy every value once more (a fifth of the decoding time in a profile).
    envelope = table.column("data")
    if not pa.types.is_struct(envelope.type):
        raise _Refused("data is not an object")
    fields = {envelope.type.field(i).name: i for i in range(envelope.type.num_fields)}
    parts = envelope.flatten()
    counts = parts[fields["count"]] if "count" in fields else None
    lists = parts[fields["list"]] if "list" in fields else None
    if counts is None or lists is None or not pa.types.is_integer(counts.type):
        raise _Refused("no integer count or no list")
    if pa.types.is_null(lists.type):
        lists = pa.chunked_array([pa.array([None] * len(lists), pa.list_(pa.struct([])))])
    if not pa.types.is_list(lists.type):
        raise _Refused("list is not a list")
    item = lists.type.value_type
    if pa.types.is_null(item):
        if pc.sum(pc.list_value_length(lists).fill_null(0)).as_py():
            raise _Refused("null list items")  # not objects: the general path counts them
        item = pa.struct([])
        lists = lists.cast(pa.list_(item))
    if not pa.types.is_struct(item):
        raise _Refused("list items are not objects")
    items = pc.list_flatten(lists)
    if items.null_count:
        raise _Refused("null list items")  # not objects: the general path counts them
    rows = pa.Table.from_struct_array(items)
    for column in rows.columns:
        _check(column, in_list=False)
    ids = _ids(rows)
    lengths = pc.list_value_length(lists).fill_null(0).to_pylist()
    offsets = [0, *accumulate(lengths)]
    valid = lists.is_valid().to_pylist()
    count_values = counts.to_pylist()
    headers_at = fields.get("headers")
    out: list[TablePage | None] = []
    for i, request in enumerate(requests):
        if not valid[i] or count_values[i] is None:
            out.append(None)
            continue
        start, end = offsets[i], offsets[i + 1]
        # The last page's headers stand for the batch: a builder keeps the latest ones.
        last = i == len(requests) - 1
        headers = _headers(parts[headers_at][i]) if headers_at is not None and last else []
        out.append(
            TablePage(
                count=count_values[i],
                headers=headers,
                table=rows.slice(start, end - start),
                ids=ids[start:end],
                page_index=request.page_index,
                page_size=request.page_size,
                batch=rows,
                offset=start,
            )
        )
    return out


def _ids(rows: pa.Table) -> list[Any]:
    if ID_COLUMN not in rows.column_names:
        return [None] * rows.num_rows
    column = rows.column(ID_COLUMN)
    if column.type not in _ID_TYPES:
        raise _Refused("row ids that are not text or integers")
    ids: list[Any] = column.to_pylist()
    return ids


def _headers(value: pa.Scalar) -> list[ResultHeader]:
    """The Worker's headers, as :func:`coreclaw_pandas.client.replies.page` reads them."""
    headers = []
    for h in value.as_py() or []:
        if isinstance(h, dict) and h.get("key"):
            key = str(h.get("key", ""))
            label = str(h.get("label") or h.get("key") or "")
            headers.append(ResultHeader(key=key, label=label, format=str(h.get("format") or "")))
    return headers


def _check(array: pa.Array | pa.ChunkedArray, *, in_list: bool) -> None:
    """Refuse values Arrow holds differently from Python's ``json`` (module docstring)."""
    kind = array.type
    if pa.types.is_floating(kind):
        if not pa.types.is_float64(kind):
            raise _Refused(f"unexpected {kind}")
        if array.null_count < len(array):
            magnitude = pc.max(pc.abs(array)).as_py()
            if magnitude is not None and magnitude >= _INT64_EDGE:
                raise _Refused("a number past int64")
            if in_list and pc.any(pc.equal(array, pc.floor(array))).as_py():
                raise _Refused("a whole float inside a list")
    elif pa.types.is_struct(kind):
        children = array.flatten()
        for child in children:
            if in_list and child.null_count > array.null_count:
                raise _Refused("an object in a list with a missing or null key")
            _check(child, in_list=in_list)
    elif pa.types.is_list(kind):
        _check(pc.list_flatten(array), in_list=True)
    elif kind not in (pa.string(), pa.int64(), pa.bool_(), pa.null()):
        raise _Refused(f"unexpected {kind}")


def _has_timestamp(types: Sequence[pa.DataType]) -> bool:
    for kind in types:
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind):
            return True
        if pa.types.is_struct(kind) and _has_timestamp([f.type for f in kind]):
            return True
        if pa.types.is_list(kind) and _has_timestamp([kind.value_type]):
            return True
    return False


def _as_text(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind):
        return pa.string()
    if pa.types.is_struct(kind):
        return pa.struct([f.with_type(_as_text(f.type)) for f in kind])
    if pa.types.is_list(kind):
        return pa.list_(_as_text(kind.value_type))
    return kind


def _texts_for_timestamps(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_type(_as_text(f.type)) for f in schema])


def _without_nulls(schema: pa.Schema) -> pa.Schema:
    """The schema as a hint: null and float fields are left for the reader to infer.

    A float in the hint would make every later int of that field a float too.
    """

    def strip(kind: pa.DataType) -> pa.DataType | None:
        if pa.types.is_null(kind) or pa.types.is_floating(kind):
            return None
        if pa.types.is_struct(kind):
            kept = [f.with_type(t) for f in kind if (t := strip(f.type)) is not None]
            return pa.struct(kept)
        if pa.types.is_list(kind):
            inner = strip(kind.value_type)
            return None if inner is None else pa.list_(inner)
        return kind

    return pa.schema([f.with_type(t) for f in schema if (t := strip(f.type)) is not None])
