"""Case: where the export beats the pages (issue 19), for ``results_df(source="export")``.

For finished catalogue runs of several sizes, at 0 ms and at ``--latency-ms``, sides
interleaved within each repetition:

* ``pages``: ``cc.results_df(slug)``: every page, parsed into Arrow (API v1, the default);
* ``export (v1, JSON)``: ``cc.results_df(slug, source="export")`` on API v1, whose export
  is one JSON array read with ``json``;
* ``export (v2, JSON lines)``: the same on API v2, whose JSON-lines export is parsed into
  Arrow.

Each export side checks that the export was really used (its frame has no row ids; a
fallback to pages would have them). The crossover is the smallest size at which an
export side is faster than the pages; the target line says whether the export wins at
the largest size at the latency, which is what an automatic choice of source would
rely on. Runs past 100,000 rows are stored as repeated rows with their own ids
(``RemoteEmulator.store_cycled_catalogue``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ._harness import CaseResult, Context, Measurement, Target, interleave, timed

NAME = "crossover"
ID = "__coreclaw_data_id__"
#: Run sizes per mode; the 1,000,000-row size once per side (``repeat`` 1).
SIZES = {
    "smoke": (2_000,),
    "quick": (10_000, 100_000),
    "standard": (10_000, 100_000, 1_000_000),
    "full": (10_000, 100_000, 1_000_000),
}
SIDES = {
    "pages": ("v1", "pages"),
    "export (v1, JSON)": ("v1", "export"),
    "export (v2, JSON lines)": ("v2", "export"),
}


def _read(url: str, key: str, slug: str, version: str, source: str) -> pd.DataFrame:
    import coreclaw_pandas as cc

    with cc.Client(key, base_url=url, api_version=version) as client:
        return cc.results_df(slug, client=client, cache=False, progress=False, source=source)


def _side(
    result: CaseResult, emu: Any, name: str, slug: str, rows: int, latency: float
) -> tuple[Measurement, Callable[[], float]]:
    version, source = SIDES[name]
    measurement = result.add(f"{name}, {rows:,} rows @ {latency:g} ms")

    def sample() -> float:
        if emu.latency_ms != latency:
            emu.set_latency(latency)
        seconds, frame = timed(lambda: _read(emu.url, emu.api_key, slug, version, source))
        if len(frame) != rows:
            raise RuntimeError(f"{name} read {len(frame)} rows, expected {rows}")
        # An export frame has no row ids; pages always do.
        from_export = bool(frame[ID].isna().all())
        if from_export != (source == "export"):
            raise RuntimeError(f"{name}: source={source!r} but the frame came from the other")
        measurement.info["shape"] = list(frame.shape)
        return seconds

    return measurement, sample


def run(ctx: Context) -> CaseResult:
    """Every side at every size, at 0 ms and at ``ctx.latency_ms``."""
    sizes = SIZES[ctx.mode]
    latencies = sorted({0.0, ctx.latency_ms})
    result = CaseResult(
        NAME,
        'results_df: pages against source="export", by run size and latency',
        {"sizes": list(sizes), "latencies_ms": latencies, "repeat": ctx.repeat},
    )
    emu = ctx.emulator()
    for rows in sizes:
        slug = emu.store_cycled_catalogue(rows)
        sides = [
            _side(result, emu, name, slug, rows, latency) for latency in latencies for name in SIDES
        ]
        interleave(1 if rows >= 1_000_000 else ctx.repeat, sides)
    emu.set_latency(0)
    for latency in latencies:
        for name in [name for name in SIDES if name != "pages"]:
            won = [
                rows
                for rows in sizes
                if _median(result, f"{name}, {rows:,} rows @ {latency:g} ms")
                < _median(result, f"pages, {rows:,} rows @ {latency:g} ms")
            ]
            where = f"at {', '.join(f'{r:,}' for r in won)} rows" if won else "at no size"
            result.notes.append(f"{name} beats pages @ {latency:g} ms {where}")
    largest, at = sizes[-1], latencies[-1]
    pages = _median(result, f"pages, {largest:,} rows @ {at:g} ms")
    exports = [name for name in SIDES if name != "pages"]
    best = min(_median(result, f"{name}, {largest:,} rows @ {at:g} ms") for name in exports)
    result.targets.append(
        Target(f"pages / fastest export, {largest:,} rows @ {at:g} ms", pages / best, ">=", 1.0)
    )
    return result


def _median(result: CaseResult, name: str) -> float:
    found = result.get(name)
    return found.median if found else float("nan")
