"""Benchmark: coreclaw_pandas' safe Excel export against pandas' own openpyxl export.

Usage:
    python benchmarks/excel_export.py [--rows N] [--quick] [--json PATH]

Each writer runs in a fresh subprocess that builds the same mixed frame
(20 columns: ints, long IDs, floats with gaps, bools, short and long text,
URLs, formula-like text, control characters, aware and naive datetimes,
lists and dicts), then times the export alone. Peak memory is the child's
peak RSS during the export, the frame included: the kernel's peak mark
(VmHWM) is reset once the frame is built, so the frame building's own
transient peak does not count (where /proc/self/clear_refs is unavailable,
the whole process's ``getrusage`` peak is used). The increase over the RSS
right after building the frame is reported too.

pandas cannot write three of these columns at all (timezone-aware datetimes
raise, openpyxl rejects lists, dicts and control characters), so its child
first makes them naive / ``str()`` / strips them, outside the timed section.

Targets from the issue: safe export at least 2x faster than
``df.to_excel(path, engine="openpyxl")`` with at most a third of its peak memory.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROWS = 200_000
QUICK_ROWS = 20_000
WRITERS = ("pandas_openpyxl", "coreclaw_safe")


def build_frame(rows: int):
    """The 200,000 x 20 mixed frame of the issue (any row count), deterministic."""
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


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM), so the peak seen is the export's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(writer: str, rows: int, out_dir: Path) -> dict:
    """Build the frame, export it once with ``writer``, report time and memory."""
    import pandas as pd

    df = build_frame(rows)
    path = out_dir / f"{writer}.xlsx"
    if writer == "pandas_openpyxl":
        df["fetched_at"] = df["fetched_at"].dt.tz_localize(None)
        for name in ("tags", "specs"):
            df[name] = df[name].map(str)
        df["notes"] = df["notes"].str.replace("\x07", "", regex=False)
        import openpyxl  # noqa: F401  (import cost is not export cost)

        run = lambda: df.to_excel(path, engine="openpyxl", index=False)  # noqa: E731
    else:
        from coreclaw_pandas.writers import to_excel

        run = lambda: to_excel(df, path, progress=False)  # noqa: E731
    gc.collect()
    # Building the frame has its own transient peak; measure from here on only.
    rss_before = _status_mb("VmRSS")
    clean = _reset_peak()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run()
    seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    if not clean:  # no clear_refs: the whole process's peak, frame building included
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    # A cheap sanity check that the file opens, on quick runs only.
    check = pd.read_excel(path, usecols=[0], engine="openpyxl") if rows <= QUICK_ROWS else None
    return {
        "writer": writer,
        "rows": rows,
        "seconds": round(seconds, 2),
        "peak_mb": round(peak, 1),
        "frame_mb": round(rss_before, 1),
        "extra_mb": round(peak - rss_before, 1),
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "rows_read_back": None if check is None else len(check),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help=f"rows (default {DEFAULT_ROWS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, a smoke run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per writer, interleaved; the fastest counts (shared machines)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=WRITERS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)

    if args.child:
        print(json.dumps(child(args.child, rows, args.out)))
        return

    results: dict[str, dict] = {}
    env = None
    if importlib.util.find_spec("coreclaw_pandas") is None:  # run from a checkout
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(max(1, args.repeat)):
            for writer in WRITERS:
                cmd = [sys.executable, __file__, "--child", writer, "--rows", str(rows),
                       "--out", tmp]
                done = subprocess.run(cmd, capture_output=True, text=True, env=env)
                if done.returncode:
                    sys.exit(f"{writer} failed:\n{done.stderr}")
                result = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"{writer:>16}: {json.dumps(result)}", flush=True)
                if writer not in results or result["seconds"] < results[writer]["seconds"]:
                    results[writer] = result

    base, safe = results["pandas_openpyxl"], results["coreclaw_safe"]
    speed = base["seconds"] / safe["seconds"]
    memory = base["peak_mb"] / safe["peak_mb"]
    extra = base["extra_mb"] / max(safe["extra_mb"], 1.0)
    print(f"\n{rows:,} rows x 20 columns")
    print(
        f"time:        pandas+openpyxl {base['seconds']:.1f} s, safe {safe['seconds']:.1f} s "
        f"-> {speed:.2f}x faster (target >= 2x)"
    )
    print(
        f"peak RSS:    pandas+openpyxl {base['peak_mb']:.0f} MB, safe {safe['peak_mb']:.0f} MB "
        f"-> {memory:.2f}x less (target >= 3x)"
    )
    print(
        f"over frame:  pandas+openpyxl {base['extra_mb']:.0f} MB, safe {safe['extra_mb']:.0f} MB "
        f"-> {extra:.2f}x less"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "rows": rows,
                    "results": results,
                    "speed_ratio": speed,
                    "memory_ratio": memory,
                    "extra_memory_ratio": extra,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
