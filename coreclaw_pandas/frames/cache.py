r"""On-disk cache of finished runs' DataFrames, as Parquet files.

A finished run never changes, so its frame can be kept and read back instead of
paging through the API again. Each file is keyed by:

* the base URL, hashed (so no host, path or key ever appears in a file name);
* the account: a one-way tag of the API key (never the key), so a frame is only
  ever found again by the account that read it. The caller still authorises
  each hit with one API call: a tag proves nothing about a key that was revoked;
* the run_slug;
* ``options_key``: whatever text the caller uses to describe the build options
  that change the frame (columns, flatten, dtypes, labels, max_rows), hashed.

Design choice: the *finished* frame is cached once per distinct set of options,
rather than one raw frame re-derived per call. Re-deriving would repeat the
dtype inference and flattening (most of the build's cost) and could only
approximate a fresh build; a file per option set is exact and cheap.

Round trips are exact: object columns of lists of text, integers and booleans
(nested or not, nulls allowed) are stored natively as Arrow lists, which give
back exactly those values; every other object column (dicts, lists of objects
or of floats, mixed types), which Parquet cannot hold exactly, is stored as JSON
text. Both kinds are listed in the file's metadata and turned back into Python
objects on load. Every other dtype (``Int64``,
``Float64``, ``boolean``, ``string``, tz-aware datetimes, categoricals...) and
``df.attrs`` come back as they were (the one loss: ``None`` inside an object
column comes back as ``pd.NA``, as built frames have it, JSON having a single
null). A file that cannot be read is a miss and is removed; loading never raises.

The cache holds someone's scraped data: files are written ``0600`` and a folder
this module creates is ``0700`` (as is the default folder, even when it exists).
A folder named by ``$CORECLAW_CACHE_DIR`` that already exists keeps its mode.

Where the files live: ``$CORECLAW_CACHE_DIR`` if set; otherwise
``$XDG_CACHE_HOME/coreclaw-pandas`` or ``~/.cache/coreclaw-pandas`` (Linux),
``~/Library/Caches/coreclaw-pandas`` (macOS), ``%LOCALAPPDATA%\coreclaw-pandas\Cache``
(Windows).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._atomic import atomic_path
from .dtypes import STRING_DTYPE, check_json_safe, object_array

__all__ = ["CACHE_DIR_ENV", "cache_dir", "clear_cache", "load", "store"]

#: Environment variable that overrides the cache folder.
CACHE_DIR_ENV = "CORECLAW_CACHE_DIR"

_APP = "coreclaw-pandas"
_SUFFIX = ".parquet"
#: Temporary files left by an interrupted store: ``atomic_path`` names them
#: ``.<stem>.<hex>.tmp.parquet``; older versions of this module wrote ``.<random>.tmp``.
_TEMP_GLOBS = (f".*.tmp{_SUFFIX}", ".*.tmp")
#: Parquet schema metadata key holding the cache's own record.
_META_KEY = b"coreclaw_pandas.cache"
#: Bumped when the file layout changes; older files then read as misses.
#: 2: the account joined the key (format 1 files, shared by every key, are never read).
_FORMAT = 2
#: An account tag is hex; anything else is refused rather than written into a name.
_SAFE_ACCOUNT = re.compile(r"[0-9a-f]{8,64}")
#: run_slugs are ULIDs; anything else is hashed so a path cannot be steered.
_SAFE_SLUG = re.compile(r"[A-Za-z0-9_]{1,80}")

_log = logging.getLogger(__name__)


def _platform_cache_dir(env: Mapping[str, str], platform: str, home: Path) -> Path:
    """The cache folder for a given environment, platform name and home folder."""
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV]).expanduser()
    if platform.startswith("win"):
        local = env.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / _APP / "Cache"
    if platform == "darwin":
        return home / "Library" / "Caches" / _APP
    xdg = env.get("XDG_CACHE_HOME", "")
    # The XDG spec says relative paths are invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache"
    return base / _APP


def cache_dir() -> Path:
    """The folder holding cached frames (not created until something is stored)."""
    return _platform_cache_dir(os.environ, sys.platform, Path.home())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _site(base_url: str) -> str:
    # "https://host/" and "https://host" are the same platform.
    return _digest(base_url.strip().rstrip("/"))[:16]


def _path(base_url: str, account: str, run_slug: str, options_key: str) -> Path:
    if not _SAFE_ACCOUNT.fullmatch(account):
        raise ValueError("The cache account must be the client's key tag (hex), not a key.")
    slug = run_slug if _SAFE_SLUG.fullmatch(run_slug) else _digest(run_slug)[:32]
    name = f"{_site(base_url)}-{account[:32]}-{slug}-{_digest(options_key)[:16]}{_SUFFIX}"
    return cache_dir() / name


def _private_folder(folder: Path) -> None:
    created = not folder.exists()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if created or folder == _platform_cache_dir({}, sys.platform, Path.home()):
        # mkdir's mode gives way to the umask only to be stricter; an existing default
        # folder from an older version (0755) is tightened too.
        with suppress(OSError):
            folder.chmod(0o700)


def _encode_json(series: pd.Series) -> Any:
    def encode(value: Any) -> str | None:
        # pd.NA (left by astype(object)) is stored as null and comes back as None.
        if value is None or value is pd.NA:
            return None
        try:
            # NaN is kept as the token NaN so a float NaN in a mixed column round-trips.
            return json.dumps(value, ensure_ascii=False, allow_nan=True)
        except TypeError as err:
            raise ValueError(
                f"Column {series.name!r} holds a {type(value).__name__}, which the cache can"
                " only store as JSON; convert it first (for example to str)."
            ) from err

    return pd.array([encode(value) for value in series.tolist()], dtype=STRING_DTYPE)


def _exact_list(kind: pa.DataType) -> bool:
    """A list type whose values come back from Arrow exactly as they went in."""
    if not pa.types.is_list(kind):
        return False
    inner = kind.value_type
    return _exact_list(inner) or inner in (pa.string(), pa.int64(), pa.bool_(), pa.null())


def _native(series: pd.Series) -> pa.Array | None:
    """An object column of lists as an Arrow list array, when that is exact; else None."""
    values = series.to_numpy(dtype=object)
    # Tuples and arrays would come back as lists: only lists go native.
    if not all(type(v) is list for v in values if v is not None and v is not pd.NA):
        return None
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    return array if _exact_list(array.type) else None


def store(
    df: pd.DataFrame, base_url: str, run_slug: str, options_key: str = "", *, account: str
) -> Path:
    """Write a finished run's frame to the cache, atomically.

    The file is written next to its final name and moved into place, so a
    reader never sees half a file and concurrent writers cannot mix.

    Args:
        df: The frame; object columns must hold JSON values (as result rows do),
            and ``df.attrs`` must be JSON-safe.
        base_url: The platform's base URL (hashed into the name).
        run_slug: The run.
        options_key: Text describing the build options that shaped ``df``.
        account: The reading key's tag (``Client.cache_account``), never the key.

    Returns:
        The file written (mode 0600).

    Raises:
        ValueError: Column names are not unique strings, a value cannot be stored
            exactly, or ``account`` is not a tag.
        OSError: The folder cannot be written.
    """
    if not df.columns.is_unique or not all(isinstance(name, str) for name in df.columns):
        raise ValueError("Only frames with unique string column names can be cached.")
    check_json_safe(df.attrs, "df.attrs")
    objects = [name for name, series in df.items() if series.dtype == object]
    native = {name: array for name in objects if (array := _native(df[name])) is not None}
    json_columns = [name for name in objects if name not in native]
    encoded = df.assign(**{cast(str, name): _encode_json(df[name]) for name in json_columns})
    # Placeholders, replaced by the Arrow lists once the table is made.
    encoded = encoded.assign(**{cast(str, name): None for name in native})
    encoded.attrs = {}  # kept in the cache's own record instead, see below
    record = {
        "format": _FORMAT,
        "site": _site(base_url),
        "account": account,
        "run_slug": run_slug,
        "options_key": options_key,
        "json_columns": json_columns,
        "native_columns": list(native),
        "attrs": df.attrs,
    }
    table = pa.Table.from_pandas(encoded, preserve_index=None)
    for name, array in native.items():
        table = table.set_column(table.schema.get_field_index(name), name, array)
    metadata = {**(table.schema.metadata or {}), _META_KEY: json.dumps(record).encode()}
    table = table.replace_schema_metadata(metadata)

    path = _path(base_url, account, run_slug, options_key)
    _private_folder(path.parent)
    with atomic_path(path) as temp:
        pq.write_table(table, temp)
        # Before the move, so the final name never exists with a wider mode.
        temp.chmod(0o600)
    return path


def _read(
    path: Path, base_url: str, account: str, run_slug: str, options_key: str
) -> pd.DataFrame | None:
    table = pq.read_table(path)
    record = json.loads((table.schema.metadata or {})[_META_KEY])
    expected = (_FORMAT, _site(base_url), account, run_slug, options_key)
    found = tuple(
        record.get(name) for name in ("format", "site", "account", "run_slug", "options_key")
    )
    if found != expected:
        return None
    native = {name: table.column(name) for name in record.get("native_columns", [])}
    names = table.column_names
    df: pd.DataFrame = table.drop_columns(list(native)).to_pandas()
    for name, column in native.items():
        values = (pd.NA if value is None else value for value in column.to_pylist())
        array = pd.Series(object_array(values, len(df)), index=df.index, dtype=object)
        df.insert(names.index(name), name, array)
    for name in record["json_columns"]:
        texts = df[name].tolist()
        # A missing value is pd.NA, as FrameBuilder leaves it in object columns.
        values = (json.loads(text) if isinstance(text, str) else pd.NA for text in texts)
        # A Series keeps dtype object (pandas 3 would make an all-text array str).
        df[name] = pd.Series(object_array(values, len(df)), index=df.index, dtype=object)
    df.attrs = record["attrs"]
    return df


def load(
    base_url: str, run_slug: str, options_key: str = "", *, account: str
) -> pd.DataFrame | None:
    """Read a cached frame, or None on a miss.

    A file that is unreadable, corrupt, from another cache format, or recorded
    for other keys counts as a miss and is removed. This never raises. A hit is
    not an authorisation: the caller checks the key still reaches the run.

    Args:
        base_url: The platform's base URL.
        run_slug: The run.
        options_key: The same text given to :func:`store`.
        account: The reading key's tag; a frame stored for another account is a miss.
    """
    try:
        path = _path(base_url, account, run_slug, options_key)
        if not path.is_file():
            return None
    except (OSError, ValueError):
        return None
    try:
        df = _read(path, base_url, account, run_slug, options_key)
    except Exception as err:  # any failure to read makes the file worthless, never fatal
        _log.debug("Dropping unreadable cache file %s: %s", path, err)
        df = None
    if df is None:
        with suppress(OSError):
            path.unlink()
    return df


def clear_cache() -> int:
    """Delete every cached frame (and any leftover temporary file).

    Returns:
        How many files were removed.
    """
    folder = cache_dir()
    if not folder.is_dir():
        return 0
    removed = 0
    found = {*folder.glob(f"*{_SUFFIX}"), *(p for g in _TEMP_GLOBS for p in folder.glob(g))}
    for path in sorted(found):
        with suppress(OSError):
            path.unlink()
            removed += 1
    return removed
