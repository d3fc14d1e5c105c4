"""Column storage, dtype inference and value checks for result frames.

A :class:`ColumnBuffer` collects one column's values page by page and packs
every ``CHUNK_ROWS`` of them: values of one simple type (str, int, float,
bool) into an Arrow array, anything else (dicts, lists, mixes) into a pickle
made in this process and read back only by it. Either way a million rows held
between fetch and build cost about what the finished frame costs, not a Python
object per cell.

At build time :meth:`ColumnBuffer.to_array` picks the dtype from the set of
Python types seen over *all* rows (never a sample):

========================  ===================================================
types seen (null aside)   result
========================  ===================================================
none                      ``object`` column of ``None``
int                       ``Int64``
float, or int and float   ``Float64``
bool                      ``boolean``
str                       ``datetime64`` when every value is ISO 8601 in one
                          style (see :func:`parse_iso_datetimes`), else
                          ``string``
anything else             ``object`` (the values exactly as sent)
========================  ===================================================
"""

from __future__ import annotations

import math
import pickle
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from itertools import chain, islice
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "CHUNK_ROWS",
    "ColumnBuffer",
    "STRING_DTYPE",
    "apply_dtype",
    "check_json_safe",
    "expand_column",
    "is_missing",
    "object_array",
    "parse_iso_datetimes",
    "split_rows",
    "text_array",
    "utc_array",
]

#: Rows packed per Arrow chunk: large enough that Arrow's per-array overhead is
#: noise, small enough that the pending Python objects stay a few MB per column.
CHUNK_ROWS = 65_536

#: The NA-based string dtype, so every inferred column shares ``pd.NA`` for missing.
STRING_DTYPE = pd.StringDtype("pyarrow")

_NONE = type(None)
#: Stands in for a null parent dict when splitting it into child columns.
_NO_KEYS: Mapping[Any, Any] = MappingProxyType({})
_ARROW_TYPES: dict[type, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
}
_PANDAS_DTYPES: dict[type, Any] = {
    str: STRING_DTYPE,
    int: pd.Int64Dtype(),
    float: pd.Float64Dtype(),
    bool: pd.BooleanDtype(),
}

# ISO 8601 styles; a column converts only when all its values share one of them,
# so "2024-01-05" next to "2024-01-05T10:00" (or naive next to offset) stays text.
_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_STYLES: tuple[tuple[str, bool], ...] = (
    (f"^{_DATE}$", False),
    (f"^{_DATE}T{_TIME}$", False),
    (f"^{_DATE}T{_TIME}{_OFFSET}$", True),
    (f"^{_DATE} {_TIME}$", False),
    (f"^{_DATE} {_TIME}{_OFFSET}$", True),
)
_COMPILED = tuple((re.compile(p, re.ASCII), p, aware) for p, aware in _STYLES)


class ColumnBuffer:
    """One column's values, appended in row order and packed as they arrive.

    Chunks are Arrow arrays (one simple type, or all null), pickled lists (any
    other values) or plain lists (values pickle cannot take). ``kinds`` is the
    set of Python types seen in packed chunks.
    """

    __slots__ = ("_chunks", "_length", "_pending", "kinds")

    def __init__(self) -> None:
        self._chunks: list[pa.Array | bytes | list[Any]] = []
        self._pending: list[Any] = []
        self._length = 0
        self.kinds: set[type] = set()

    def __len__(self) -> int:
        return self._length + len(self._pending)

    def extend(self, values: list[Any]) -> None:
        """Append values; packs a chunk once enough are pending."""
        self._pending.extend(values)
        if len(self._pending) >= CHUNK_ROWS:
            self._pack(compact=True)

    def extend_nulls(self, count: int) -> None:
        """Append ``count`` missing values."""
        self.extend([None] * count)

    @property
    def is_dicts(self) -> bool:
        """True when every non-null value is a dict (a candidate for flattening)."""
        return (self.kinds | set(map(type, self._pending))) - {_NONE} == {dict}

    def _pack(self, *, compact: bool) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        types = set(map(type, pending))
        self.kinds |= types
        simple = types - {_NONE}
        chunk: pa.Array | bytes | list[Any] = pending
        if not simple:
            chunk = pa.nulls(len(pending))
        elif len(simple) == 1 and (arrow_type := _ARROW_TYPES.get(simple.pop())) is not None:
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
        self._pack(compact=False)
        for chunk in self._chunks:
            if isinstance(chunk, bytes):
                # Safe to unpickle: these bytes were made by _pack, in this process.
                yield pickle.loads(chunk)
            else:
                yield chunk if isinstance(chunk, list) else chunk.to_pylist()

    def clear(self) -> None:
        """Drop every value (frees the memory once a column is converted)."""
        self._chunks, self._pending, self._length = [], [], 0

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
            arrow_type = _ARROW_TYPES.get(target)  # type: ignore[arg-type]
            chunked = self._arrow(arrow_type) if arrow_type is not None else None
            if chunked is not None:
                if target is str and parse_dates:
                    dates = parse_iso_datetimes(chunked)
                    if dates is not None:
                        return dates
                return _PANDAS_DTYPES[target].__from_arrow__(chunked)
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


