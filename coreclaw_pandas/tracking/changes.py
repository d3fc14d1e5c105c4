"""What changed between two scrapes: added, removed, unchanged and changed rows.

``diff(old, new, key=...)`` pairs the rows of two scrapes by key and compares
every shared column. Its answer keeps row positions, not copies: the
``added``, ``removed`` and ``unchanged`` frames are cut from the inputs when
first asked for, so a diff of two million-row frames needs little more memory
than the frames.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import writers
from ..client import Client
from ..models import ID_COLUMN
from ..writers.highlight import highlight_cells
from .compare import Match, differs, match_keys, same_kind, tolerance_of
from .sources import RUN_SLUG, TrackingError, check_key, read_source, resolve_key

__all__ = ["TRACKING_COLUMNS", "Diff", "diff"]

#: Columns a Collection adds; never compared (they say when, not what).
TRACKING_COLUMNS = ("first_seen", "last_seen", RUN_SLUG)
_STATUSES = ("added", "removed", "changed", "unchanged", "duplicate_key", "no_key")


class Diff:
    """The difference between two scrapes, as made by :func:`diff`.

    Attributes:
        key: The key columns.
        compared: The columns compared.
        type_changes: One row per column whose type changed (``field``, ``old``, ``new``).
        columns_added: Columns only the new scrape has.
        columns_removed: Columns only the old scrape has.
    """

    def __init__(
        self, old: pd.DataFrame, new: pd.DataFrame, key: list[str], compared: list[str],
        match: Match, cells: dict[str, np.ndarray],
    ) -> None:
        self._old, self._new, self._match, self._cells = old, new, match, cells
        self.key, self.compared = key, compared
        self.columns_added = [c for c in new.columns if c not in old.columns and c != ID_COLUMN]
        self.columns_removed = [c for c in old.columns if c not in new.columns and c != ID_COLUMN]
        self.type_changes = pd.DataFrame(
            [(c, str(old[c].dtype), str(new[c].dtype)) for c in compared
             if not same_kind(old[c], new[c])],
            columns=["field", "old", "new"],
        )
        changed_rows = np.zeros(len(match.new_pos), dtype=bool)
        for mask in cells.values():
            changed_rows |= mask
        self._changed_rows = changed_rows

    def __repr__(self) -> str:
        counts = self.counts()
        shown = ", ".join(f"{k} {n:,}" for k, n in counts.items() if n or k in _STATUSES[:4])
        return f"<Diff by {self.key}: {shown}>"

    def counts(self) -> dict[str, int]:
        """Rows per status: added, removed, changed, unchanged, duplicate_key, no_key."""
        m = self._match
        return {
            "added": len(m.added),
            "removed": len(m.removed),
            "changed": int(self._changed_rows.sum()),
            "unchanged": int((~self._changed_rows).sum()),
            "duplicate_key": len(m.old_dup) + len(m.new_dup),
            "no_key": len(m.old_no_key) + len(m.new_no_key),
        }

    @cached_property
    def added(self) -> pd.DataFrame:
        """Rows of the new scrape whose key the old one lacks."""
        return self._new.iloc[self._match.added]

    @cached_property
    def removed(self) -> pd.DataFrame:
        """Rows of the old scrape whose key the new one lacks."""
        return self._old.iloc[self._match.removed]

    @cached_property
    def unchanged(self) -> pd.DataFrame:
        """Rows of the new scrape equal to the old one in every compared column."""
        return self._new.iloc[self._match.new_pos[~self._changed_rows]]

    @cached_property
    def changed_rows(self) -> pd.DataFrame:
        """Rows of the new scrape that differ from the old one in at least one column."""
        return self._new.iloc[self._match.new_pos[self._changed_rows]]

    @cached_property
    def duplicates(self) -> pd.DataFrame:
        """Rows whose key repeats on a side (``side`` is old or new); never compared."""
        return pd.concat(
            [self._old.iloc[self._match.old_dup].assign(side="old"),
             self._new.iloc[self._match.new_dup].assign(side="new")],
            ignore_index=True,
        )

    @cached_property
    def no_key(self) -> pd.DataFrame:
        """Rows with a missing key part (``side`` is old or new); not compared."""
        return pd.concat(
            [self._old.iloc[self._match.old_no_key].assign(side="old"),
             self._new.iloc[self._match.new_no_key].assign(side="new")],
            ignore_index=True,
        )

    @cached_property
    def changed(self) -> pd.DataFrame:
        """One row per changed cell: the key columns, ``field``, ``old`` and ``new``."""
        m = self._match
        parts = []
        for field, mask in self._cells.items():
            if not mask.any():
                continue
            old_at, new_at = m.old_pos[mask], m.new_pos[mask]
            part = self._new[self.key].iloc[new_at].reset_index(drop=True)
            part["field"] = field
            part["old"] = pd.Series(self._old[field].iloc[old_at].to_numpy(dtype=object))
            part["new"] = pd.Series(self._new[field].iloc[new_at].to_numpy(dtype=object))
            parts.append(part)
        if not parts:
            return pd.DataFrame(columns=[*self.key, "field", "old", "new"])
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """Counts per status, then changed cells per field, then type changes.

        Returns:
            A frame with columns ``what`` (``status``, ``field`` or ``type``), ``name``
            and ``count``.
        """
        rows = [("status", name, n) for name, n in self.counts().items()]
        rows += [("field", f, int(mask.sum())) for f, mask in self._cells.items() if mask.any()]
        rows += [("type", f"{r.field}: {r.old} -> {r.new}", 1)
                 for r in self.type_changes.itertuples()]
        rows += [("column", f"added: {c}", 1) for c in self.columns_added]
        rows += [("column", f"removed: {c}", 1) for c in self.columns_removed]
        return pd.DataFrame(rows, columns=["what", "name", "count"])

    def to_excel(self, path: str | Path, **options: Any) -> Path:
        """Write the diff as a workbook, one sheet per status, changed cells highlighted.

        Sheets: Summary; Changed (one row per changed cell, old and new side by
        side); Changed rows (the new rows, their changed cells filled yellow);
        Added; Removed. Every sheet goes through the package's safe writer
        (formula escaping, Excel's limits, atomic writes).

        Args:
            path: The .xlsx file to write.
            **options: Passed to :func:`coreclaw_pandas.writers.to_excel` (``tz``,
                ``hyperlinks``...).

        Returns:
            The path written.
        """
        target = Path(path)
        sheets = [("Summary", self.summary()), ("Changed", self.changed),
                  ("Changed rows", self.changed_rows), ("Added", self.added),
                  ("Removed", self.removed)]
        for number, (name, frame) in enumerate(sheets):
            writers.to_excel(frame, target, sheet_name=name, about=False,
                             mode="w" if number == 0 else "a", **options)
        highlight_cells(target, "Changed rows", self._changed_cells())
        return target

    def _changed_cells(self) -> Iterator[tuple[int, int]]:
        """(row, column) in the Changed rows sheet of each changed cell, row by row."""
        rows = np.flatnonzero(self._changed_rows)
        columns = list(self._new.columns)
        where = [(columns.index(f), mask) for f, mask in self._cells.items() if mask.any()]
        for place, row in enumerate(rows):
            for column, mask in where:
                if mask[row]:
                    yield place, column


def diff(
    old: Any,
    new: Any,
    *,
    key: str | Sequence[str] | None = None,
    compare: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    tolerance: float | Mapping[str, float] | None = None,
    client: Client | None = None,
) -> Diff:
    """Compare two scrapes of the same source, row by row, by key.

    Args:
        old: The earlier scrape: a Run, a run_slug, a DataFrame, a Collection or a Batch.
        new: The later one, of the same kinds.
        key: The column(s) that identify a row; by default the key the Worker
            declares (see :class:`~coreclaw_pandas.Collection`).
        compare: Only these columns; by default every column both have.
        ignore: Columns never compared (e.g. ``["fetched_at"]``). The row id
            and a collection's first_seen / last_seen / run_slug are never compared.
        tolerance: Numbers closer than this count as equal: one number for every
            column, or per column, ``{"price": 0.01}``.
        client: The client to read runs with.

    Returns:
        A :class:`Diff`. Rows whose key repeats on a side are reported in
        ``duplicates``, never merged; rows with a missing key part in ``no_key``.
        NaN equals NaN; a column whose type changed is listed in ``type_changes``.

    Raises:
        TrackingError: No key was given or declared, or a key column is missing.

    Example:
        >>> d = cc.diff(last_week, this_week, key="product_id", tolerance={"price": 0.01})
        >>> d.summary()
    """
    sources = [read_source(old, client=client), read_source(new, client=client)]
    keys = resolve_key(key, sources, client=client)
    old_df, new_df = sources[0].df, sources[1].df
    check_key(old_df, keys, "the old rows")
    check_key(new_df, keys, "the new rows")
    skip = {*keys, *ignore, ID_COLUMN, *TRACKING_COLUMNS}
    if compare is None:
        columns = [c for c in new_df.columns if c in old_df.columns and c not in skip]
    else:
        missing = [c for c in compare if c not in old_df.columns or c not in new_df.columns]
        if missing:
            raise TrackingError(f"compare names column(s) {missing} that a side lacks.")
        columns = [c for c in compare if c not in keys]
    match = match_keys(old_df, new_df, keys)
    cells = {
        column: differs(
            old_df[column].iloc[match.old_pos].reset_index(drop=True),
            new_df[column].iloc[match.new_pos].reset_index(drop=True),
            tolerance_of(tolerance, column),
        )
        for column in columns
    }
    return Diff(old_df, new_df, keys, columns, match, cells)
