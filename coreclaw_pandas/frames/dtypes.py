"""Dtype inference and value checks for result frames.

The Python types seen over *all* of a column's rows (never a sample) pick its
dtype (:meth:`~coreclaw_pandas.frames.buffers.ColumnBuffer.to_array` applies
this table):

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

import functools
import math
import re
from collections.abc import Iterable
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ARROW_TYPES",
    "PANDAS_DTYPES",
    "STRING_DTYPE",
    "apply_dtype",
    "check_json_safe",
    "is_missing",
    "object_array",
    "parse_iso_datetimes",
    "python_kind",
    "with_arrow_dtypes",
    "text_array",
    "utc_array",
]

#: The NA-based string dtype, so every inferred column shares ``pd.NA`` for missing.
STRING_DTYPE = pd.StringDtype("pyarrow")

#: The Arrow type a chunk of one simple Python type is packed as.
ARROW_TYPES: dict[type, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
}
#: The pandas dtype a column of one simple Python type gets.
PANDAS_DTYPES: dict[type, Any] = {
    str: STRING_DTYPE,
    int: pd.Int64Dtype(),
    float: pd.Float64Dtype(),
    bool: pd.BooleanDtype(),
}

@functools.cache
def python_kind(arrow_type: pa.DataType) -> type:
    """The Python type a JSON value decoded to ``arrow_type`` has (``dict`` for a struct).

    Raises:
        TypeError: A type the JSON decoder never gives.
    """
    if pa.types.is_null(arrow_type):
        return type(None)
    if pa.types.is_struct(arrow_type):
        return dict
    if pa.types.is_list(arrow_type):
        return list
    for kind, known in ARROW_TYPES.items():
        if arrow_type == known:
            return kind
    raise TypeError(f"no Python kind for Arrow type {arrow_type}")


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
    text = STRING_DTYPE.__from_arrow__(chunked)  # type: ignore[attr-defined]  # missing in stubs
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


def with_arrow_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every column an ``ArrowDtype`` (pandas' ``dtype_backend="pyarrow"``).

    A column Arrow cannot hold as one type (lists next to text, say) stays ``object``;
    ``df.attrs`` are kept.
    """
    out = {}
    for name, series in df.items():
        try:
            array = pa.array(series.array, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            out[name] = series
            continue
        out[name] = pd.Series(pd.arrays.ArrowExtensionArray(array), index=df.index, copy=False)
    converted = pd.DataFrame(out, index=df.index, copy=False)
    converted.columns = df.columns
    converted.attrs = df.attrs
    return converted
