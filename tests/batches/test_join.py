"""Every row carries its input: ``input.*`` columns, ``input_id`` and ``run_slug``."""

from __future__ import annotations

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.batches.inputs import Job
from coreclaw_pandas.batches.join import join_rows

from .helpers import CATALOGUE, WEB

pytestmark = pytest.mark.slow


def pages(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "url": [f"/demo-site/index.html?shop={i}" for i in range(n)],
        "shop": [f"shop-{i}" for i in range(n)],
    })  # fmt: skip


@pytest.mark.parametrize("per_run", [1, 3])
def test_every_row_carries_its_input(emulator_process, per_run):
    emulator = emulator_process("--max-concurrent-runs", "2")
    client = emulator.client()
    inputs = pages(9)

    batch = cc.run_batch(
        WEB, inputs, map={"startURLs": "url"}, custom={"max_pages": per_run},
        per_run=per_run, client=client, progress=False,
    )  # fmt: skip
    df = batch.df

    assert len(client.runs_page()[1]) == 9 // per_run
    assert list(df.columns[:4]) == ["input_id", "input.url", "input.shop", "run_slug"]
    assert df["input_id"].notna().all() and df["input.url"].notna().all()
    # Each row is the page of its own input: the scraper's echo of the start URL agrees.
    assert (df["input.url"] == df["start_url"]).all()
    assert sorted(df["input.shop"]) == sorted(inputs["shop"])
    status = batch.status
    assert set(df["run_slug"]) == set(status["run_slug"])
    merged = df.merge(status[["input_id", "run_slug"]], on="input_id", suffixes=("", "_status"))
    assert (merged["run_slug"] == merged["run_slug_status"]).all()


def test_packed_keywords_join_through_the_echoed_keyword(client):
    inputs = pd.DataFrame({"kw": ["lamp", "desk", "chair", "rug"]})

    batch = cc.run_batch(CATALOGUE, inputs, map={"keywords": "kw"}, custom={"rows": 40},
                         per_run=2, client=client, progress=False)  # fmt: skip
    df = batch.df

    assert client.runs_page()[0] == 2
    assert (df["input.kw"] == df["search_keyword"]).all()
    assert set(df["input.kw"]) == {"lamp", "desk", "chair", "rug"}


def test_packed_rows_without_an_echo_carry_the_run_not_an_input():
    # No column names the packed inputs: the rows cannot be told apart (pure: no server).
    job = Job("job1", ("in-a", "in-b"), {}, {"in-a": ("x",), "in-b": ("y",)})
    rows = pd.DataFrame({"value": [1, 2, 3], "note": ["x", "z", "y"]})
    inputs = pd.DataFrame({"src": ["x", "y"]})

    df = join_rows({"job1": rows}, [job], {"job1": "RUN1"}, inputs, ["in-a", "in-b"])

    assert list(df["input_id"]) == ["job1"] * 3
    assert df["input.src"].isna().all()
    assert list(df["run_slug"]) == ["RUN1"] * 3


def test_packed_rows_join_through_the_column_that_echoes_every_input():
    job = Job("job1", ("in-a", "in-b"), {}, {"in-a": ("x",), "in-b": ("y",)})
    rows = pd.DataFrame({"echo": ["y", "x", "y"], "other": ["x", "q", "y"]})
    inputs = pd.DataFrame({"src": ["x", "y"]})

    df = join_rows({"job1": rows}, [job], {"job1": "RUN1"}, inputs, ["in-a", "in-b"])

    assert list(df["input.src"]) == ["y", "x", "y"]
