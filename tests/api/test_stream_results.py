"""cc.stream_results and results_df(follow=True): exact, typed, drained after the end (issue 18)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import ID_COLUMN

from .helpers import CATALOGUE
from .stream_helpers import PACED, QuickClock


def _stream(run, client, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error", cc.ChunkDtypeWarning)
        return list(cc.stream_results(run, client=client, clock=QuickClock(), **options))


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_concatenated_chunks_equal_results_df_by_row_id(emu, api_version):
    emu.configure(count_lag=0.5)
    client = cc.Client(emu.api_key, base_url=emu.url, api_version=api_version)
    run = client.start_run(CATALOGUE, PACED)
    chunks = _stream(run, client)
    after = cc.results_df(run, client=client, progress=False, cache=False)
    ids = pd.concat(chunks)[ID_COLUMN]
    assert len(after) == PACED["rows"]
    assert ids.is_unique, "a row came twice"
    assert set(ids) == set(after[ID_COLUMN]), "a row was lost"
    assert list(ids) == list(after[ID_COLUMN]), "rows out of order"
    offsets = [chunk.attrs["coreclaw"]["offset"] for chunk in chunks]
    assert offsets == [sum(len(c) for c in chunks[:i]) for i in range(len(chunks))]
    assert list(pd.concat(chunks).index) == list(after.index)


def test_chunks_have_the_columns_dtypes_and_provenance_of_results_df(emu, client):
    run = client.start_run(CATALOGUE, PACED)
    chunks = _stream(run, client, min_rows=100)
    after = cc.results_df(run, client=client, progress=False, cache=False)
    first = chunks[0].dtypes.to_dict()
    for chunk in chunks:
        info = chunk.attrs["coreclaw"]
        assert "dtype_changes" not in info
        assert chunk.dtypes.to_dict() == first
        assert set(chunk.columns) == set(after.columns)
        assert info["run_slug"] == run.slug and info["row_count"] == len(chunk)
        assert info["worker_title"] == after.attrs["coreclaw"]["worker_title"]
    whole = pd.concat(chunks)[list(after.columns)]
    assert whole.dtypes.to_dict() == after.dtypes.to_dict()
    assert all(len(chunk) >= 100 for chunk in chunks[:-1])


def test_the_stream_drains_after_the_end_while_the_row_count_lags(emu, client):
    # The count trails the rows by far more than the run takes: at its end the run's
    # record still shows fewer rows than the pages serve, so stopping at the count
    # (or at the status) would lose rows.
    emu.configure(count_lag=30)
    run = client.start_run(CATALOGUE, {"rows": 250})
    assert emu.wait_for_run(run.slug)
    ended = client.run(run.slug)
    assert ended.is_terminal and ended.results < 250
    chunks = _stream(run, client)
    assert sum(len(chunk) for chunk in chunks) == 250


def test_pages_are_read_from_where_the_last_chunk_ended(emu, client):
    run = client.start_run(CATALOGUE, PACED)
    emu.clear_requests()
    _stream(run, client)
    pages = [call.json["page_index"] for call in emu.calls("/api/v1/run/result/list")]
    assert pages[0] == 1
    assert pages == sorted(pages), f"a page before the cursor was read again: {pages}"
    # Each page is read at most a few times (the page still filling, then the drain).
    assert max(pages.count(index) for index in set(pages)) <= len(pages) // 2 + 2


def test_results_df_follow_waits_and_returns_every_row(emu, client):
    emu.configure(count_lag=0.5)
    run = client.start_run(CATALOGUE, {"rows": 400, "rows_per_second": 400})
    followed = cc.results_df(run, follow=True, client=client, progress=False)
    after = cc.results_df(run, client=client, progress=False, cache=False)
    assert followed.attrs["coreclaw"]["status"] == "succeeded"
    assert list(followed[ID_COLUMN]) == list(after[ID_COLUMN])
    assert followed.dtypes.to_dict() == after.dtypes.to_dict()


def test_follow_with_max_rows_is_refused(client):
    with pytest.raises(cc.InputError, match="max_rows"):
        cc.results_df("01ABCDEFGHJKMNPQRSTVWXYZ00", follow=True, max_rows=5, client=client)


def test_a_run_without_rows_gives_one_empty_chunk(emu, client):
    run = client.start_run(CATALOGUE, {"rows": 0})
    chunks = _stream(run, client)
    assert len(chunks) == 1 and chunks[0].empty and ID_COLUMN in chunks[0].columns


@pytest.mark.parametrize("kind", ["empty_page", "null_data", "short_page", "repeat_page"])
def test_a_page_served_wrong_is_read_again_and_nothing_is_lost(emu, client, kind):
    run = client.start_run(CATALOGUE, PACED)
    emu.inject_fault("/api/v1/run/result/list", kind, fraction=0.3)
    chunks = _stream(run, client)
    emu.clear_faults()
    after = cc.results_df(run, client=client, progress=False, cache=False)
    ids = pd.concat(chunks)[ID_COLUMN]
    assert ids.is_unique and list(ids) == list(after[ID_COLUMN])


def test_a_page_holding_the_rows_before_it_does_not_skip_its_own(emu, client):
    run = client.start_run(CATALOGUE, {"rows": 300})
    assert emu.wait_for_run(run.slug)
    _stream(run, client)  # learns the page size the emulator takes (100)
    # Of the next reads, page 1 comes right and page 2 holds page 1's rows again.
    emu.inject_fault("/api/v1/run/result/list", "repeat_page", count=2)
    chunks = _stream(run, client)
    ids = pd.concat(chunks)[ID_COLUMN]
    after = cc.results_df(run, client=client, progress=False, cache=False)
    assert ids.is_unique and list(ids) == list(after[ID_COLUMN])