def object_array(values: Iterable[Any], length: int) -> np.ndarray:
    """A 1-D object array of ``values``; lists stay elements (never a 2-D array)."""
    return np.fromiter(values, dtype=object, count=length)


def _first_valid(chunked: pa.ChunkedArray) -> Any:
    for chunk in chunked.chunks:
        if chunk.null_count < len(chunk):
            return chunk.drop_null()[0].as_py()
    return None


def parse_iso_datetimes(chunked: pa.ChunkedArray) -> Any:
    """Parse a text column as datetimes when every value is ISO 8601 in one style.

    The style is the first value's: a date (``2024-01-05``), or a date and time
    with ``T`` or a space, with or without a UTC offset. Every non-null value
    must match that style; otherwise the column stays text. Offsets (which may
    differ from row to row) are converted to UTC and give a tz-aware column;
    values without one give a naive column. A mix of both stays text, because
    guessing the zone of the naive ones could shift them silently.

    Args:
        chunked: The column's strings.

    Returns:
        A ``DatetimeArray``, or None when the column is not all ISO 8601 in one style.
    """
    first = _first_valid(chunked)
    if not isinstance(first, str):
        return None
    match = next((style for style in _COMPILED if style[0].match(first)), None)
    if match is None:
        return None
    _regex, pattern, aware = match
    # One vectorised pass over every value; nulls are skipped.
    if not pc.all(pc.match_substring_regex(chunked, pattern)).as_py():
        return None
    text = STRING_DTYPE.__from_arrow__(chunked)
    try:
        parsed = pd.to_datetime(text, format="ISO8601", utc=aware)
    except (ValueError, OverflowError):
        # Matches the shape but is no real date (month 13, day 32): leave it as text.
        return None
    return parsed.array


def _bad_example(series: pd.Series, dtype: Any) -> Any:
    """The first value that fails ``astype(dtype)`` on its own (bounded search)."""
    for value in islice(series.dropna().unique(), 10_000):
        value = value.item() if isinstance(value, np.generic) else value
        try:
            converted = pd.Series([value], dtype=series.dtype).astype(dtype)
        except (ValueError, TypeError, OverflowError):
            return value
        if pd.api.types.is_integer_dtype(dtype) and converted.iloc[0] != value:
            return value
    return None


def apply_dtype(name: str, array: Any, dtype: Any) -> Any:
    """Convert one column to a user-chosen dtype, naming the column on failure.

    Args:
        name: The column's name, for the error message.
        array: The column's values.
        dtype: Anything :func:`pandas.api.types.pandas_dtype` accepts (``"Float64"``).

    Returns:
        The converted pandas array.

    Raises:
        ValueError: The dtype is unknown, or a value does not convert; the message
            names the column and shows a value that failed.
    """
    try:
        target = pd.api.types.pandas_dtype(dtype)
    except TypeError as err:
        raise ValueError(f"dtypes[{name!r}]: unknown dtype {dtype!r}.") from err
    series = pd.Series(array, copy=False)
    try:
        if pd.api.types.is_integer_dtype(target) and pd.api.types.is_float_dtype(series.dtype):
            # pandas would truncate 1.5 to 1 without a word; refuse instead.
            fractional = series[series.notna() & (series % 1 != 0)]
            if len(fractional):
                raise ValueError(f"{fractional.iloc[0]!r} is not a whole number")
        return series.astype(target).array
    except (ValueError, TypeError, OverflowError) as err:
        bad = _bad_example(series, target)
        example = f" for example {bad!r}" if bad is not None else ""
        raise ValueError(
            f"Cannot convert column {name!r} to {target}: some values do not convert,"
            f"{example}. Clean the column first, or leave it out of dtypes= and convert"
            " it yourself with errors='coerce'."
        ) from err


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
        for values in buffer.chunks():
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


def is_missing(value: Any) -> bool:
    """True for None, NaN, NA and NaT; containers are never missing."""
    if value is None:
        return True
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        return False
    return bool(pd.isna(value))


def utc_array(values: list[Any]) -> Any:
    """Datetimes as a UTC column; naive ones are taken to be UTC already."""
    parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    return parsed.astype("datetime64[us, UTC]").array


def text_array(values: list[str]) -> Any:
    """Strings as a ``string`` array."""
    return pd.array(values, dtype=STRING_DTYPE)


def check_json_safe(value: Any, path: str) -> None:
    """Raise ValueError unless ``value`` is plain JSON (``df.attrs`` must stay JSON-safe).

    Allowed: str, int, finite float, bool, None, lists, and dicts with string keys.
    ``path`` names the value in the message (``"provenance['usage']"``).
    """
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path} is {value!r}; JSON has no NaN or infinity.")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json_safe(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path} has a non-string key {key!r}.")
            check_json_safe(item, f"{path}[{key!r}]")
        return
    raise ValueError(
        f"{path} is a {type(value).__name__}; only str, int, float, bool, None,"
        " lists and dicts are allowed (convert datetimes with .isoformat())."
    )
