"""Case 2: peak memory of ``results_df`` against the frame it returns.

Each sample is a fresh child process (``python -m benchmarks.memory --child ...``)
that imports the libraries, notes its RSS, reads the stored catalogue run with
``results_df`` from the emulator process, and reports the frame's
``memory_usage(deep=True)``. Its peak RSS is its own high-water mark (VmHWM,
see ``_harness``), so nothing the parent holds counts. The emulator runs at 0 ms
here: latency changes how long pages wait, not how many are held (at most
``2 x page_concurrency`` are in flight).

Reported: peak RSS over the frame, as is and above the RSS before the call
(interpreter, pandas, pyarrow: about 150 MB that any pandas session has). The
hand loop (every row dict kept, then ``pd.DataFrame``) is measured alike, for
comparison.
"""

from __future__ import annotations

import argparse
import sys

from ._harness import (
    CaseResult,
    Context,
    Target,
    child_output,
    run_child,
    status_mb,
)

NAME = "memory"
#: Issue 19: results_df peaks at most 1.5x the final frame (it was 3x before).
TARGET = 1.5
READERS = ("results_df", "hand_loop")


def child(reader: str, url: str, key: str, slug: str) -> None:
    """In a fresh process: read the run with ``reader`` and print the figures as JSON."""
    import pandas as pd  # noqa: F401  (its import cost belongs to the baseline)

    import coreclaw_pandas  # noqa: F401

    from .results_df import read_with_hand_loop, read_with_results_df

    before = status_mb("VmRSS")
    read = read_with_results_df if reader == "results_df" else read_with_hand_loop
    frame = read(url, key, slug)
    child_output(
        {
            "reader": reader,
            "rows": len(frame),
            "columns": frame.shape[1],
            "rss_before_mb": before,
            "frame_mb": int(frame.memory_usage(deep=True).sum()) / 2**20,
        }
    )


def run(ctx: Context) -> CaseResult:
    """Sample each reader's peak RSS in fresh processes."""
    rows = ctx.sizes.memory_rows
    result = CaseResult(
        NAME,
        "peak RSS of results_df against the final frame's memory_usage(deep=True)",
        {"rows": rows, "latency_ms": 0, "repeat": ctx.repeat},
    )
    slug = ctx.catalogue(rows)
    emu = ctx.emulator()
    emu.set_latency(0)
    series = {
        reader: (
            result.add(f"{reader} peak RSS", "MB"),
            result.add(f"{reader} peak RSS above start", "MB"),
        )
        for reader in READERS
    }
    frame = result.add("results_df frame memory_usage(deep=True)", "MB")
    hand_frame = result.add("hand_loop frame memory_usage(deep=True)", "MB")
    for _ in range(ctx.repeat):
        for reader in READERS:
            done = run_child("benchmarks.memory", "--child", reader, emu.url, emu.api_key, slug)
            if done.data["rows"] != rows:
                raise RuntimeError(f"{reader} read {done.data['rows']} rows, expected {rows}")
            peak, above = series[reader]
            peak.samples.append(done.peak_rss_mb)
            above.samples.append(done.peak_rss_mb - done.data["rss_before_mb"])
            (frame if reader == "results_df" else hand_frame).samples.append(done.data["frame_mb"])
            peak.info.update(columns=done.data["columns"], seconds=round(done.seconds, 1))
    peak, above = series["results_df"]
    result.targets += [
        Target(
            "results_df peak RSS above start / frame", above.median / frame.median, "<=", TARGET
        ),
        Target(
            "results_df peak RSS (whole process) / frame", peak.median / frame.median, "<=", TARGET
        ),
    ]
    hand_peak, hand_above = series["hand_loop"]
    result.notes.append(
        f"hand loop: peak RSS above start {hand_above.median:,.0f} MB = "
        f"{hand_above.median / hand_frame.median:.1f}x its own (unflattened, object) frame, "
        f"{hand_above.median / above.median:.1f}x what results_df needs"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    """Child entry point: ``python -m benchmarks.memory --child READER URL KEY SLUG``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--child", choices=READERS, required=True)
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("slug")
    args = parser.parse_args(argv)
    child(args.child, args.url, args.key, args.slug)


if __name__ == "__main__":
    main(sys.argv[1:])
