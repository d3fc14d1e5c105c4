"""cc.results_dask on a LocalCluster of worker processes against the emulator, vs results_df."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.api.scale import FetchSpec, read_partition

from .helpers import CATALOGUE

ID = "__coreclaw_data_id__"


@pytest.fixture
def keyed(emu, monkeypatch):
    """The key in the environment, where the workers read it (they inherit it)."""
    monkeypatch.setenv("CORECLAW_API_KEY", emu.api_key)
    c = cc.Client(emu.api_key, base_url=emu.url, page_size=100)
    yield c
    c.close()


@pytest.mark.slow
def test_worker_processes_read_the_same_rows_as_results_df(keyed):
    distributed = pytest.importorskip("dask.distributed")
    run = cc.run_worker(CATALOGUE, {"rows": 12_345}, client=keyed)
    expected = cc.results_df(run, client=keyed, cache=False, progress=False)
    ddf = cc.results_dask(run, rows_per_partition=3_000, client=keyed)
    assert ddf.npartitions == 5 and ddf.known_divisions
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        got = ddf.compute()
    assert len(got) == len(expected) and got[ID].is_unique
    got = got.set_index(ID).sort_index()
    want = expected.set_index(ID).sort_index()
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
    assert list(ddf.columns) == list(expected.columns)
    assert got["tags"].dropna().map(type).eq(list).all()  # lists stay lists


def test_the_task_carries_no_key_and_a_worker_without_one_says_so(keyed, emu, monkeypatch):
    run = cc.run_worker(CATALOGUE, {"rows": 250}, client=keyed)
    spec = FetchSpec(keyed.base_url, keyed.api_version, run.slug, 2, 3, 100, 250, 100)
    assert emu.api_key.encode() not in pickle.dumps(spec)
    assert emu.api_key not in repr(spec)
    part = read_partition(spec)
    assert part.index.tolist() == list(range(100, 250))
    assert part["index"].tolist() == list(range(100, 250))
    monkeypatch.delenv("CORECLAW_API_KEY")
    with pytest.raises(cc.ConfigurationError, match=r"\$CORECLAW_API_KEY"):
        read_partition(spec)


def test_several_runs_in_one_frame_without_a_cluster(keyed):
    pytest.importorskip("dask.dataframe")
    one = cc.run_worker(CATALOGUE, {"rows": 300}, client=keyed)
    two = cc.run_worker(CATALOGUE, {"rows": 150, "seed": 3}, client=keyed)
    ddf = cc.results_dask([one, two.slug], rows_per_partition=100, client=keyed)
    assert ddf.npartitions == 5
    got = ddf.compute(scheduler="sync")
    ids = pd.concat([cc.results_df(r, client=keyed, cache=False)[ID] for r in (one, two)]).tolist()
    assert got[ID].tolist() == ids
