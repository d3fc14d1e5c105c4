"""Peak memory and speed of FrameBuilder on catalogue-like result rows.

Simulates a results fetch: each page arrives as JSON text (as the HTTP body
would), is decoded, fed to ``FrameBuilder.add_rows`` and dropped; then
``build()`` makes the frame. Rows look like a shop catalogue: ~15 top-level
keys, ragged (keys missing at random), nested dicts, lists, unicode, ISO dates,
numbers sent as text.

Each measurement runs in a fresh process so peak RSS (``ru_maxrss``) belongs to
that run alone. Prints:

* the final frame's ``memory_usage(deep=True)``;
* peak RSS over the whole fetch + build, absolute and above the process's RSS
  just before the fetch (imports, interpreter), and both as a ratio of the frame;
* add_rows and build throughput in rows/s.

Optionally (``--naive``) the same for the obvious approach (keep every row dict,
then ``pd.json_normalize``), for comparison.

Usage:
    python benchmarks/frames_memory.py                 # 1,000,000 rows
    python benchmarks/frames_memory.py --rows 200000 --naive
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# Run from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PAGE_SIZE = 1000
WORDS = (
    "mug kettle lamp chair desk cable phone case charger shelf rug pillow towel café "
    "crème naïve 東京 Ürün señal plate bowl glass knife fork spoon blanket mirror clock"
).split()
CATEGORIES = ("Home", "Kitchen", "Électronique", "Garden", "Toys", "Books", "Sport")
CURRENCIES = ("USD", "EUR", "GBP", "JPY")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


def _peak_rss_bytes() -> int:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _row(rng: random.Random, index: int) -> dict[str, Any]:
    title = " ".join(rng.choices(WORDS, k=rng.randint(3, 7))).capitalize()
    price = round(rng.uniform(1, 500), 2)
    row: dict[str, Any] = {
        "__coreclaw_data_id__": f"{rng.getrandbits(256):064x}",
        "title": title,
        "url": f"https://shop.example/p/{index}/{title.split()[0].lower()}",
        "price": price if rng.random() > 0.05 else int(price),
        "price_text": f"{price:.2f}",
        "currency": rng.choice(CURRENCIES),
        "rating": round(rng.uniform(1, 5), 1),
        "review_count": rng.randint(0, 20000),
        "in_stock": rng.random() > 0.3,
        "category": rng.choice(CATEGORIES),
        "scraped_at": f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T1{rng.randint(0, 9)}:"
        f"{rng.randint(10, 59)}:{rng.randint(10, 59)}Z",
        "seller": {
            "name": rng.choice(WORDS).title() + " Ltd",
            "id": rng.randint(1, 10**6),
            "geo": {"country": rng.choice(("US", "DE", "JP", "FR"))},
        },
        "images": [f"https://img.example/{index}/{n}.jpg" for n in range(rng.randint(0, 3))],
        "tags": rng.sample(WORDS, k=rng.randint(0, 3)),
        "brand": rng.choice(WORDS).title(),
    }
    # Ragged rows: optional keys go missing, some values are null.
    for key in ("brand", "rating", "in_stock", "tags"):
        if rng.random() < 0.15:
            del row[key]
    if rng.random() < 0.05:
        row["seller"] = None
    if rng.random() < 0.02:
        row["promo"] = {"code": rng.choice(WORDS).upper(), "percent": rng.randint(5, 50)}
    return row


def _pages(rows: int, seed: int = 7) -> Any:
    """Yield page bodies as JSON bytes, like the HTTP layer receives them."""
    rng = random.Random(seed)
    for start in range(0, rows, PAGE_SIZE):
        page = [_row(rng, index) for index in range(start, min(rows, start + PAGE_SIZE))]
        yield json.dumps({"count": rows, "list": page}).encode()


def _measure(mode: str, rows: int) -> dict[str, Any]:
    import pandas as pd

    from coreclaw_pandas.frames import FrameBuilder

    # Warm up the code paths (and their imports) so the baseline includes them.
    warm = FrameBuilder()
    warm.add_rows(json.loads(next(_pages(10)))["list"])
    warm.build()
    del warm

    baseline = _rss_bytes()
    decode_seconds = fetch_seconds = 0.0
    kept: list[dict[str, Any]] = []
    builder = FrameBuilder()
    for body in _pages(rows):
        started = time.perf_counter()
        page = json.loads(body)["list"]
        decode_seconds += time.perf_counter() - started
        started = time.perf_counter()
        if mode == "builder":
            builder.add_rows(page)
        else:
            kept.extend(page)
        fetch_seconds += time.perf_counter() - started
        del page, body
    fetched_peak = _peak_rss_bytes()
    started = time.perf_counter()
    if mode == "builder":
        df = builder.build()
    else:
        df = pd.json_normalize(kept)
        del kept
    build_seconds = time.perf_counter() - started
    peak = _peak_rss_bytes()
    frame = int(df.memory_usage(deep=True).sum())
    return {
        "mode": mode,
        "rows": len(df),
        "columns": df.shape[1],
        "frame_mb": frame / 2**20,
        "baseline_mb": baseline / 2**20,
        "peak_mb": peak / 2**20,
        "fetch_peak_mb": fetched_peak / 2**20,
        "peak_over_frame": peak / frame,
        "added_peak_over_frame": (peak - baseline) / frame,
        "add_rows_per_s": rows / fetch_seconds if fetch_seconds else float("inf"),
        "build_rows_per_s": rows / build_seconds if build_seconds else float("inf"),
        "json_decode_s": decode_seconds,
        "add_rows_s": fetch_seconds,
        "build_s": build_seconds,
        "dtypes": df.dtypes.astype(str).value_counts().to_dict(),
    }


def _report(result: dict[str, Any]) -> None:
    print(f"\n== {result['mode']}: {result['rows']:,} rows x {result['columns']} columns")
    print(f"  final frame memory_usage(deep=True): {result['frame_mb']:8.1f} MB")
    print(f"  RSS before fetch (interpreter+libs): {result['baseline_mb']:8.1f} MB")
    print(f"  peak RSS during fetch+build:         {result['peak_mb']:8.1f} MB")
    print(f"  peak RSS by the end of the fetch:    {result['fetch_peak_mb']:8.1f} MB")
    print(f"  peak RSS / frame:                    {result['peak_over_frame']:8.2f} x")
    print(f"  (peak RSS - baseline) / frame:       {result['added_peak_over_frame']:8.2f} x")
    print(f"  json decode (not ours):              {result['json_decode_s']:8.2f} s")
    print(f"  add_rows: {result['add_rows_s']:6.2f} s = {result['add_rows_per_s']:>12,.0f} rows/s")
    print(f"  build:    {result['build_s']:6.2f} s = {result['build_rows_per_s']:>12,.0f} rows/s")
    print(f"  dtypes: {result['dtypes']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive", action="store_true", help="also measure json_normalize")
    parser.add_argument("--mode", choices=("builder", "naive"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(_measure(args.mode, args.rows)))
        return
    for mode in ("builder", "naive") if args.naive else ("builder",):
        child = subprocess.run(
            [sys.executable, __file__, "--mode", mode, "--rows", str(args.rows)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        _report(json.loads(child.stdout))


if __name__ == "__main__":
    main()
