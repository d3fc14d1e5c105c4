"""What the tracking functions accept: a run, a run_slug, a frame, or anything with ``.df``.

A ``Batch`` (many runs in one frame, with a ``run_slug`` column) and a
``Collection`` both carry their rows as ``.df``; they are recognised by that
attribute alone, so this package needs neither to be imported. The key a
Worker's rows are identified by is read from its README, where a Worker
declares it on a line of its own: ``Unique key: `product_id```.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from .. import api, frames
from ..client import Client
from ..exceptions import CoreClawError
from ..models import Run

__all__ = ["RUN_SLUG", "Source", "TrackingError", "check_key", "declared_key", "read_source",
           "resolve_key"]

#: The column a Batch's frame names each row's run by (and a Collection keeps).
RUN_SLUG = "run_slug"
# One line of a README: "Unique key: `a`" or "Unique key: `a`, `b`".
_DECLARED = re.compile(r"^\W*unique key\W*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


class TrackingError(CoreClawError, ValueError):
    """A collection, diff or verdict cannot be made as asked; the message says what to do."""


@dataclass
class Source:
    """Rows to track, and where they came from.

    Attributes:
        df: The rows.
        ids: What makes an update idempotent: ``run:<slug>`` per run, or ``frame:<hash>``.
        runs: The run_slugs the rows came from, when known.
        scraper_slug: The Worker, when known (for its declared key).
        seen_at: When the rows were scraped (the run's end), None for "now".
        key: The key the source itself is organised by (a Collection's), if any.
    """

    df: pd.DataFrame
    ids: list[str]
    runs: list[str] = field(default_factory=list)
    scraper_slug: str = ""
    seen_at: datetime | None = None
    key: list[str] | None = None


def _frame_id(df: pd.DataFrame) -> str:
    digest = hashlib.sha256(",".join(map(str, df.columns)).encode())
    try:
        digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): hash their text instead
        digest.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
    return f"frame:{digest.hexdigest()[:32]}"


def read_source(source: Any, *, client: Client | None = None) -> Source:
    """Turn a run, run_slug, DataFrame or object with ``.df`` into a :class:`Source`.

    A run that has not finished is refused: its rows are not all there yet.

    Raises:
        TrackingError: ``source`` is none of these, or the run has not finished.
    """
    if isinstance(source, (Run, str)):
        c = api.resolve_client(client)
        run = c.run(api.run_slug_of(source))
        if not run.is_terminal:
            raise TrackingError(
                f"Run {run.slug} is still {run.status.label}: wait for it with "
                f"cc.wait({run.slug!r}) before tracking its rows."
            )
        rows = api.results_df(run.slug, client=c, progress=False)
        return Source(rows, [f"run:{run.slug}"], [run.slug], run.scraper_slug, run.finished_at)
    df: Any = source if isinstance(source, pd.DataFrame) else getattr(source, "df", None)
    if not isinstance(df, pd.DataFrame):
        raise TrackingError(
            f"Expected a Run, a run_slug, a DataFrame or an object with a .df DataFrame "
            f"(a Batch, a Collection), got {type(source).__name__}."
        )
    info = frames.provenance_of(df)
    own = getattr(source, "key", None) if df is not source else None
    if isinstance(own, list) and own and all(isinstance(k, str) for k in own):
        return Source(df, [_frame_id(df)], [], info.get("scraper_slug", ""), key=own)
    if RUN_SLUG in df.columns and df[RUN_SLUG].notna().all() and len(df):
        runs = [str(slug) for slug in pd.unique(df[RUN_SLUG])]
        return Source(df, [f"run:{slug}" for slug in runs], runs, info.get("scraper_slug", ""))
    if info.get("run_slug") and info.get("row_count") == len(df):
        slug = str(info["run_slug"])
        return Source(df, [f"run:{slug}"], [slug], info.get("scraper_slug", ""))
    return Source(df, [_frame_id(df)], [], info.get("scraper_slug", ""))


def declared_key(scraper_slug: str, *, client: Client | None = None) -> list[str] | None:
    """The unique key a Worker declares in its README, or None when it declares none."""
    if not scraper_slug:
        return None
    readme = api.worker(scraper_slug, client=client).readme
    found = _DECLARED.search(readme or "")
    if not found:
        return None
    names = re.findall(r"`([^`]+)`", found.group(1))
    return names or None


def resolve_key(
    key: str | Sequence[str] | None, sources: Sequence[Source], *, client: Client | None = None
) -> list[str]:
    """``key`` as a list, or the key the sources' Worker declares.

    Raises:
        TrackingError: No key was given and none is declared.
    """
    if isinstance(key, str):
        return [key]
    if key is not None:
        names = list(key)
        if not names or not all(isinstance(name, str) for name in names):
            raise TrackingError(f"key must be a column name or a list of them, got {key!r}.")
        return names
    own = next((s.key for s in sources if s.key), None)
    if own:
        return own
    workers = [s.scraper_slug for s in sources if s.scraper_slug]
    declared = declared_key(workers[0], client=client) if workers else None
    if declared:
        return declared
    where = f"Worker {workers[0]!r} declares no unique key" if workers else (
        "the rows do not say which Worker made them"
    )
    raise TrackingError(
        f"Which column identifies a row? {where}. Pass key='column' (or a list of columns "
        "for a key made of several), e.g. key='url'."
    )


def check_key(df: pd.DataFrame, key: list[str], what: str) -> None:
    """Raise TrackingError naming the key columns ``df`` lacks."""
    missing = [name for name in key if name not in df.columns]
    if missing:
        shown = ", ".join(map(str, list(df.columns)[:12]))
        raise TrackingError(
            f"The key column(s) {missing} are not in {what}; its columns are: {shown}. "
            "Pass key= with columns that identify a row."
        )
