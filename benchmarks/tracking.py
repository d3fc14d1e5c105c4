"""Case 7: scrapes over time: ``diff``, ``Collection.update`` and ``quality`` at size.

Each figure is measured in a fresh child process (``python -m benchmarks.tracking
--child WHAT ROWS``) on frames built there, 30 columns (10 float, 10 integer, 10
text), so its peak RSS (VmHWM) is its own:

* ``diff`` of two ROWS-row frames that differ in 1% of rows, 1% removed and 1%
  added; peak RSS above the start (before the frames were built) over the two
  frames' ``memory_usage(deep=True)``;
* ``Collection.update`` of ROWS/10 rows (half known keys, a tenth of them changed;
  half new)
  into a ROWS-row collection;
* ``quality`` of a ROWS-row frame.

Targets (the issue's, at 1,000,000 rows): diff under 10 s with peak <= 3x the two
frames, update under 5 s, quality under 5 s. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from ._harness import CaseResult, Context, Target, child_output, run_child, status_mb

NAME = "tracking"
WHATS = ("diff", "update", "quality")


def frame(rows: int, *, seed: int, start: int = 0):  # noqa: ANN201 (pandas loads in the child)
    """A rows x 30 frame with a unique ``id``; ``seed`` picks the values."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    words = np.array([f"word {i} of the pool" for i in range(10_000)], dtype=object)
    data = {"id": pd.array([f"P{i:09d}" for i in range(start, start + rows)], dtype="str")}
    for n in range(10):
        data[f"f{n}"] = rng.random(rows) * 100
    for n in range(10):
        data[f"i{n}"] = rng.integers(0, 1_000_000, rows)
    for n in range(9):
        data[f"s{n}"] = pd.array(words[rng.integers(0, len(words), rows)], dtype="str")
    return pd.DataFrame(data)


def _changed(old, share: float, *, seed: int):  # noqa: ANN001, ANN202
    """``old`` with ``share`` of rows changed (a float and a text), as much removed and added."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = len(old)
    k = max(1, int(rows * share))
    new = old.iloc[k:].reset_index(drop=True).copy()
    at = rng.choice(len(new), size=k, replace=False)
    new.loc[at, "f0"] = new.loc[at, "f0"] + 1.0
    new.loc[at, "s0"] = "changed"
    return pd.concat([new, frame(k, seed=seed + 1, start=rows)], ignore_index=True)


def child(what: str, rows: int) -> None:
    """In a fresh process: build the frames, time one operation, print the figures."""
    import pandas as pd

    import coreclaw_pandas as cc
    from coreclaw_pandas.tracking import quality

    before = status_mb("VmRSS")
    old = frame(rows, seed=1)
    out: dict[str, float | int | str] = {"what": what, "rows": rows, "rss_before_mb": before}
    if what == "diff":
        new = _changed(old, 0.01, seed=2)
        out["frames_mb"] = (old.memory_usage(deep=True).sum()
                            + new.memory_usage(deep=True).sum()) / 2**20
        started = time.perf_counter()
        d = cc.diff(old, new, key="id")
        counts = d.counts()
        out["seconds"] = time.perf_counter() - started
        out["changed_cells"] = len(d.changed)
        out.update({f"n_{k}": v for k, v in counts.items()})
    elif what == "update":
        with tempfile.TemporaryDirectory() as folder:
            store = cc.Collection(Path(folder) / "bench", key="id")
            store.update(old)
            known = old.sample(n=rows // 20, random_state=3).reset_index(drop=True)
            known.loc[: len(known) // 10, "f0"] += 1.0  # a tenth of the known keys changed
            incoming = pd.concat([known, frame(rows // 20, seed=4, start=rows)],
                                 ignore_index=True)
            started = time.perf_counter()
            store.update(incoming)
            out["seconds"] = time.perf_counter() - started
            report = store.last_update
            assert report is not None
            out.update(added=report.added, changed=report.changed, total=report.total)
    else:
        started = time.perf_counter()
        quality(old, key="id")
        out["seconds"] = time.perf_counter() - started
    child_output(out)


def run(ctx: Context) -> CaseResult:
    """Sample each operation in fresh processes."""
    rows = ctx.sizes.memory_rows
    result = CaseResult(NAME, "scrapes over time: diff, Collection.update, quality",
                        {"rows": rows, "columns": 30, "repeat": ctx.repeat})
    seconds = {what: result.add(f"{what} seconds", "s") for what in WHATS}
    ratio = result.add("diff peak RSS above start / two frames", "x")
    for _ in range(ctx.repeat):
        for what in WHATS:
            done = run_child("benchmarks.tracking", "--child", what, str(rows))
            seconds[what].samples.append(done.data["seconds"])
            if what == "diff":
                above = done.peak_rss_mb - done.data["rss_before_mb"]
                ratio.samples.append(above / done.data["frames_mb"])
                ratio.info.update(frames_mb=round(done.data["frames_mb"]),
                                  peak_rss_mb=round(done.peak_rss_mb))
            seconds[what].info.update({k: v for k, v in done.data.items()
                                       if k not in ("seconds", "what", "rss_before_mb")})
    result.targets += [
        Target("diff seconds", seconds["diff"].median, "<=", 10.0, "s"),
        Target("diff peak above start / frames", ratio.median, "<=", 3.0),
        Target(f"update of {rows // 10:,} rows seconds", seconds["update"].median, "<=", 5.0,
               "s"),
        Target("quality seconds", seconds["quality"].median, "<=", 5.0, "s"),
    ]
    if rows != 1_000_000:
        result.notes.append(f"targets are for 1,000,000 rows; this mode measures {rows:,}")
    return result


def main(argv: list[str] | None = None) -> None:
    """Child entry point: ``python -m benchmarks.tracking --child WHAT ROWS``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tracking")
    parser.add_argument("--child", choices=WHATS, required=True)
    parser.add_argument("rows", type=int)
    args = parser.parse_args(argv)
    child(args.child, args.rows)


if __name__ == "__main__":
    main(sys.argv[1:])
