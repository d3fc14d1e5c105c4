"""``cc.read_export``: the platform's own export read back into a DataFrame (issue 16)."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc

from .helpers import CATALOGUE


@pytest.fixture
def v2(emu):
    return cc.configure(api_key=emu.api_key, base_url=emu.url, api_version="v2")


def test_the_xlsx_export_reads_back_with_every_row(v2, emu) -> None:
    run = cc.run_worker(CATALOGUE, {"rows": 40}, progress=False)
    emu.clear_requests()
    df = cc.read_export(run, format="xlsx", progress=False)
    ours = cc.results_df(run, progress=False)
    assert len(df) == 40 == len(ours)
    assert "title" in df.columns
    assert sorted(df["title"].dropna()) == sorted(ours["title"].dropna())
    assert df.coreclaw.info["run_slug"] == run.slug
    assert df.coreclaw.info["source"] == "export"
    downloads = [r for r in emu.requests if not r.path.startswith("/api/")]
    assert downloads and not any(r.has_auth for r in downloads)  # the key stays home


def test_columns_and_csv(v2) -> None:
    run = cc.run_worker(CATALOGUE, {"rows": 5}, progress=False)
    df = cc.read_export(run, format="csv", columns=["title", "price"], progress=False)
    assert len(df) == 5 and "title" in df.columns and "review_count" not in df.columns


def test_v1_cannot_export_xlsx_and_says_so(emu) -> None:
    cc.configure(api_key=emu.api_key, base_url=emu.url, api_version="v1")
    run = cc.run_worker(CATALOGUE, {"rows": 5}, progress=False)
    with pytest.raises(cc.InputError, match="csv, json in API v1"):
        cc.read_export(run, format="xlsx")
    assert len(cc.read_export(run, format="csv", progress=False)) == 5
    with pytest.raises(cc.InputError, match="to read it back"):
        cc.read_export(run, format="xml")
