"""``python -m benchmarks``: run the benchmark cases, print their tables, write JSON.

Modes (sizes in ``_harness.MODES``): the default measures at the issue's sizes
(100,000 rows for results_df); ``--full`` reads 1,000,000 rows; ``--quick`` is a
few minutes; ``--smoke`` runs everything at toy sizes, once, at 0 ms, for the
test suite. No number is asserted: targets print as met or MISSED.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from . import (
    batches,
    big_results,
    big_scale,
    crossover,
    emulator,
    excel,
    imports,
    live,
    memory,
    polling,
    results_df,
    tracking,
)
from ._harness import (
    ROOT,
    CaseResult,
    Context,
    format_case,
    format_summary,
    machine,
    write_json,
)

#: Every case by its ``--cases`` name, in the issue's order.
CASES: dict[str, Callable[[Context], CaseResult]] = {
    results_df.NAME: results_df.run,
    memory.NAME: memory.run,
    excel.NAME: excel.run,
    polling.NAME: polling.run,
    imports.NAME: imports.run,
    emulator.NAME: emulator.run,
    tracking.NAME: tracking.run,
    batches.NAME: batches.run,
    live.NAME: live.run,
    big_results.NAME: big_results.run,
    big_scale.NAME: big_scale.run,
    crossover.NAME: crossover.run,
}
DEFAULT_LATENCY_MS = 50.0
RESULTS_DIR = ROOT / "benchmarks" / "results"


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m benchmarks``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").splitlines()[0]
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes: a few minutes")
    size.add_argument("--full", action="store_true", help="1,000,000 rows for results_df")
    size.add_argument(
        "--smoke", action="store_true", help="toy sizes, one repeat, 0 ms (for the tests)"
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=None,
        help=f"per-request latency injected by the emulator ({DEFAULT_LATENCY_MS:g}; smoke: 0)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="samples per side (mode's)")
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        help=f"comma-separated cases to run (default: all of {', '.join(CASES)})",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help=f"results file (default: {RESULTS_DIR}/...)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen cases; returns the exit status (0 even when targets are missed)."""
    args = build_parser().parse_args(argv)
    mode = (
        "smoke" if args.smoke else "quick" if args.quick else "full" if args.full else ("standard")
    )
    names = [name.strip() for name in args.cases.split(",") if name.strip()]
    unknown = [name for name in names if name not in CASES]
    if unknown:
        print(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}", file=sys.stderr)
        return 2
    latency = (
        args.latency_ms
        if args.latency_ms is not None
        else (0.0 if mode == "smoke" else DEFAULT_LATENCY_MS)
    )
    ctx = Context(mode, latency_ms=latency, repeat=1 if mode == "smoke" else args.repeat)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.json or RESULTS_DIR / f"{mode}-{stamp}.json"
    info = machine()
    print(
        f"benchmarks: mode={mode} latency={latency:g} ms repeat={ctx.repeat} "
        f"({info['cpus']} cpus, Python {info['python']}, pandas {info['pandas']})",
        flush=True,
    )
    results: list[CaseResult] = []
    started = time.perf_counter()
    try:
        for name in names:
            case_started = time.perf_counter()
            result = CASES[name](ctx)
            result.params["case_seconds"] = round(time.perf_counter() - case_started, 1)
            results.append(result)
            print("\n" + format_case(result), flush=True)
    finally:
        ctx.close()
    print("\n" + format_summary(results))
    payload = {
        **info,
        "mode": mode,
        "latency_ms": latency,
        "repeat": ctx.repeat,
        "seconds": round(time.perf_counter() - started, 1),
        "cases": {result.name: result.as_dict() for result in results},
    }
    print(f"\nwrote {write_json(path, payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
