"""cc.results_df reads every row or says loudly that it did not (issue 14, part 1).

Each slip is served by the emulator's test-only page faults over real HTTP. A
slip that lasts one reply (a hiccup) must cost no row and no warning; a slip
that persists must give a warning naming the page (or, with ``strict=True``, an
error), must leave nothing in the cache, and a read after the server recovered
must give the whole run.
"""

from __future__ import annotations

import warnings

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.frames import ID_COLUMN, cache

from .helpers import CATALOGUE

ROWS = 1_000  # ten pages of 100
#: (fault kind, options, page the warning names, rows a persistent slip leaves)
SLIPS = {
    "one-row-short": ("short_page", {"page": 5}, 5, ROWS - 1),
    "empty-page": ("empty_page", {"page": 5}, 5, ROWS - 100),
    "null-data-page-1": ("null_data", {"page": 1}, 1, ROWS - 100),
    "page-4-repeats-page-3": ("repeat_page", {"page": 4}, 4, ROWS - 100),
    "100-rows-skipped": ("skip_rows", {"rows": 100}, 10, ROWS - 100),
}


@pytest.fixture(params=["v1", "v2"])
def reader(request, emu):
    """A client on the emulator, one per API version, and the path of its result pages."""
    c = cc.Client(
        emu.api_key,
        base_url=emu.url,
        api_version=request.param,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )
    path = "/api/v1/run/result/list" if request.param == "v1" else "/api/v2/worker-runs/*"
    yield c, path
    c.close()


def _finished_run(c: cc.Client) -> cc.Run:
    return cc.run_worker(CATALOGUE, {"rows": ROWS}, progress=False, client=c)


def _cache_files() -> list:
    folder = cache.cache_dir()
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


@pytest.mark.parametrize(
    "slip", ["one-row-short", "empty-page", "null-data-page-1", "page-4-repeats-page-3"]
)
def test_a_slip_that_lasts_one_reply_costs_no_row(reader, emu, slip):
    c, path = reader
    run = _finished_run(c)
    kind, options, _, _ = SLIPS[slip]
    fault = emu.inject_fault(path, kind, count=1, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning of any kind
        df = cc.results_df(run, progress=False, client=c)
    assert fault.fired == 1
    assert len(df) == ROWS
    assert df[ID_COLUMN].is_unique
    assert df.attrs["coreclaw"]["row_count"] == ROWS


@pytest.mark.parametrize("slip", list(SLIPS))
def test_a_lasting_slip_warns_naming_the_page_and_is_never_cached(reader, emu, slip):
    c, path = reader
    run = _finished_run(c)
    kind, options, page, rows_left = SLIPS[slip]
    emu.inject_fault(path, kind, fraction=1.0, **options)
    with pytest.warns(cc.IncompleteResultsWarning) as caught:
        df = cc.results_df(run, progress=False, client=c)
    message = str(caught[0].message)
    print(f"\n{slip}: {len(df)} rows; {message}")
    assert len(df) == rows_left
    assert df[ID_COLUMN].is_unique
    assert f"page {page} gave" in message
    assert f"{rows_left:,} rows read of {ROWS:,} expected" in message
    assert "not cached" in message and "strict=True" in message
    assert _cache_files() == []

    with pytest.raises(cc.IncompleteResultsError, match=f"page {page} gave") as error:
        cc.results_df(run, progress=False, client=c, strict=True)
    assert error.value.run_slug == run.slug
    assert error.value.tally.expected == ROWS
    assert _cache_files() == []

    emu.clear_faults()  # the server recovered: the next read is whole, not a cached short one
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = cc.results_df(run, progress=False, client=c)
    assert len(again) == ROWS and again[ID_COLUMN].is_unique
    assert len(_cache_files()) == 1


def test_non_object_rows_are_counted_and_reported(reader, emu):
    c, path = reader
    run = _finished_run(c)
    emu.inject_fault(path, "non_object", fraction=1.0, page=3)
    with pytest.warns(cc.IncompleteResultsWarning, match="1 list items were not JSON objects"):
        df = cc.results_df(run, progress=False, client=c)
    assert len(df) == ROWS - 1
    assert _cache_files() == []


def test_rows_without_an_id_are_kept_and_a_clean_read_is_quiet(client, emu):
    run = _finished_run(client)
    tally = cc.client.ReadTally()
    pages = list(client.iter_result_pages(run.slug, expected=run.results, tally=tally))
    assert sum(len(p.rows) for p in pages) == ROWS
    assert tally.complete and tally.problems() == []
    assert (tally.rows, tally.duplicates, tally.without_id, tally.retries) == (ROWS, 0, 0, 0)


def test_max_rows_reads_only_what_it_needs(client, emu):
    run = _finished_run(client)
    emu.clear_requests()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = cc.results_df(run, progress=False, client=client, max_rows=250)
    assert len(df) == 250
    pages = [r for r in emu.requests if "result" in r.path]
    assert len(pages) == 3  # 250 rows: three pages of 100, and no page beyond
