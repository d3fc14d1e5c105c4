"""results_df's fast path (raw pages into Arrow) over real HTTP: the same frame, the same checks.

Each test reads one run twice: by the bulk path with a :class:`PageDecoder`, and by the
general path (``iter_result_pages`` into a ``FrameBuilder``), and compares the frames.
"""

from __future__ import annotations

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.client import ReadTally
from coreclaw_pandas.frames import FrameBuilder, PageDecoder
from coreclaw_pandas.models import TablePage

from .helpers import CATALOGUE, WEB

ID = "__coreclaw_data_id__"


def _general(c: cc.Client, slug: str) -> pd.DataFrame:
    builder = FrameBuilder()
    for page in c.iter_result_pages(slug):
        if page.headers:
            builder.set_headers(page.headers)
        builder.add_rows(page.rows)
    return builder.build()


def _fast(c: cc.Client, slug: str, tally: ReadTally | None = None) -> tuple[pd.DataFrame, int]:
    decoder = PageDecoder()
    builder = FrameBuilder()
    for page in c.iter_table_pages(slug, decode=decoder, tally=tally):
        if page.headers:
            builder.set_headers(page.headers)
        if isinstance(page, TablePage):
            builder.add_table(page.table)
        else:
            builder.add_rows(page.rows)
    return builder.build(), decoder.pages


@pytest.fixture(params=["v1", "v2"])
def small_pages(request, emu):
    """A client with pages of 50 rows, so a few thousand rows are many batches."""
    c = cc.Client(emu.api_key, base_url=emu.url, api_version=request.param, page_size=50)
    yield c
    c.close()


def test_the_catalogue_by_the_fast_path_equals_the_general_path(small_pages):
    run = cc.run_worker(CATALOGUE, {"rows": 2_500, "max_reviews": 5}, client=small_pages)
    fast, tables = _fast(small_pages, run.slug)
    pd.testing.assert_frame_equal(fast, _general(small_pages, run.slug))
    assert tables >= 40  # the pages after the first came through Arrow
    df = cc.results_df(run, client=small_pages, cache=False, progress=False)
    pd.testing.assert_frame_equal(df, fast)


def test_web_page_rows_by_the_fast_path_equal_the_general_path(emu):
    c = cc.Client(emu.api_key, base_url=emu.url, page_size=2)
    start = [{"url": f"{emu.url}/demo-site/index.html"}]
    run = cc.run_worker(WEB, {"startURLs": start, "max_pages": 8}, client=c, progress=False)
    fast, tables = _fast(c, run.slug)
    pd.testing.assert_frame_equal(fast, _general(c, run.slug))
    assert len(fast) == 8 and tables >= 1
    c.close()


@pytest.mark.parametrize("kind", ["short_page", "empty_page", "null_data", "repeat_page"])
def test_slipped_pages_are_read_again_and_the_frame_is_whole(small_pages, emu, kind):
    run = cc.run_worker(CATALOGUE, {"rows": 1_000}, client=small_pages)
    path = "/api/v1/run/result/list" if small_pages.api_version == "v1" else "/api/v2/*"
    emu.inject_fault(path, kind, count=1, page=7)
    tally = ReadTally()
    fast, _ = _fast(small_pages, run.slug, tally)
    assert tally.complete and tally.retries >= 1
    assert fast["index"].tolist() == list(range(1_000))
    pd.testing.assert_frame_equal(fast, _general(small_pages, run.slug))


def test_a_non_object_row_is_counted_not_hidden(small_pages, emu):
    run = cc.run_worker(CATALOGUE, {"rows": 500}, client=small_pages)
    path = "/api/v1/run/result/list" if small_pages.api_version == "v1" else "/api/v2/*"
    emu.inject_fault(path, "non_object", count=4, page=5)
    tally = ReadTally()
    _fast(small_pages, run.slug, tally)
    assert tally.non_objects == 1 and not tally.complete


def test_rate_limits_and_resets_are_retried_by_the_bulk_reader(small_pages, emu):
    c = cc.Client(
        emu.api_key,
        base_url=emu.url,
        api_version=small_pages.api_version,
        page_size=50,
        backoff_factor=0.01,
    )
    run = cc.run_worker(CATALOGUE, {"rows": 1_000}, client=c)
    path = "/api/v1/run/result/list" if c.api_version == "v1" else "/api/v2/*"
    emu.inject_fault(path, "rate_limit", count=3)
    emu.inject_fault(path, "reset", count=1)
    emu.inject_fault(path, "gateway_after", count=1)
    fast, _ = _fast(c, run.slug)
    assert fast["index"].tolist() == list(range(1_000))
    c.close()


def test_dtype_backend_follows_pandas(small_pages):
    run = cc.run_worker(CATALOGUE, {"rows": 120}, client=small_pages)
    df = cc.results_df(run, client=small_pages, dtype_backend="pyarrow", progress=False)
    assert all(isinstance(t, pd.ArrowDtype) for t in df.dtypes)  # lists and dates too
    assert str(df["review_count"].dtype) == "int64[pyarrow]"
    assert df.coreclaw.run_slug == run.slug
    with pytest.raises(cc.InputError, match="dtype_backend"):
        cc.results_df(run, client=small_pages, dtype_backend="numpy")


def test_a_failing_bulk_read_never_shows_the_key(emu):
    import traceback

    c = cc.Client(emu.api_key, base_url=emu.url, page_size=50, max_retries=1, backoff_factor=0.01)
    run = cc.run_worker(CATALOGUE, {"rows": 400}, client=c)
    pages = c.iter_table_pages(run.slug, decode=PageDecoder())
    next(pages)  # page 1 is read by the transport; the bulk reader takes over from page 2
    emu.inject_fault("/api/v1/run/result/list", "reset", count=1_000)
    with pytest.raises(cc.TransportError, match="lost the connection") as caught:
        list(pages)
    shown = traceback.TracebackException.from_exception(caught.value, capture_locals=True)
    assert emu.api_key not in "".join(shown.format())
    c.close()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_export_source_gives_the_same_frame_without_row_ids(emu, version):
    c = cc.Client(emu.api_key, base_url=emu.url, api_version=version)
    run = cc.run_worker(CATALOGUE, {"rows": 700}, client=c)
    pages = cc.results_df(run, client=c, cache=False, progress=False)
    emu.clear_requests()
    exported = cc.results_df(run, client=c, cache=False, progress=False, source="export")
    assert not [r for r in emu.requests if r.path.endswith(("/result", "/result/list"))][1:]
    assert exported[ID].isna().all()
    pd.testing.assert_frame_equal(exported.drop(columns=ID), pages.drop(columns=ID))
    c.close()


def test_the_export_source_reads_pages_when_the_export_is_short(emu, monkeypatch):
    c = cc.Client(emu.api_key, base_url=emu.url, api_version="v2")
    run = cc.run_worker(CATALOGUE, {"rows": 300}, client=c)
    from coreclaw_pandas.api import pages as api_pages

    real = api_pages.frames.read_json_lines
    monkeypatch.setattr(
        api_pages.frames, "read_json_lines", lambda f: real(f).slice(0, 299)
    )  # an export one row short: the read must not trust it
    df = cc.results_df(run, client=c, cache=False, progress=False, source="export")
    assert len(df) == 300 and df[ID].notna().all()
    c.close()
