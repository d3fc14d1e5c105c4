"""Case 3: the safe Excel export against ``df.to_excel(engine="openpyxl")``.

Each sample is a fresh child process (``python -m benchmarks.excel --child ...``)
that builds the same deterministic mixed frame (20 columns: ints, long IDs,
floats with gaps, bools, short and long text, URLs, formula-like text, control
characters, aware and naive datetimes, a categorical, lists and dicts) and then
times the export alone. Peak memory is the child's peak RSS during the export,
the frame included: the kernel's peak mark (VmHWM) is reset once the frame is
built, so building it does not count (where ``/proc/self/clear_refs`` is
unavailable, the whole child's peak is used, frame building included).

pandas cannot write three of these columns at all (timezone-aware datetimes
raise; openpyxl rejects lists, dicts and control characters), so its child first
makes them naive / ``str()`` / strips them, outside the timed section. The safe
exporter takes the frame as it is.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from ._harness import (
    CaseResult,
    Context,
    Target,
    child_output,
    reset_peak_rss,
    run_child,
    status_mb,
)

NAME = "excel"
WRITERS = ("pandas_openpyxl", "coreclaw_safe")
TARGET_SPEED = 2.0
TARGET_MEMORY = 1 / 3
#: Files up to this many rows are read back, as a cheap check that they open.
READ_BACK_ROWS = 20_000


def build_frame(rows: int) -> Any:
    """The issue's 200,000 x 20 mixed frame (any row count), deterministic."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(42)
    ids = np.arange(rows)
    words = np.array(["lamp", "chair", "desk", "sofa", "rug", "shelf", "mirror", "vase"])
    title = [f"{words[i % 8].title()} model {i} — {words[(i * 7) % 8]} edition" for i in ids]
    description = [
        f"A {words[i % 8]} made of oak & steel. Ships in {i % 9 + 1} days. " * 3 for i in ids
    ]
    brand = np.where(ids % 50 == 0, '=HYPERLINK("http://example.invalid")', "Acme")
    brand = np.where(ids % 37 == 0, "-discounted", brand)
    notes = [
        None if i % 3 else f"note {i}\x07 checked" if i % 11 == 0 else f"note {i}" for i in ids
    ]
    price = rng.uniform(1, 500, rows).round(2)
    price[ids % 13 == 0] = np.nan
    start = pd.Timestamp("2024-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "id": ids,
            "product_id": rng.integers(10**17, 10**18, rows),
            "price": price,
            "rating": rng.uniform(0, 5, rows).round(1),
            "reviews": rng.integers(0, 10_000, rows),
            "in_stock": ids % 4 != 0,
            "title": title,
            "description": description,
            "url": [f"https://shop.example.invalid/p/{i}?ref=list&page={i // 20}" for i in ids],
            "image": [f"https://img.example.invalid/{i}.jpg" for i in ids],
            "category": pd.Categorical(words[ids % 8]),
            "seller": [f"Seller {i % 997}" for i in ids],
            "sku": [f"SKU-{i:08d}" for i in ids],
            "currency": "EUR",
            "brand": brand,
            "fetched_at": start + pd.to_timedelta(ids, unit="s"),
            "published": pd.Timestamp("2023-06-01") + pd.to_timedelta(ids * 60, unit="s"),
            "tags": [[words[i % 8], words[(i + 3) % 8]] for i in ids],
            "specs": [
                {"w": int(i % 90), "h": int(i % 40), "color": str(words[i % 8])} for i in ids
            ],
            "notes": notes,
        }
    )


def child(writer: str, rows: int, out_dir: Path) -> None:
    """In a fresh process: build the frame, export it once with ``writer``, print figures."""
    import pandas as pd

    import coreclaw_pandas  # noqa: F401  (registers df.coreclaw)

    df = build_frame(rows)
    path = out_dir / f"{writer}.xlsx"
    if writer == "pandas_openpyxl":
        df["fetched_at"] = df["fetched_at"].dt.tz_localize(None)
        for name in ("tags", "specs"):
            df[name] = df[name].map(str)
        df["notes"] = df["notes"].str.replace("\x07", "", regex=False)
        import openpyxl  # noqa: F401  (its import is not export time)

        def export() -> None:
            df.to_excel(path, engine="openpyxl", index=False)
    else:

        def export() -> None:
            df.coreclaw.to_excel(path, progress=False)

    gc.collect()
    rss_before = status_mb("VmRSS")
    clean = reset_peak_rss()
    started = time.perf_counter()
    with warnings.catch_warnings():
        # The safe writer warns about what it changed (formulas, control characters).
        warnings.simplefilter("ignore")
        export()
    seconds = time.perf_counter() - started
    read_back = None
    if rows <= READ_BACK_ROWS:
        read_back = len(pd.read_excel(path, usecols=[0], engine="openpyxl"))
    child_output(
        {
            "writer": writer,
            "rows": rows,
            "seconds": seconds,
            "export_peak_mb": status_mb("VmHWM") if clean else None,
            "rss_before_mb": rss_before,
            "file_mb": path.stat().st_size / 2**20,
            "rows_read_back": read_back,
        }
    )


def run(ctx: Context) -> CaseResult:
    """Sample both writers in fresh processes, interleaved."""
    rows = ctx.sizes.excel_rows
    result = CaseResult(
        NAME,
        "Excel export of a mixed frame: the safe exporter against df.to_excel(openpyxl)",
        {"rows": rows, "columns": 20, "repeat": ctx.repeat},
    )
    times = {w: result.add(f"{w} export time") for w in WRITERS}
    peaks = {w: result.add(f"{w} peak RSS during export", "MB") for w in WRITERS}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(ctx.repeat):
            for writer in WRITERS:
                done = run_child("benchmarks.excel", "--child", writer, str(rows), tmp)
                data = done.data
                if data["rows_read_back"] not in (None, rows):
                    raise RuntimeError(f"{writer} wrote {data['rows_read_back']} of {rows} rows")
                times[writer].samples.append(data["seconds"])
                peaks[writer].samples.append(data["export_peak_mb"] or done.peak_rss_mb)
                peaks[writer].info.update(
                    frame_rss_mb=round(data["rss_before_mb"]), file_mb=round(data["file_mb"], 1)
                )
    base, safe = "pandas_openpyxl", "coreclaw_safe"
    result.targets += [
        Target(
            "openpyxl time / safe time", times[base].median / times[safe].median, ">=", TARGET_SPEED
        ),
        Target(
            "safe peak RSS / openpyxl peak RSS",
            peaks[safe].median / peaks[base].median,
            "<=",
            round(TARGET_MEMORY, 3),
        ),
    ]
    frame = peaks[safe].info["frame_rss_mb"]
    result.notes.append(
        f"RSS with the frame built, before exporting: about {frame} MB; above it the safe "
        f"exporter peaked at {peaks[safe].median - frame:,.0f} MB, openpyxl at "
        f"{peaks[base].median - peaks[base].info['frame_rss_mb']:,.0f} MB"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    """Child entry point: ``python -m benchmarks.excel --child WRITER ROWS OUT_DIR``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.excel")
    parser.add_argument("--child", choices=WRITERS, required=True)
    parser.add_argument("rows", type=int)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    child(args.child, args.rows, args.out_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
