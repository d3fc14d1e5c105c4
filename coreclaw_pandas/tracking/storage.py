r"""A collection's folder: immutable Parquet files, one manifest, one lock.

Layout of a collection folder::

    manifest.json            the current state: which files, which key, which runs applied
    snapshot-<token>.parquet one row per key, latest values (never rewritten)
    versions-<token>.parquet the rows an update added or changed (never rewritten)
    .lock                    held by the one process updating

An update writes new files under fresh names, then replaces ``manifest.json``
atomically (a temporary sibling renamed over it). Until that rename the old
manifest names only the old files, which are untouched, so a process killed at
any point leaves the last good state; the next update deletes the files no
manifest names. Readers take no lock: they read the manifest, then files it
names, and read again if an updater removed one in between.

Object columns (lists, dicts, mixed types) are stored as JSON text and listed
in the file's metadata, so they come back as they went in.

Where collections live by name: ``collections/`` in the user's data folder
(:func:`coreclaw_pandas._folders.data_dir`, ``$CORECLAW_DATA_DIR`` when set).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._atomic import atomic_path
from .._folders import data_dir as user_data_dir
from ..exceptions import CoreClawError

__all__ = ["CollectionLockTimeout", "data_dir", "locked", "read_frame", "read_manifest",
           "write_frame", "write_manifest"]

MANIFEST = "manifest.json"
LOCK = ".lock"
FORMAT = 1
_META_KEY = b"coreclaw_pandas.collection"


class CollectionLockTimeout(CoreClawError, TimeoutError):
    """Another process kept the collection locked for longer than the wait allowed."""


def data_dir() -> Path:
    """The folder holding collections made by name (created on first update)."""
    return user_data_dir() / "collections"


@contextlib.contextmanager
def locked(folder: Path, *, timeout: float) -> Iterator[None]:
    """Hold the collection's lock file: one updater at a time, across processes.

    The operating system drops the lock when its process dies, so a killed
    updater never leaves the collection locked.

    Raises:
        CollectionLockTimeout: The lock was not free within ``timeout`` seconds.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    try:
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise CollectionLockTimeout(
                    f"The collection at {folder} stayed locked by another update for "
                    f"{timeout:g} s. Let it finish, or pass a longer lock_timeout=."
                )
            time.sleep(0.05)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    if sys.platform.startswith("win"):  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform.startswith("win"):  # pragma: no cover
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The collection's manifest, or None when it has none yet."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    manifest: dict[str, Any] = json.loads(text)
    if manifest.get("format") != FORMAT:
        raise CoreClawError(
            f"The collection at {folder} was written by another version of coreclaw-pandas "
            f"(format {manifest.get('format')!r}); upgrade the package to read it."
        )
    return manifest


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Replace the manifest atomically: this rename is the update's commit."""
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")


def fresh_name(prefix: str) -> str:
    """A file name no earlier update used."""
    return f"{prefix}-{time.time_ns():x}-{secrets.token_hex(4)}.parquet"


def write_frame(folder: Path, prefix: str, df: pd.DataFrame) -> str:
    """Write ``df`` to a new Parquet file in ``folder``; returns its name."""
    json_columns = [str(name) for name, s in df.items() if s.dtype == object]
    encoded = df.assign(**{name: df[name].map(_to_json) for name in json_columns})
    encoded.attrs = {}
    table = pa.Table.from_pandas(encoded, preserve_index=False)
    record = json.dumps({"json_columns": json_columns}).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META_KEY: record})
    name = fresh_name(prefix)
    with atomic_path(folder / name) as tmp:
        # LZ4 reads back about twice as fast as the default Snappy, at much the same size.
        pq.write_table(table, tmp, compression="lz4")
    return name


def _to_json(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return json.dumps(value, ensure_ascii=False, default=str)


def read_frame(path: Path, filters: Any = None) -> pd.DataFrame:
    """Read a file written by :func:`write_frame`, JSON columns decoded."""
    table = pq.read_table(path, filters=filters)
    record = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
    df: pd.DataFrame = table.to_pandas()
    for name in record.get("json_columns", []):
        texts = df[name].tolist()
        df[name] = pd.Series(
            [json.loads(t) if isinstance(t, str) else None for t in texts],
            index=df.index, dtype=object,
        )
    return df


def remove_unlisted(folder: Path, keep: set[str]) -> int:
    """Delete the Parquet files (and temporaries) the manifest does not name; under the lock."""
    removed = 0
    for path in folder.iterdir():
        stray = path.suffix == ".parquet" or path.name.endswith(".tmp") or ".tmp." in path.name
        if stray and path.name not in keep and path.name != MANIFEST:
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed
