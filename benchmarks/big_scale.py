"""Case: big results beyond one frame (issue 19): ``cc.to_parquet`` memory and Dask.

* ``to_parquet``: a fresh child process (as in the memory case) streams a run into a
  Parquet dataset; its peak RSS is its own high-water mark. ``--full`` writes
  10,000,000 rows (target: under 600 MB peak), other modes the mode's ``rows``.
* Dask (``--full`` only, a cluster of worker processes is slow to start):
  ``cc.results_dask`` of 2,000,000 rows computed on a ``LocalCluster`` of 4 worker
  processes, then compared with ``cc.results_df`` of the same run by row id.

Runs past 100,000 rows are a stored catalogue run whose rows repeat, each with its own
id (``RemoteEmulator.store_cycled_catalogue``): the catalogue Worker stops at 5,000,000
rows, and the emulator would hold about 1 GB per million stored rows. The emulator runs
at 0 ms here: these steps measure memory and correctness, not latency.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ._harness import CaseResult, Context, Target, child_output, run_child, status_mb, timed

NAME = "big_scale"
PARQUET_ROWS_FULL = 10_000_000
TARGET_PARQUET_MB = 600.0
DASK_ROWS = 2_000_000
DASK_WORKERS = 4
ROWS_PER_PARTITION = 200_000
ID = "__coreclaw_data_id__"


def child(url: str, key: str, slug: str, folder: str) -> None:
    """In a fresh process: ``cc.to_parquet`` the run into ``folder``; print the figures."""
    import pyarrow.parquet as pq

    import coreclaw_pandas as cc

    before = status_mb("VmRSS")
    with cc.Client(key, base_url=url) as client:
        seconds, written = timed(lambda: cc.to_parquet(slug, folder, client=client, progress=False))
    files = sorted(Path(written).glob("part-*.parquet"))
    child_output(
        {
            "rows": sum(pq.ParquetFile(f).metadata.num_rows for f in files),
            "files": len(files),
            "bytes": sum(f.stat().st_size for f in files),
            "seconds": seconds,
            "rss_before_mb": before,
        }
    )


def _parquet(ctx: Context, result: CaseResult) -> None:
    rows = PARQUET_ROWS_FULL if ctx.mode == "full" else ctx.sizes.rows
    emu = ctx.emulator()
    emu.set_latency(0)
    slug = emu.store_cycled_catalogue(rows)
    peak = result.add(f"to_parquet {rows:,} rows: peak RSS", "MB")
    above = result.add(f"to_parquet {rows:,} rows: peak RSS above start", "MB")
    took = result.add(f"to_parquet {rows:,} rows: seconds")
    with tempfile.TemporaryDirectory(prefix="bench-parquet-") as folder:
        done = run_child("benchmarks.big_scale", "--child", emu.url, emu.api_key, slug, folder)
    if done.data["rows"] != rows:
        raise RuntimeError(f"to_parquet wrote {done.data['rows']} rows, expected {rows}")
    peak.samples.append(done.peak_rss_mb)
    above.samples.append(done.peak_rss_mb - done.data["rss_before_mb"])
    took.samples.append(done.data["seconds"])
    peak.info.update(files=done.data["files"], megabytes=round(done.data["bytes"] / 2**20))
    # Printed at once: the Dask step after it takes minutes and may fail.
    print(f"   to_parquet: peak RSS {done.peak_rss_mb:,.0f} MB, {done.data}", flush=True)
    result.targets.append(
        Target(f"to_parquet {rows:,} rows: peak RSS", peak.median, "<=", TARGET_PARQUET_MB, " MB")
    )


def _dask(ctx: Context, result: CaseResult) -> None:
    from dask import distributed

    import coreclaw_pandas as cc

    emu = ctx.emulator()
    emu.set_latency(0)
    slug = emu.store_cycled_catalogue(DASK_ROWS)
    # The workers read the key from their environment, inherited from this process.
    old = os.environ.get("CORECLAW_API_KEY")
    os.environ["CORECLAW_API_KEY"] = emu.api_key
    try:
        with cc.Client(emu.api_key, base_url=emu.url) as client:
            started, cluster = timed(
                lambda: distributed.LocalCluster(
                    n_workers=DASK_WORKERS, threads_per_worker=1, processes=True,
                    dashboard_address=None,
                )
            )  # fmt: skip
            with cluster, distributed.Client(cluster) as dask_client:
                seconds, got = timed(lambda: _gather(cc, dask_client, client, slug))
            single, want = timed(
                lambda: cc.results_df(slug, client=client, cache=False, progress=False)
            )
    finally:
        if old is None:
            os.environ.pop("CORECLAW_API_KEY", None)
        else:
            os.environ["CORECLAW_API_KEY"] = old
    label = f"{DASK_ROWS:,} rows, {DASK_WORKERS} worker processes"
    result.add(f"results_dask {label}: seconds").samples.append(seconds)
    result.add("LocalCluster start").samples.append(started)
    result.add(f"results_df {DASK_ROWS:,} rows (one process)").samples.append(single)
    equal, how = _same_by_id(got, want)
    result.notes.append(f"results_dask vs results_df by {ID}: {how}")
    result.targets.append(Target(f"results_dask {label} equal to results_df", equal, ">=", 1, ""))


def _gather(cc: Any, dask_client: Any, client: Any, slug: str) -> pd.DataFrame:
    # Each partition comes back on its own and is joined here: ``ddf.compute()`` would
    # first join all of them on one worker (dask's repartition to one partition), and a
    # 2,000,000-row frame outgrew a worker's memory budget that way (restarts, in a loop).
    ddf = cc.results_dask(slug, rows_per_partition=ROWS_PER_PARTITION, client=client)
    return pd.concat(dask_client.gather(dask_client.compute(ddf.to_delayed())))


def _same_by_id(got: pd.DataFrame, want: pd.DataFrame) -> tuple[float, str]:
    """1.0 when both frames hold the same rows by id (dtypes compared too), else 0.0."""
    if len(got) != len(want) or not got[ID].is_unique:
        return 0.0, f"{len(got):,} rows (unique ids: {got[ID].is_unique}) vs {len(want):,}"
    left, right = got.set_index(ID).sort_index(), want.set_index(ID).sort_index()
    if list(left.columns) != list(right.columns):
        return 0.0, f"columns differ: {list(left.columns)} vs {list(right.columns)}"
    try:
        pd.testing.assert_frame_equal(left, right)
    except AssertionError as exact:
        try:
            pd.testing.assert_frame_equal(left, right, check_dtype=False)
        except AssertionError as values:
            return 0.0, f"values differ: {str(values)[:300]}"
        return 1.0, f"same values; dtypes differ: {str(exact)[:300]}"
    return 1.0, f"equal, {len(got):,} rows x {got.shape[1]} columns, dtypes too"


def run(ctx: Context) -> CaseResult:
    """to_parquet's peak RSS in a child; in ``--full``, Dask on worker processes."""
    result = CaseResult(
        NAME,
        "to_parquet peak memory in a fresh process; results_dask on worker processes",
        {"mode": ctx.mode, "latency_ms": 0, "repeat": 1},
    )
    _parquet(ctx, result)
    if ctx.mode == "full":
        try:
            _dask(ctx, result)
        except Exception as err:  # the parquet figures are still worth printing
            result.skipped.append(f"the Dask step failed: {type(err).__name__}: {err}")
    else:
        result.skipped.append("the Dask step runs in --full only (a cluster is slow to start).")
    return result


def main(argv: list[str] | None = None) -> None:
    """Child entry point: ``python -m benchmarks.big_scale --child URL KEY SLUG FOLDER``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.big_scale")
    parser.add_argument("--child", action="store_true", required=True)
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("slug")
    parser.add_argument("folder")
    args = parser.parse_args(argv)
    child(args.url, args.key, args.slug, args.folder)


if __name__ == "__main__":
    main(sys.argv[1:])
