"""Run history and run logs as DataFrames: pure functions of models, no HTTP.

:func:`runs_to_frame` turns :class:`~coreclaw_pandas.models.Run` objects into
one row per run; :func:`log_to_frame` turns a run's log entries into one row per
line. Both give real dtypes (categoricals, tz-aware UTC, nullable strings) and
keep their columns when there are no rows. :mod:`coreclaw_pandas.frames`
re-exports both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..models import LogEntry, LogLevel, Run, RunStatus
from .dtypes import text_array, utc_array

__all__ = ["log_to_frame", "runs_to_frame"]


def runs_to_frame(runs: Sequence[Run]) -> pd.DataFrame:
    """Run history as a DataFrame: one row per run, ``run_slug`` first.

    Columns: ``run_slug``, ``status`` (categorical of labels in code order),
    ``status_code``, ``scraper_slug``, ``scraper_title``, ``version``,
    ``results``, ``usage`` (USD, float), ``traffic`` (bytes), ``started_at`` and
    ``finished_at`` (tz-aware UTC, NaT when not set), ``duration`` (timedelta),
    ``origin``, ``err_msg``.
    """
    runs = list(runs)

    def field(name: str) -> list[Any]:
        return [getattr(run, name) for run in runs]

    labels = [status.label for status in RunStatus]
    return pd.DataFrame(
        {
            "run_slug": text_array(field("slug")),
            "status": pd.Categorical([status.label for status in field("status")], labels),
            "status_code": np.array(field("status"), dtype=np.int64),
            **{name: text_array(field(name)) for name in ("scraper_slug", "scraper_title")},
            "version": text_array(field("version")),
            "results": np.array(field("results"), dtype=np.int64),
            "usage": np.array(field("usage"), dtype=np.float64),
            "traffic": np.array(field("traffic"), dtype=np.int64),
            "started_at": utc_array(field("started_at")),
            "finished_at": utc_array(field("finished_at")),
            "duration": pd.to_timedelta(np.array(field("duration"), dtype=np.float64), unit="s"),
            "origin": text_array(field("origin")),
            "err_msg": text_array(field("err_msg")),
        }
    )


def log_to_frame(entries: Sequence[LogEntry]) -> pd.DataFrame:
    """A run's log as a DataFrame: ``timestamp`` (UTC), ``level``, ``group``, ``content``.

    ``level`` is a categorical of lower-case labels (``debug`` ... ``error``).
    """
    entries = list(entries)
    levels = [entry.level.name.lower() for entry in entries]
    return pd.DataFrame(
        {
            "timestamp": utc_array([entry.timestamp for entry in entries]),
            "level": pd.Categorical(levels, [level.name.lower() for level in LogLevel]),
            "group": text_array([entry.group for entry in entries]),
            "content": text_array([entry.content for entry in entries]),
        }
    )
