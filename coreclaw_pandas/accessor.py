"""The ``df.coreclaw`` accessor: provenance, reshaping, safe export and reruns.

Registered when ``coreclaw_pandas`` is imported; nothing else happens then.
It works on any DataFrame; the provenance-based parts need a frame made by
:func:`coreclaw_pandas.results_df` (``df.attrs["coreclaw"]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from . import api, batches, frames, tracking, writers
from .client import Client
from .exceptions import InputError
from .models import Run, html_table

__all__ = ["CoreClawAccessor"]


@pd.api.extensions.register_dataframe_accessor("coreclaw")
class CoreClawAccessor:
    """CoreClaw helpers on a DataFrame, as ``df.coreclaw``.

    Example:
        >>> df = cc.results_df(run)
        >>> df.coreclaw.info["worker_title"]
        >>> df.coreclaw.to_excel("results.xlsx")
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    def __repr__(self) -> str:
        info = self.info
        if not info.get("run_slug"):
            return "<df.coreclaw: no CoreClaw provenance (make the frame with cc.results_df)>"
        worker = info.get("worker_title") or info.get("scraper_slug") or "?"
        return (
            f"<df.coreclaw: run {info['run_slug']} of {worker!r}, {info.get('status', '?')}, "
            f"{len(self._df):,} rows>"
        )

    def _repr_html_(self) -> str:
        info = self.info
        if not info.get("run_slug"):
            return html_table([], caption=repr(self))
        rows = [(key, value) for key, value in info.items() if value not in (None, "")]
        caption = f"{len(self._df):,} rows of CoreClaw run {info['run_slug']}"
        return html_table(rows, caption=caption)

    @property
    def info(self) -> dict[str, Any]:
        """The provenance: run_slug, scraper_slug, worker_title, version, status, ... (a copy)."""
        return frames.provenance_of(self._df)

    @property
    def run_slug(self) -> str | None:
        """The run these rows came from, if known."""
        return self.info.get("run_slug")

    def _require_run_slug(self) -> str:
        slug = self.run_slug
        if not slug:
            raise InputError(
                [
                    "this DataFrame has no CoreClaw provenance (df.attrs['coreclaw'] has no "
                    "run_slug); make it with cc.results_df(run)"
                ]
            )
        return slug

    def run(self, *, client: Client | None = None) -> Run:
        """Fetch the run these rows came from (its current state)."""
        return api.resolve_client(client).run(self._require_run_slug())

    def flatten(self, max_level: int | None = None) -> pd.DataFrame:
        """Nested dict columns as dotted columns (``seller.name``), to ``max_level`` deep."""
        return frames.flatten_columns(self._df, max_level=max_level)

    def explode_nested(self, column: str) -> pd.DataFrame:
        """A list-of-dicts column (links, reviews) as a child frame keyed by the row id."""
        return frames.explode_nested(self._df, column)

    def to_excel(self, path: str | Path, **options: Any) -> Path:
        """Write a safe .xlsx (see :func:`coreclaw_pandas.writers.to_excel` for options).

        ``mode="a"`` with ``if_sheet_exists="error"|"replace"|"new"`` adds or replaces
        a sheet in an existing workbook, keeping its other sheets.
        """
        return writers.to_excel(self._df, path, **options)

    def to_csv(self, path: str | Path, **options: Any) -> Path:
        """Write a safe CSV (see :func:`coreclaw_pandas.writers.to_csv` for options)."""
        return writers.to_csv(self._df, path, **options)

    def rerun(
        self, *, callback_url: str, client: Client | None = None, **options: Any
    ) -> pd.DataFrame:
        """Run the same input again and return the new run's rows.

        Args:
            callback_url: Required by v1 for reruns.
            client: The client to use instead of the default.
            **options: Passed to :func:`coreclaw_pandas.results_df` (columns, flatten, ...).
        """
        run = api.rerun(self._require_run_slug(), callback_url=callback_url, client=client)
        return api.results_df(run, client=client, **options)

    def run_worker(
        self,
        scraper_slug: str,
        *,
        field: str = "startURLs",
        column: str = "url",
        custom: dict[str, Any] | None = None,
        client: Client | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Run a Worker on one column's values and return its rows.

        The column's non-empty values, de-duplicated in order, become the
        Worker's list input ``field`` (shaped as the schema wants, e.g.
        ``[{"url": ...}]`` for a requestList).

        Args:
            scraper_slug: The Worker.
            field: The Worker's list input to fill.
            column: The column holding the values.
            custom: Other input fields.
            client: The client to use instead of the default.
            **options: Passed to :func:`coreclaw_pandas.run_worker`.

        Example:
            >>> links.coreclaw.run_worker("coreclaw/web-page-scraper", column="href")
        """
        if column not in self._df.columns:
            raise InputError(
                [
                    f"column {column!r} is not in this DataFrame; columns: "
                    f"{', '.join(map(str, self._df.columns))}"
                ]
            )
        values = list(dict.fromkeys(str(v) for v in self._df[column].dropna() if str(v).strip()))
        if not values:
            raise InputError(
                [f"column {column!r} has no non-empty values to run {scraper_slug!r} on"]
            )
        run = api.run_worker(
            scraper_slug, {**(custom or {}), field: values}, client=client, **options
        )
        return api.results_df(run, client=client)

    def quality(self, *, key: str | list[str] | None = None) -> pd.DataFrame:
        """Per column: dtype, filled %, distinct values and flags.

        Frame-wide counts (error rows, repeated keys, declared columns left empty) are in
        the result's ``attrs["quality"]``; see :func:`coreclaw_pandas.tracking.quality`.
        """
        return tracking.quality(self._df, key=key)

    def run_each(self, scraper_slug: str, **options: Any) -> batches.Batch:
        """Run a Worker once per row of this DataFrame: :func:`coreclaw_pandas.run_batch`.

        Example:
            >>> pages = {"startURLs": "url"}
            >>> batch = urls.coreclaw.run_each("coreclaw/web-page-scraper", map=pages)
            >>> batch.df
        """
        return batches.run_batch(scraper_slug, self._df, **options)
