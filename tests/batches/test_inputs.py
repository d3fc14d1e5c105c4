"""Validation first: every input is built and checked before anything starts."""

from __future__ import annotations

import pandas as pd
import pytest

import coreclaw_pandas as cc

from .helpers import CATALOGUE, SLOW, WEB


def test_one_input_error_lists_every_bad_row_and_nothing_starts(emu, client):
    inputs = pd.DataFrame({"url": ["/a", "/b", "/c", "/d"], "pages": [1, 0, 2, 5000]})

    with pytest.raises(cc.InputError) as caught:
        cc.run_batch(
            WEB, inputs, map={"startURLs": "url", "max_pages": "pages"}, client=client,
            progress=False,
        )  # fmt: skip

    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("row 1") and "max_pages" in problems[0]
    assert problems[1].startswith("row 3") and "max_pages" in problems[1]
    assert client.runs_page()[0] == 0  # nothing was started


def test_rows_are_named_by_their_index_label_too(client):
    inputs = pd.DataFrame({"pages": [0]}, index=["shop-a"])

    with pytest.raises(cc.InputError, match=r"row 0 \(index 'shop-a'\)"):
        cc.run_batch(WEB, inputs, map={"max_pages": "pages"}, client=client, progress=False)


def test_a_map_naming_a_missing_column_says_which_columns_exist(client):
    with pytest.raises(cc.InputError, match="columns: url"):
        cc.run_batch(WEB, pd.DataFrame({"url": ["/a"]}), map={"startURLs": "link"},
                     client=client, progress=False)  # fmt: skip


def test_packing_needs_an_array_field_the_worker_splits(client):
    with pytest.raises(cc.InputError, match="startURLs"):
        cc.run_batch(WEB, pd.DataFrame({"n": [1, 2]}), map={"max_pages": "n"}, per_run=2,
                     client=client, progress=False)  # fmt: skip


@pytest.mark.parametrize(
    "inputs",
    [
        pd.Series(["x", "y"], name="label"),
        [{"label": "x"}, {"label": "y"}],
        pd.DataFrame({"label": ["x", "y"]}),
    ],
    ids=["column", "dicts", "frame"],
)
def test_inputs_may_be_a_frame_a_list_of_dicts_or_a_column(client, inputs):
    batch = cc.run_batch(
        SLOW, inputs, map={"labels": "label"},
        custom={"duration_seconds": 1, "interval_seconds": 0.5}, client=client, progress=False,
    )  # fmt: skip

    assert list(batch.status["status"]) == ["succeeded", "succeeded"]
    assert sorted(batch.df["input.label"].unique()) == ["x", "y"]


def test_an_input_given_twice_runs_once(client):
    inputs = pd.DataFrame({"kw": ["lamp", "desk", "lamp"]})

    batch = cc.run_batch(CATALOGUE, inputs, map={"keywords": "kw"}, custom={"rows": 3},
                         client=client, progress=False)  # fmt: skip

    assert client.runs_page()[0] == 2
    status = batch.status
    assert status["run_slug"].iloc[0] == status["run_slug"].iloc[2]
