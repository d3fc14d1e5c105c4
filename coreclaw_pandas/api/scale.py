"""``cc.results_dask``: a run's (or many runs') rows as a Dask DataFrame, read by the workers.

Each partition is a range of result pages, described by a :class:`FetchSpec` that
pickles to the workers: the base URL, the API version, the run and the pages, and the
*name* of the environment variable holding the API key, never the key itself. A worker
reads the key from its own environment when it fetches (docs/scale.md says how to give
a cluster's workers the key). The partitions have the dtypes of the first one, which
the caller reads to give Dask its ``meta``.

Needs the ``dask`` extra (``pip install coreclaw-pandas[dask]``); dask is imported only
inside :func:`results_dask`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import _config, frames
from ..client import Client, ReadTally
from ..exceptions import ConfigurationError, InputError
from . import pages
from .default import RunLike, resolve_client, run_slug_of
from .results import IncompleteResultsError

__all__ = ["FetchSpec", "read_partition", "results_dask"]


@dataclass(frozen=True)
class FetchSpec:
    """One partition's pages, as a worker needs them: no key inside (it pickles).

    Attributes:
        base_url: The platform's base URL.
        api_version: ``"v1"`` or ``"v2"``.
        run_slug: The run.
        first_page: First page of the partition (1-based).
        last_page: Last page of the partition.
        page_size: Rows per page, as the server serves them.
        total: The run's row count.
        first_row: The partition's first row in the run (its index starts there).
        columns: Keep only these columns, or None.
        key_env: The environment variable a worker reads the API key from.
    """

    base_url: str
    api_version: str
    run_slug: str
    first_page: int
    last_page: int
    page_size: int
    total: int
    first_row: int
    columns: tuple[str, ...] | None = None
    key_env: str = _config.ENV_API_KEY

    def __repr__(self) -> str:
        return (
            f"FetchSpec({self.run_slug!r}, pages {self.first_page}-{self.last_page}, "
            f"key from ${self.key_env})"
        )

    @property
    def rows(self) -> int:
        """Rows the partition should hold."""
        return min(self.total, self.last_page * self.page_size) - self.first_row


def read_partition(spec: FetchSpec, shape: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read one partition's pages into a frame (runs on a Dask worker).

    Args:
        spec: The pages to read.
        shape: The frame's empty shape: columns and dtypes every partition must have.

    Raises:
        ConfigurationError: The worker's environment has no API key under ``spec.key_env``.
        IncompleteResultsError: The platform served fewer rows than the range holds.
    """
    key = os.environ.get(spec.key_env)
    if not key:
        raise ConfigurationError(
            f"A worker reading run {spec.run_slug} found no API key in ${spec.key_env}. "
            "Set it in every worker's environment (see docs/scale.md); the key is never "
            "sent with the task."
        )
    tally = ReadTally()
    builder = frames.FrameBuilder(columns=list(spec.columns) if spec.columns else None)
    with Client(key, base_url=spec.base_url, api_version=spec.api_version) as c:
        headers = c.results_page(spec.run_slug, page_index=1, page_size=spec.page_size).headers
        builder.set_headers(headers)
        for page in c.iter_page_range(
            spec.run_slug,
            first=spec.first_page,
            last=spec.last_page,
            page_size=spec.page_size,
            total=spec.total,
            decode=frames.PageDecoder(),
            tally=tally,
        ):
            pages.add_page(builder, page)
    if tally.rows < spec.rows or tally.non_objects:
        raise IncompleteResultsError(
            f"Run {spec.run_slug}, pages {spec.first_page}-{spec.last_page}: {tally.rows:,} "
            f"rows read of {spec.rows:,}. Compute again later.",
            run_slug=spec.run_slug,
            tally=tally,
        )
    try:
        df = builder.build()
    except frames.InexactColumnError:
        builder = frames.FrameBuilder(headers, columns=list(spec.columns) if spec.columns else None)
        with Client(key, base_url=spec.base_url, api_version=spec.api_version) as c:
            for index in range(spec.first_page, spec.last_page + 1):
                builder.add_rows(c.results_page(spec.run_slug, page_index=index).rows)
        df = builder.build()
    df.index = pd.RangeIndex(spec.first_row, spec.first_row + len(df))
    return df if shape is None else _conform(df, shape)


