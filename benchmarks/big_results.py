"""Case: big results (issue 19): the fast path against today's results_df and the export.

Sides, interleaved within each repetition against one stored catalogue run on the
emulator process, each at 0 ms and at ``--latency-ms``:

* ``results_df``: ``cc.results_df(slug, cache=False)``: pages parsed into Arrow in
  batches, pages in flight following the round trip.
* ``today (general path)``: the implementation before issue 19, kept runnable as the
  baseline: every page through ``requests`` and ``json``, rows into a ``FrameBuilder``
  (``Client.iter_result_pages``, 8 pages in flight), with the cyclic GC running.
* ``export -> Arrow``: one JSON-lines export (API v2) downloaded and parsed by pyarrow's
  JSON reader, then ``to_pandas``: the floor an export-based read would have (no
  flattening to the builder's columns, no dtype inference, no completeness check).

Ratios are taken within this one run; the targets are the issue's: results_df at least
5x today at 0 ms and 8x at the latency, within 1.5x of the export path, and 100,000
rows at 0 ms in 0.7 s or less.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import requests

from ._harness import CaseResult, Context, Measurement, Target, interleave, timed

NAME = "big_results"
TARGET_VS_TODAY_0 = 5.0
TARGET_VS_TODAY_LATENCY = 8.0
TARGET_VS_EXPORT = 1.5
TARGET_100K_SECONDS = 0.7


def read_with_results_df(url: str, key: str, slug: str) -> pd.DataFrame:
    """``cc.results_df`` with a fresh client, no cache and no progress bar."""
    import coreclaw_pandas as cc

    with cc.Client(key, base_url=url) as client:
        return cc.results_df(slug, client=client, cache=False, progress=False)


def read_like_today(url: str, key: str, slug: str) -> pd.DataFrame:
    """results_df as it was before issue 19: dict pages into a FrameBuilder."""
    import coreclaw_pandas as cc
    from coreclaw_pandas.frames import FrameBuilder

    with cc.Client(key, base_url=url) as client:
        builder = FrameBuilder()
        for page in client.iter_result_pages(slug):
            if page.headers:
                builder.set_headers(page.headers)
            builder.add_rows(page.rows)
        return builder.build()


def read_export_into_arrow(url: str, key: str, slug: str) -> pd.DataFrame:
    """One JSON-lines export (v2), downloaded and parsed into Arrow, then to pandas."""
    import pyarrow.json as pj

    with requests.Session() as session:
        reply = session.get(
            f"{url}/api/v2/worker-runs/{slug}/result/export",
            params={"format": "jsonl"},
            headers={"Authorization": f"Bearer {key}"},
        )
        download = reply.json()["data"]
        link = download.get("download_url") if isinstance(download, dict) else download
        body = session.get(link).content  # pre-signed: no key on the download
    table = pj.read_json(io.BytesIO(body), read_options=pj.ReadOptions(block_size=1 << 22))
    return table.to_pandas()


def _side(
    result: CaseResult, emu: Any, name: str, read: Callable[..., pd.DataFrame], slug: str,
    rows: int, latency: float,
) -> tuple[Measurement, Callable[[], float]]:  # fmt: skip
    measurement = result.add(name)

    def sample() -> float:
        if emu.latency_ms != latency:
            emu.set_latency(latency)
        seconds, frame = timed(lambda: read(emu.url, emu.api_key, slug))
        if len(frame) != rows:
            raise RuntimeError(f"{name} read {len(frame)} rows, expected {rows}")
        measurement.info["shape"] = list(frame.shape)
        return seconds

    return measurement, sample


def run(ctx: Context) -> CaseResult:
    """Each side at 0 ms and at ``ctx.latency_ms``, then results_df at 100,000 rows."""
    rows = ctx.sizes.memory_rows if ctx.mode in ("standard", "full") else ctx.sizes.rows
    latency = ctx.latency_ms
    result = CaseResult(
        NAME,
        "big results: the Arrow fast path against today's results_df and the export",
        {"rows": rows, "latency_ms": latency, "repeat": ctx.repeat},
    )
    emu = ctx.emulator()
    slug = ctx.catalogue(rows)
    sides = []
    for at in sorted({0.0, latency}):
        for name, read in (
            ("results_df", read_with_results_df),
            ("today (general path)", read_like_today),
            ("export -> Arrow", read_export_into_arrow),
        ):
            sides.append(_side(result, emu, f"{name} @ {at:g} ms", read, slug, rows, at))
    interleave(ctx.repeat, sides)
    small = min(rows, 100_000)
    small_slug = ctx.catalogue(small)
    sides = [_side(result, emu, f"results_df {small:,} rows @ 0 ms", read_with_results_df,
                   small_slug, small, 0.0)]  # fmt: skip
    interleave(ctx.repeat, sides)
    emu.set_latency(0)
    _judge(result, latency, small)
    return result


def _judge(result: CaseResult, latency: float, small: int) -> None:
    def median(name: str) -> float:
        found = result.get(name)
        return found.median if found and found.samples else float("nan")

    for at, target in ((0.0, TARGET_VS_TODAY_0), (latency, TARGET_VS_TODAY_LATENCY)):
        ours = median(f"results_df @ {at:g} ms")
        today = median(f"today (general path) @ {at:g} ms")
        export = median(f"export -> Arrow @ {at:g} ms")
        result.targets.append(Target(f"today / results_df @ {at:g} ms", today / ours, ">=", target))
        result.targets.append(
            Target(f"results_df / export -> Arrow @ {at:g} ms", ours / export, "<=",
                   TARGET_VS_EXPORT)
        )  # fmt: skip
        if latency == 0:
            break
    result.targets.append(
        Target(f"results_df {small:,} rows @ 0 ms", median(f"results_df {small:,} rows @ 0 ms"),
               "<=", TARGET_100K_SECONDS, " s")
    )  # fmt: skip
