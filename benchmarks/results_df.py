"""Case 1: a finished run's rows into a DataFrame, against the ways people do it today.

Sides, measured in turn within each repetition, all against the same stored
catalogue run on the emulator process, with ``--latency-ms`` per request:

* ``results_df``: ``cc.results_df(slug, cache=False)``, a fresh default client.
* ``results_df (page_concurrency=N)``: the same with more pages in flight, to show
  the lever (not the default: see docs/performance.md).
* ``(a) hand loop``: ``requests``, ``page_index`` 1..n with ``page_size`` 100, every
  row kept in a list, then ``pd.DataFrame``.
* ``(b) coreclaw-client 1.0.1``: the official PyPI client, ``list_results`` page by
  page (limit 100), then ``pd.DataFrame``; skipped when not installed.
* ``(c) export floor``: one JSON export, downloaded and parsed into
  ``pd.DataFrame``: no flattening, no dtype inference, no row id.
* ``(d) export + FrameBuilder``: the export rows through the same frame building
  as ``results_df``, i.e. what an export-based ``results_df`` would cost.

Then ``results_df`` and the hand loop again at 0 ms latency, where reading is
CPU-bound; to show where that CPU goes, the frame building alone is timed too,
on rows fetched beforehand (at most ``BUILD_ROWS`` of them): ``FrameBuilder``
(what ``results_df`` does) against ``pd.DataFrame`` (what the loops do). The
frames differ in shape (``results_df`` flattens nested dicts into columns, infers
dtypes over every row and keeps the row id), which the table's info records.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import requests

from ._harness import CaseResult, Context, Measurement, Target, interleave, timed

NAME = "results_df"
PAGE_SIZE = 100
#: The concurrency shown beside the default, as the lever it would be.
LEVER_CONCURRENCY = 16
PYPI_CLIENT = "coreclaw-client 1.0.1"
TARGET_VS_LOOPS = 5.0
TARGET_VS_FLOOR = 1.5
#: Rows held in memory for the build-only comparison (a million row dicts would be GBs).
BUILD_ROWS = 100_000


def read_with_results_df(url: str, key: str, slug: str, **options: Any) -> pd.DataFrame:
    """``cc.results_df`` with a fresh client, no cache and no progress bar."""
    import coreclaw_pandas as cc

    with cc.Client(key, base_url=url, **options) as client:
        return cc.results_df(slug, client=client, cache=False, progress=False)


def read_with_hand_loop(url: str, key: str, slug: str) -> pd.DataFrame:
    """The loop an analyst writes: every page of 100 with requests, then pd.DataFrame."""
    session = requests.Session()
    session.headers["api-key"] = key
    rows: list[dict[str, Any]] = []
    page_index, pages = 1, 1
    while page_index <= pages:
        reply = session.post(
            f"{url}/api/v1/run/result/list",
            json={"run_slug": slug, "page_index": page_index, "page_size": PAGE_SIZE},
        )
        data = reply.json()["data"]
        rows.extend(data["list"])
        pages = -(-data["count"] // PAGE_SIZE)
        page_index += 1
    session.close()
    return pd.DataFrame(rows)


def read_with_pypi_client(url: str, key: str, slug: str) -> pd.DataFrame:
    """The official PyPI client: ``list_results`` page by page, then pd.DataFrame."""
    from coreclaw import CoreClawClient

    rows: list[dict[str, Any]] = []
    with CoreClawClient(api_key=key, base_url=url) as client:
        run = client.run(slug)
        offset, count = 0, 1
        while offset < count:
            data = run.list_results(limit=PAGE_SIZE, offset=offset)
            rows.extend(data["list"])
            count = data["count"]
            offset += PAGE_SIZE
    return pd.DataFrame(rows)


def _export_rows(url: str, key: str, slug: str) -> list[dict[str, Any]]:
    with requests.Session() as session:
        reply = session.post(
            f"{url}/api/v1/run/result/export",
            json={"run_slug": slug, "format": "json", "filter_keys": []},
            headers={"api-key": key},
        )
        download = reply.json()["data"]["download_url"]
        # Export links are pre-signed: no key on the download.
        return json.loads(session.get(download).content)


def read_export_floor(url: str, key: str, slug: str) -> pd.DataFrame:
    """One JSON export download parsed into pd.DataFrame: the floor."""
    return pd.DataFrame(_export_rows(url, key, slug))


def build_like_results_df(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows through FrameBuilder in page-sized slices, as results_df feeds it."""
    from coreclaw_pandas.frames import FrameBuilder

    builder = FrameBuilder()
    for start in range(0, len(rows), PAGE_SIZE):
        builder.add_rows(rows[start : start + PAGE_SIZE])
    return builder.build()


def read_export_with_builder(url: str, key: str, slug: str) -> pd.DataFrame:
    """The export's rows through FrameBuilder (flattening and dtypes, like results_df)."""
    return build_like_results_df(_export_rows(url, key, slug))


def pypi_client_problem() -> str | None:
    """Why the PyPI client side cannot run, or None when it can."""
    if importlib.util.find_spec("coreclaw") is None:
        return (
            f"{PYPI_CLIENT} is not installed (pip install -r benchmarks/requirements.txt); "
            "side (b) skipped."
        )
    import coreclaw

    version = getattr(coreclaw, "__version__", "?")
    if version != "1.0.1":
        return f"the installed coreclaw client is {version}, not 1.0.1; side (b) skipped."
    return None


