"""The df.coreclaw accessor against frames made by the notebook API."""

from __future__ import annotations

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

CATALOGUE = "coreclaw/catalogue-generator"
WEB = "coreclaw/web-page-scraper"


@pytest.fixture
def configured(emu):
    return cc.configure(
        api_key=emu.api_key,
        base_url=emu.url,
        poll=cc.PollPolicy(initial=0.05, maximum=0.25),
        backoff_factor=0.01,
    )


@pytest.fixture
def frame(configured):
    return cc.results_df(cc.run_worker(CATALOGUE, {"rows": 60}, progress=False), progress=False)


def test_provenance_properties(frame, configured):
    info = frame.coreclaw.info
    assert frame.coreclaw.run_slug == info["run_slug"]
    assert frame.coreclaw.run().status is RunStatus.SUCCEEDED
    info["run_slug"] = "changed"  # a copy: the frame's provenance is untouched
    assert frame.coreclaw.run_slug != "changed"


def test_provenance_survives_filtering_and_parquet(frame, tmp_path):
    subset = frame[frame["index"] < 10][["__coreclaw_data_id__", "title"]]
    assert subset.coreclaw.run_slug == frame.coreclaw.run_slug
    path = tmp_path / "f.parquet"
    subset.to_parquet(path)
    assert pd.read_parquet(path).coreclaw.info == subset.coreclaw.info


def test_flatten_and_explode(configured):
    raw = cc.results_df(cc.run_worker(CATALOGUE, {"rows": 40}, progress=False), flatten=False)
    flat = raw.coreclaw.flatten()
    assert "seller.name" in flat.columns and "seller" not in flat.columns
    reviews = raw.coreclaw.explode_nested("reviews")
    assert set(reviews["__coreclaw_data_id__"]) <= set(raw["__coreclaw_data_id__"])
    assert len(reviews) == raw["reviews"].dropna().map(len).sum()


def test_safe_writers(frame, tmp_path):
    xlsx = frame.coreclaw.to_excel(tmp_path / "a.xlsx")
    csv = frame.coreclaw.to_csv(tmp_path / "a.csv")
    assert len(pd.read_excel(xlsx, sheet_name="Results")) == len(frame)
    assert len(pd.read_csv(csv)) == len(frame)
    about = pd.read_excel(xlsx, sheet_name="About", header=None)
    assert frame.coreclaw.run_slug in about.astype(str).to_numpy().ravel().tolist()


def test_rerun_returns_the_new_rows(frame):
    again = frame.coreclaw.rerun(callback_url="http://127.0.0.1:9/hook")
    assert len(again) == len(frame) and again.coreclaw.run_slug != frame.coreclaw.run_slug
    assert again["title"].tolist() == frame["title"].tolist()  # same input, same rows


def test_run_worker_from_a_column(configured):
    base = configured.base_url
    links = pd.DataFrame(
        {
            "href": [
                f"{base}/demo-site/index.html",
                None,
                f"{base}/demo-site/about.html",
                f"{base}/demo-site/index.html",
            ]
        }
    )
    pages = links.coreclaw.run_worker(WEB, column="href", custom={"max_pages": 2}, progress=False)
    assert sorted(pages["url"]) == sorted({links["href"][0], links["href"][2]})


def test_clear_errors(configured):
    plain = pd.DataFrame({"a": [1]})
    with pytest.raises(cc.InputError, match="provenance"):
        plain.coreclaw.run()
    with pytest.raises(cc.InputError, match="column 'url'"):
        plain.coreclaw.run_worker(WEB)
    with pytest.raises(cc.InputError, match="no non-empty values"):
        pd.DataFrame({"url": [None, " "]}).coreclaw.run_worker(WEB)


def test_export_warnings_point_at_the_callers_line(tmp_path):
    df = pd.DataFrame({"text": ["ok", "bad\x01char"]})
    with pytest.warns(cc.ExportWarning) as caught:
        df.coreclaw.to_excel(tmp_path / "w.xlsx")
    assert caught[0].filename == __file__
