"""cc.results_arrow, results_polars, iter_results_df and to_parquet against the emulator."""

from __future__ import annotations

import json
import signal
import warnings

import pandas as pd
import pyarrow as pa
import pytest

import coreclaw_pandas as cc

from .helpers import CATALOGUE

ID = "__coreclaw_data_id__"


@pytest.fixture(params=["v1", "v2"])
def small_pages(request, emu):
    c = cc.Client(emu.api_key, base_url=emu.url, api_version=request.param, page_size=50)
    yield c
    c.close()


@pytest.fixture
def catalogue(small_pages):
    run = cc.run_worker(CATALOGUE, {"rows": 1_234}, client=small_pages)
    return run, cc.results_df(run, client=small_pages, cache=False, progress=False)


def test_results_arrow_is_the_frame_in_arrow(small_pages, catalogue):
    run, df = catalogue
    table = cc.results_arrow(run, client=small_pages, cache=False, progress=False)
    assert isinstance(table, pa.Table)
    assert table.column_names == list(df.columns) and table.num_rows == len(df)
    assert table.column(ID).to_pylist() == df[ID].tolist()
    assert pa.types.is_list(table.schema.field("tags").type)
    assert pa.types.is_int64(table.schema.field("review_count").type)
    provenance = json.loads(table.schema.metadata[b"coreclaw_pandas.attrs"])
    assert provenance["run_slug"] == run.slug and provenance["row_count"] == len(df)


@pytest.fixture
def python_handles_ctrl_c():
    """Give SIGINT back to Python afterwards: a polars query takes it over for the process
    (seen here: a later test's Ctrl-C waited for a stalled page), and later tests need it."""
    yield
    signal.signal(signal.SIGINT, signal.default_int_handler)


def test_results_polars_eager_and_lazy(small_pages, catalogue, python_handles_ctrl_c):
    pl = pytest.importorskip("polars")
    run, df = catalogue
    frame = cc.results_polars(run, client=small_pages, cache=False, progress=False)
    assert isinstance(frame, pl.DataFrame) and frame.height == len(df)
    assert frame[ID].to_list() == df[ID].tolist()
    lazy = cc.results_polars(run, lazy=True, client=small_pages, progress=False)
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.select(pl.len()).collect().item() == len(df)


def test_chunks_concatenate_to_the_whole_frame_with_stable_dtypes(small_pages, catalogue):
    run, df = catalogue
    chunks = list(cc.iter_results_df(run, chunk_rows=300, client=small_pages, progress=False))
    assert [len(c) for c in chunks] == [300, 300, 300, 300, 34]
    dtypes = [list(map(str, c.dtypes)) for c in chunks]
    assert all(d == dtypes[0] for d in dtypes)
    assert all(list(c.columns) == list(chunks[0].columns) for c in chunks)
    whole = pd.concat(chunks)
    assert whole.index.equals(pd.RangeIndex(len(df)))
    assert whole[ID].tolist() == df[ID].tolist()
    for name in df.columns:
        if str(df[name].dtype) == dtypes[0][list(chunks[0].columns).index(name)]:
            pd.testing.assert_series_equal(whole[name], df[name], check_names=False)


def test_dtypes_override_every_chunk(small_pages, catalogue):
    run, _ = catalogue
    chunks = cc.iter_results_df(
        run, chunk_rows=500, dtypes={"price_text": "Float64"}, client=small_pages
    )
    assert {str(c["price_text"].dtype) for c in chunks} == {"Float64"}


def test_a_column_that_widens_later_becomes_float(emu):
    from coreclaw_pandas.frames import StableDtypes

    stable = StableDtypes()
    first = stable.apply(pd.DataFrame({"x": pd.array([1, 2], dtype="Int64")}), start=0)
    later = stable.apply(pd.DataFrame({"x": pd.array([2.5, None], dtype="Float64")}), start=2)
    empty = stable.apply(pd.DataFrame({"y": pd.array(["a", "b"], dtype="string")}), start=4)
    assert str(first["x"].dtype) == "Int64" and str(later["x"].dtype) == "Float64"
    assert list(empty.columns) == ["x", "y"] and str(empty["x"].dtype) == "Float64"
    assert later.index.tolist() == [2, 3]


def test_to_parquet_writes_a_dataset_equal_to_the_frame(small_pages, catalogue, tmp_path):
    run, df = catalogue
    folder = cc.to_parquet(
        run, tmp_path / "rows", rows_per_file=500, client=small_pages, progress=False
    )
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    back = pd.read_parquet(folder)
    assert len(back) == len(df) and back[ID].tolist() == df[ID].tolist()
    assert back["review_count"].tolist() == df["review_count"].astype(object).tolist()
    assert back["tags"].map(lambda v: None if v is None else list(v)).tolist()[:50] == [
        None if v is pd.NA else v for v in df["tags"].tolist()[:50]
    ]


def test_an_empty_run_gives_one_empty_chunk_and_file(small_pages, tmp_path):
    run = cc.run_worker(CATALOGUE, {"rows": 0}, client=small_pages)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunks = list(cc.iter_results_df(run, client=small_pages))
    assert len(chunks) == 1 and chunks[0].empty and ID in chunks[0].columns
    folder = cc.to_parquet(run, tmp_path / "empty", client=small_pages)
    assert len(pd.read_parquet(folder)) == 0


def test_bad_sizes_are_refused(small_pages):
    with pytest.raises(cc.InputError, match="chunk_rows"):
        next(cc.iter_results_df("r", chunk_rows=0, client=small_pages))
    with pytest.raises(cc.InputError, match="rows_per_file"):
        cc.to_parquet("r", "x", rows_per_file=0, client=small_pages)