def _sampler(
    measurement: Measurement,
    read: Callable[[], pd.DataFrame],
    rows: int,
    before: Callable[[], None] | None = None,
) -> Callable[[], float]:
    def sample() -> float:
        if before is not None:
            before()
        seconds, frame = timed(read)
        if len(frame) != rows:
            raise RuntimeError(f"{measurement.name} read {len(frame)} rows, expected {rows}")
        measurement.info["shape"] = list(frame.shape)
        return seconds

    return sample


def _compare_builds(ctx: Context, result: CaseResult, url: str, key: str) -> None:
    """Time FrameBuilder against pd.DataFrame on the same rows, fetched beforehand."""
    rows = min(ctx.sizes.rows, BUILD_ROWS)
    fetched = _export_rows(url, key, ctx.catalogue(rows))
    builder = result.add(f"build only: FrameBuilder, {rows:,} rows")
    plain = result.add(f"build only: pd.DataFrame, {rows:,} rows")
    interleave(
        ctx.repeat,
        [
            (builder, _sampler(builder, lambda: build_like_results_df(fetched), rows)),
            (plain, _sampler(plain, lambda: pd.DataFrame(fetched), rows)),
        ],
    )


def _judge(result: CaseResult, at: str, rows: int) -> float:
    """Add the targets and notes; returns the pages/s results_df consumed at 0 ms."""

    def median(prefix: str) -> float:
        found = next((m for m in result.measurements if m.name.startswith(prefix)), None)
        return found.median if found and found.samples else float("nan")

    ours, ours_0 = median(f"results_df {at}"), median("results_df @ 0 ms")
    hand, pypi = median(f"(a) hand loop {at}"), median("(b) ")
    floor, lever = median("(c) export floor"), median("results_df (page_concurrency=")
    result.targets.append(
        Target(f"(a) hand loop / results_df {at}", hand / ours, ">=", TARGET_VS_LOOPS)
    )
    if pypi == pypi:  # NaN when the client was not installed
        result.targets.append(
            Target(f"(b) PyPI client / results_df {at}", pypi / ours, ">=", TARGET_VS_LOOPS)
        )
    result.targets += [
        Target(f"results_df / (c) export floor {at}", ours / floor, "<=", TARGET_VS_FLOOR),
        Target("results_df / (a) hand loop @ 0 ms", ours_0 / median("(a) hand loop @ 0"), "<=", 1),
    ]
    if lever == lever:
        result.notes.append(
            f"with page_concurrency={LEVER_CONCURRENCY}: {hand / lever:.1f}x the hand loop, "
            f"{lever / floor:.2f}x the export floor {at}"
        )
    built, plain = median("build only: FrameBuilder"), median("build only: pd.DataFrame")
    result.notes.append(
        f"building the frame alone: FrameBuilder {built:.2f} s, pd.DataFrame {plain:.2f} s "
        "(flattening, dtype inference over every row and Arrow columns cost the difference)"
    )
    pages = -(-rows // PAGE_SIZE)
    result.notes.append(
        f"results_df consumed {pages / ours_0:,.0f} pages/s at 0 ms ({pages:,} pages of "
        f"{PAGE_SIZE})"
    )
    return pages / ours_0


def run(ctx: Context) -> CaseResult:
    """Measure every side at ``ctx.latency_ms``, then results_df and the loop at 0 ms."""
    import coreclaw_pandas as cc

    rows = ctx.sizes.rows
    latency = ctx.latency_ms
    with cc.Client(base_url="http://127.0.0.1") as probe:
        default_concurrency = probe.page_concurrency
    result = CaseResult(
        NAME,
        "results to DataFrame: results_df against a hand loop, the PyPI client and an export",
        {
            "rows": rows,
            "latency_ms": latency,
            "page_size": PAGE_SIZE,
            "page_concurrency": default_concurrency,
            "repeat": ctx.repeat,
        },
    )
    slug = ctx.catalogue(rows)
    emu = ctx.emulator()
    url, key = emu.url, emu.api_key
    at = f"@ {latency:g} ms"

    def side(
        name: str, read: Callable[..., pd.DataFrame], at_ms: float, **options: Any
    ) -> tuple[Measurement, Callable[[], float]]:
        def before() -> None:
            if emu.latency_ms != at_ms:
                emu.set_latency(at_ms)

        measurement = result.add(name)
        return measurement, _sampler(
            measurement, lambda: read(url, key, slug, **options), rows, before
        )

    sides = [side(f"results_df {at}", read_with_results_df, latency)]
    if LEVER_CONCURRENCY != default_concurrency:
        sides.append(
            side(
                f"results_df (page_concurrency={LEVER_CONCURRENCY}) {at}",
                read_with_results_df,
                latency,
                page_concurrency=LEVER_CONCURRENCY,
            )
        )
    sides += [
        side(f"(c) export floor {at}", read_export_floor, latency),
        side(f"(d) export + FrameBuilder {at}", read_export_with_builder, latency),
        side("results_df @ 0 ms", read_with_results_df, 0),
        side("(a) hand loop @ 0 ms", read_with_hand_loop, 0),
    ]
    interleave(ctx.repeat, sides)
    _compare_builds(ctx, result, url, key)

    # The loops take minutes at full latency; sampled apart so --full can run them once.
    slow = [side(f"(a) hand loop {at}", read_with_hand_loop, latency)]
    problem = pypi_client_problem()
    if problem:
        result.skipped.append(problem)
    else:
        slow.append(side(f"(b) {PYPI_CLIENT} {at}", read_with_pypi_client, latency))
    interleave(ctx.slow_repeat, slow)
    emu.set_latency(0)
    ctx.shared["results_df_pages_per_s"] = _judge(result, at, rows)
    return result
