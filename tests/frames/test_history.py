"""Run history and run logs as DataFrames with real dtypes. No server."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from coreclaw_pandas.frames import (
    log_to_frame,
    runs_to_frame,
)
from coreclaw_pandas.models import LogEntry, LogLevel, Run, RunStatus

UTC = dt.UTC


# -- run history and logs ------------------------------------------------------------------------


def test_runs_to_frame_has_real_dtypes() -> None:
    runs = [
        Run(
            slug="r1",
            status=RunStatus.SUCCEEDED,
            scraper_slug="w",
            scraper_title="Shop",
            version="v1",
            results=4,
            usage=0.0217,
            traffic=2048,
            started_at=dt.datetime(2026, 1, 19, 10, 0, tzinfo=UTC),
            finished_at=dt.datetime(2026, 1, 19, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            duration=62.5,
            origin="api",
        ),
        Run(slug="r2", status=RunStatus.RUNNING, started_at=dt.datetime(2026, 1, 20, 8, 0)),
    ]
    df = runs_to_frame(runs)
    assert df["run_slug"].tolist() == ["r1", "r2"]
    assert df.dtypes.astype(str).to_dict() == {
        "run_slug": "string",
        "status": "category",
        "status_code": "int64",
        "scraper_slug": "string",
        "scraper_title": "string",
        "version": "string",
        "results": "int64",
        "usage": "float64",
        "traffic": "int64",
        "started_at": "datetime64[us, UTC]",
        "finished_at": "datetime64[us, UTC]",
        "duration": "timedelta64[ns]",
        "origin": "string",
        "err_msg": "string",
    }
    assert list(df["status"].cat.categories) == [
        "ready",
        "running",
        "succeeded",
        "failed",
        "aborting",
    ]
    assert df["status"].tolist() == ["succeeded", "running"]
    assert df["status_code"].tolist() == [3, 2]
    # +02:00 is converted; a naive time is taken as UTC already.
    assert df["finished_at"][0] == pd.Timestamp("2026-01-19 10:00", tz="UTC")
    assert pd.isna(df["finished_at"][1])
    assert df["started_at"][1] == pd.Timestamp("2026-01-20 08:00", tz="UTC")
    assert df["duration"][0] == pd.Timedelta(seconds=62.5)


def test_runs_to_frame_of_no_runs_keeps_columns_and_dtypes() -> None:
    empty = runs_to_frame([])
    one = runs_to_frame([Run(slug="r", status=RunStatus.READY)])
    assert len(empty) == 0
    assert empty.dtypes.astype(str).to_dict() == one.dtypes.astype(str).to_dict()


def test_log_to_frame_dtypes_and_values() -> None:
    entries = [
        LogEntry(LogLevel.INFO, "SYSTEM: Preparing", "1", dt.datetime(2026, 1, 19, tzinfo=UTC)),
        LogEntry(LogLevel.ERROR, "boom ✗", "", None),
    ]
    df = log_to_frame(entries)
    assert list(df.columns) == ["timestamp", "level", "group", "content"]
    assert str(df["timestamp"].dt.tz) == "UTC"
    assert list(df["level"].cat.categories) == ["debug", "info", "warn", "error"]
    assert df["level"].tolist() == ["info", "error"]
    assert df["content"].dtype == "string"
    assert df["content"].tolist() == ["SYSTEM: Preparing", "boom ✗"]
    assert pd.isna(df["timestamp"][1])
    assert list(log_to_frame([]).columns) == ["timestamp", "level", "group", "content"]