def _conform(df: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for name, dtype in meta.dtypes.items():
        if name not in df.columns:
            out[name] = pd.array([pd.NA] * len(df), dtype=dtype)
        elif df[name].dtype != dtype:
            try:
                out[name] = df[name].astype(dtype).array
            except (ValueError, TypeError) as err:
                raise ValueError(
                    f"{err} The first partition made {name!r} {dtype}; pass dtypes= to "
                    "cc.results_dask to choose a dtype that fits every partition."
                ) from err
        else:
            out[name] = df[name].array
    return pd.DataFrame(out, index=df.index, copy=False)


def _specs(
    c: Client, slug: str, rows_per_partition: int, columns: Any, key_env: str
) -> list[FetchSpec]:
    run = c.run(slug)
    first = c.results_page(slug, page_index=1)
    size = first.page_size or c.page_size
    total = max(run.results, first.count)
    pages_per = max(1, -(-rows_per_partition // size))
    pages = max(1, -(-total // size))
    return [
        FetchSpec(
            c.base_url,
            c.api_version,
            slug,
            start,
            min(pages, start + pages_per - 1),
            size,
            total,
            (start - 1) * size,
            columns,
            key_env,
        )  # fmt: skip
        for start in range(1, pages + 1, pages_per)
    ]


def results_dask(
    run_or_runs: RunLike | Sequence[RunLike],
    *,
    rows_per_partition: int = 200_000,
    columns: list[str] | None = None,
    dtypes: Mapping[str, Any] | None = None,
    key_env: str = _config.ENV_API_KEY,
    client: Client | None = None,
) -> Any:
    """A Dask DataFrame of one run's rows, or of several runs' one after the other.

    Built with ``dask.dataframe.from_map`` over page ranges of ``rows_per_partition``
    rows: each partition fetches its own pages where it runs, so a ``dask.distributed``
    cluster reads a large campaign in parallel. The tasks carry no key: each worker
    reads it from the environment variable ``key_env`` (docs/scale.md). The first
    partition is read here to fix the columns and dtypes (``meta``) every partition
    then has; ``dtypes=`` overrides them. One run's frame has known divisions (its
    index is the row number).

    Args:
        run_or_runs: A Run or run_slug, or a list of them.
        rows_per_partition: Rows per partition (rounded up to whole pages).
        columns: Keep only these columns (the row id is always kept).
        dtypes: Column dtypes every partition gets.
        key_env: The variable the workers read the API key from.
        client: The client used here (the workers build their own).

    Raises:
        ImportError: dask is not installed (the message says how to install it).
    """
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as err:
        raise ImportError(
            "cc.results_dask needs dask: pip install 'coreclaw-pandas[dask]'."
        ) from err
    if rows_per_partition < 1:
        raise InputError([f"`rows_per_partition` must be at least 1, got {rows_per_partition}"])
    runs = (
        [run_or_runs]
        if isinstance(run_or_runs, str) or not isinstance(run_or_runs, Sequence)
        else list(run_or_runs)
    )
    c = resolve_client(client)
    picked = tuple(columns) if columns else None
    specs = [
        s for run in runs for s in _specs(c, run_slug_of(run), rows_per_partition, picked, key_env)
    ]
    if not specs:
        raise InputError(["`run_or_runs` names no run"])
    first = read_partition(specs[0])
    for name, dtype in (dtypes or {}).items():
        if name not in first.columns:
            raise InputError([f"`dtypes` names an unknown column {name!r}"])
        first[name] = first[name].astype(dtype)
    meta = first.iloc[:0]
    divisions = None
    if len(runs) == 1 and all(spec.rows > 0 for spec in specs):
        divisions = tuple(spec.first_row for spec in specs) + (specs[-1].total - 1,)
    # Dask would turn object columns (lists, nested values) into text; they stay objects,
    # as in results_df.
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_map(
            read_partition,
            specs,
            meta=meta,
            divisions=divisions,
            label="coreclaw-results",
            shape=meta,
        )
