"""A Collection: every scrape of one source, kept as one row per key plus its history.

Example:
    >>> store = cc.Collection("nyc-cafes", key="place_id")
    >>> new = store.update(run)      # only the keys never seen before
    >>> store.df                     # latest values, first_seen / last_seen / run_slug
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _clock
from .._warnings import warn
from ..client import Client
from ..models import ID_COLUMN
from . import storage
from .compare import differs, match_keys
from .sources import RUN_SLUG, TrackingError, check_key, read_source, resolve_key

__all__ = ["Collection", "UpdateReport"]

FIRST_SEEN, LAST_SEEN, SEEN_AT = "first_seen", "last_seen", "seen_at"


@dataclass
class UpdateReport:
    """What one :meth:`Collection.update` did.

    Attributes:
        rows: Rows offered.
        added: Keys never seen before.
        changed: Keys seen before whose values changed.
        unchanged: Keys seen before with the same values.
        no_key: Rows without a key: counted, never merged.
        duplicate_keys: Rows dropped because a later row had the same key (the last wins).
        skipped_runs: Runs already in the collection, so left out (an update is idempotent).
        total: Keys in the collection afterwards.
    """

    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    no_key: int = 0
    duplicate_keys: int = 0
    skipped_runs: list[str] = field(default_factory=list)
    total: int = 0

    def __str__(self) -> str:
        text = (f"{self.added:,} new, {self.changed:,} changed, {self.unchanged:,} unchanged; "
                f"{self.total:,} keys in all")
        if self.no_key or self.duplicate_keys:
            text += f" ({self.no_key:,} rows without a key, {self.duplicate_keys:,} repeated keys)"
        if self.skipped_runs:
            text += f"; already applied: {', '.join(self.skipped_runs)}"
        return text


class Collection:
    """Scrapes of one source over time, stored as Parquet in a folder.

    Args:
        name: A name (the collection lives in the user's data folder, see
            :func:`~coreclaw_pandas.tracking.storage.data_dir`) or a path to a folder.
        key: The column(s) identifying a row. By default the key stored with the
            collection, else the key the Worker declares in its README
            (``Unique key: `product_id```), else the first update refuses.
        client: The client to read runs with.
        lock_timeout: Seconds to wait for another process's update to finish.
    """

    def __init__(
        self,
        name: str | Path,
        *,
        key: str | Sequence[str] | None = None,
        client: Client | None = None,
        lock_timeout: float = 60.0,
    ) -> None:
        text = str(name)
        if not text.strip():
            raise TrackingError("A collection needs a name, e.g. Collection('nyc-cafes').")
        is_path = isinstance(name, Path) or any(s in text for s in "/\\") or text[0] in "~."
        self.path = Path(text).expanduser() if is_path else storage.data_dir() / text
        self._key = None if key is None else ([key] if isinstance(key, str) else list(key))
        self._client = client
        self.lock_timeout = lock_timeout
        self.last_update: UpdateReport | None = None
        stored = self._manifest()
        if stored and self._key and stored["key"] != self._key:
            raise TrackingError(
                f"The collection at {self.path} is keyed by {stored['key']}, not {self._key}. "
                "Use another name for another key."
            )

    def __repr__(self) -> str:
        manifest = self._manifest()
        if manifest is None:
            return f"<Collection {self.path.name!r}: empty>"
        return (f"<Collection {self.path.name!r} by {manifest['key']}: {manifest['rows']:,} keys, "
                f"{len(manifest['applied'])} update(s)>")

    @property
    def key(self) -> list[str] | None:
        """The key columns (None until given or learnt from the first update)."""
        manifest = self._manifest()
        return list(manifest["key"]) if manifest else self._key

    def _manifest(self) -> dict[str, Any] | None:
        return storage.read_manifest(self.path)

    def _read(self, pick: str) -> pd.DataFrame:
        # An updater may remove the file between our manifest read and the file read.
        for _ in range(5):
            manifest = self._manifest()
            if manifest is None:
                return pd.DataFrame()
            with contextlib.suppress(FileNotFoundError):
                if pick == "snapshot":
                    return storage.read_frame(self.path / manifest["snapshot"])
                return self._versions(manifest, None)
        raise TrackingError(f"The collection at {self.path} kept changing while being read.")

    @property
    def df(self) -> pd.DataFrame:
        """One row per key with its latest values, and first_seen, last_seen, run_slug."""
        return self._read("snapshot")

    def _versions(self, manifest: dict[str, Any], filters: Any) -> pd.DataFrame:
        parts = [storage.read_frame(self.path / name, filters) for name in manifest["parts"]]
        parts = [p for p in parts if len(p)] or parts[:1]
        if not parts:
            return pd.DataFrame()
        with warnings.catch_warnings():  # all-null columns in a part: concat's future dtype note
            warnings.simplefilter("ignore", FutureWarning)
            return pd.concat(parts, ignore_index=True)

    def history(self, key: Any) -> pd.DataFrame:
        """Every version of one key, oldest first, each with seen_at and run_slug.

        Args:
            key: The key's value; a tuple for a key of several columns.
        """
        manifest = self._manifest()
        if manifest is None:
            return pd.DataFrame()
        names = manifest["key"]
        values = key if isinstance(key, tuple) else (key,)
        if len(values) != len(names):
            raise TrackingError(f"The key is {names}: pass {len(names)} value(s), got {key!r}.")
        filters = [(n, "==", v) for n, v in zip(names, values, strict=True)]
        return self._versions(manifest, filters).sort_values(SEEN_AT, kind="stable",
                                                             ignore_index=True)

    def since(self, when: datetime | str) -> pd.DataFrame:
        """Keys first seen at or after ``when`` (a datetime or ISO date; UTC if naive)."""
        moment = pd.Timestamp(when)
        moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
        df = self.df
        if df.empty:
            return df
        return df.loc[df[FIRST_SEEN] >= moment].reset_index(drop=True)

    def update(self, source: Any) -> pd.DataFrame:
        """Add a scrape: its rows become the latest values of their keys.

        Idempotent: a run (or the same frame) already applied is skipped, so the
        same run twice is a no-op. Rows without a key are counted and reported in
        :attr:`last_update`, never merged; within one scrape the last row of a
        key wins. The write is atomic and under a lock shared by processes.

        Args:
            source: A Run, a run_slug, a DataFrame, or an object with a ``.df``
                frame (a Batch, whose ``run_slug`` column names each row's run).

        Returns:
            The rows whose key was never seen before.
        """
        incoming = read_source(source, client=self._client)
        key = self._key or (self.key if self._manifest() else None)
        key = resolve_key(key, [incoming], client=self._client)
        check_key(incoming.df, key, "the rows to add")
        seen_at = pd.Timestamp(incoming.seen_at or _clock.utc_now())
        seen_at = seen_at.tz_localize("UTC") if seen_at.tzinfo is None else seen_at.tz_convert(
            "UTC"
        )
        with storage.locked(self.path, timeout=self.lock_timeout):
            new, report = self._apply(incoming.df, incoming.ids, key, seen_at)
        self.last_update = report
        if report.no_key:
            warn(UserWarning(f"{report.no_key:,} row(s) had no {key} and were not merged."))
        return new

    def _apply(
        self, df: pd.DataFrame, ids: list[str], key: list[str], seen_at: pd.Timestamp
    ) -> tuple[pd.DataFrame, UpdateReport]:
        manifest = self._manifest() or {"format": storage.FORMAT, "key": key, "snapshot": None,
                                        "parts": [], "applied": [], "rows": 0}
        if manifest["key"] != key:
            raise TrackingError(f"The collection is keyed by {manifest['key']}, not {key}.")
        report = UpdateReport(rows=len(df))
        applied = set(manifest["applied"])
        report.skipped_runs = [i.removeprefix("run:") for i in ids if i in applied]
        fresh_ids = [i for i in ids if i not in applied]
        if RUN_SLUG in df.columns and report.skipped_runs and fresh_ids:
            df = df.loc[~df[RUN_SLUG].isin(report.skipped_runs)]
        if not fresh_ids:
            report.total = manifest["rows"]
            return df.iloc[:0], report
        df = df.drop(columns=[c for c in (ID_COLUMN, FIRST_SEEN, LAST_SEEN) if c in df.columns])
        if RUN_SLUG not in df.columns:
            slug = next((i.removeprefix("run:") for i in fresh_ids if i.startswith("run:")), None)
            df = df.assign(**{RUN_SLUG: slug})
        null = df[key].isna().any(axis=1).to_numpy()
        report.no_key = int(null.sum())
        keyed = df.loc[~null]
        repeated = keyed.duplicated(key, keep="last").to_numpy()
        report.duplicate_keys = int(repeated.sum())
        keyed = keyed.loc[~repeated].reset_index(drop=True)
        old = (storage.read_frame(self.path / manifest["snapshot"])
               if manifest["snapshot"] else keyed.iloc[:0].assign(**{FIRST_SEEN: seen_at,
                                                                      LAST_SEEN: seen_at}))
        match = match_keys(old, keyed, key)
        data = [c for c in keyed.columns if c not in key and c != RUN_SLUG]
        changed = np.zeros(len(match.new_pos), dtype=bool)
        for column in data:
            if column not in old.columns:
                changed |= keyed[column].iloc[match.new_pos].notna().to_numpy()
                continue
            changed |= differs(old[column].iloc[match.old_pos].reset_index(drop=True),
                               keyed[column].iloc[match.new_pos].reset_index(drop=True))
        report.added, report.changed = len(match.added), int(changed.sum())
        report.unchanged = len(match.new_pos) - report.changed
        # A key seen before keeps its first_seen; the rest were first seen now.
        naive = "datetime64[us]"
        first = np.full(len(keyed), seen_at.tz_convert(None).to_datetime64().astype(naive))
        earlier = pd.to_datetime(old[FIRST_SEEN], utc=True).dt.tz_convert(None)
        first[match.new_pos] = earlier.to_numpy(dtype=naive)[match.old_pos]
        latest = keyed.copy()
        latest[FIRST_SEEN] = pd.DatetimeIndex(first).tz_localize("UTC")
        latest[LAST_SEEN] = seen_at
        kept = np.ones(len(old), dtype=bool)
        kept[match.old_pos] = False
        with warnings.catch_warnings():  # all-null columns: concat's future dtype note
            warnings.simplefilter("ignore", FutureWarning)
            snapshot = pd.concat([old.loc[kept], latest], ignore_index=True)
        versions = keyed.iloc[np.concatenate([match.added, match.new_pos[changed]])]
        files = [storage.write_frame(self.path, "snapshot", snapshot)]
        if len(versions):
            files.append(storage.write_frame(self.path, "versions",
                                             versions.assign(**{SEEN_AT: seen_at})))
        manifest.update(
            snapshot=files[0], parts=manifest["parts"] + files[1:], rows=len(snapshot),
            applied=manifest["applied"] + fresh_ids, updated_at=seen_at.isoformat(),
        )
        storage.write_manifest(self.path, manifest)  # the commit
        storage.remove_unlisted(self.path, {manifest["snapshot"], *manifest["parts"]})
        report.total = len(snapshot)
        return keyed.iloc[match.added].reset_index(drop=True), report
