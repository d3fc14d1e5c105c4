"""Command line: ``python -m coreclaw_pandas.emulator [options]``.

Prints the base URL and the API key to use (a random one unless ``--api-key``
is given), then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .control import Emulator


def build_parser(prog: str = "python -m coreclaw_pandas.emulator") -> argparse.ArgumentParser:
    """Return the argument parser of the emulator command, named ``prog`` in its usage."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a local emulation of the CoreClaw REST API (v1 and v2).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port; 0 picks a free one (8787)")
    parser.add_argument(
        "--api-key", default=None, help="key clients must send (a random one, printed at start)"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay per API request")
    parser.add_argument(
        "--max-page-size",
        type=int,
        default=100,
        help="largest page_size accepted by list endpoints (100)",
    )
    parser.add_argument("--balance", default="100", help="starting balance in USD (100)")
    parser.add_argument(
        "--rate-limit", type=float, default=None, help="requests per second per key (unlimited)"
    )
    parser.add_argument(
        "--run-speed",
        type=float,
        default=1.0,
        help="multiplier on Worker sleeps: 10 makes slow Workers 10x faster",
    )
    parser.add_argument(
        "--count-lag",
        type=float,
        default=0.0,
        help="seconds a run's row count trails the rows served, as in production (0)",
    )
    parser.add_argument(
        "--sync-wait-cap",
        type=float,
        default=300.0,
        help="seconds a synchronous start waits for its run (300)",
    )
    parser.add_argument(
        "--abort-delay",
        type=float,
        default=0.5,
        help="seconds a run stays Aborting (5) before it ends as Failed",
    )
    parser.add_argument(
        "--export-ttl",
        type=float,
        default=1800.0,
        help="seconds an export download URL stays valid (1800)",
    )
    parser.add_argument(
        "--max-concurrent-runs",
        type=int,
        default=None,
        help="executing runs the plan allows; starts beyond it get 30003 (unlimited)",
    )
    parser.add_argument(
        "--v2-offset-mode",
        choices=("page", "row"),
        default="page",
        help="how v2 reads `offset`: a 1-based page number (page) or a row offset (row)",
    )
    parser.add_argument(
        "--v2-log-format",
        choices=("objects", "strings"),
        default="objects",
        help="v2 log entries as objects (objects) or plain strings (strings)",
    )
    parser.add_argument(
        "--month-utc-offset-hours",
        type=float,
        default=8.0,
        help="zone of the platform's calendar for v2 run-list months (8: Beijing, as production)",
    )
    parser.add_argument(
        "--v2-detail-err-msg",
        action="store_true",
        help="put err_msg in v2 run detail, as the spec does (production leaves it out)",
    )
    parser.add_argument(
        "--abort-hold",
        action="store_true",
        help="keep aborted runs Aborting for good, as production may (ignores --abort-delay)",
    )
    parser.add_argument(
        "--v1-empty-search-lists",
        action="store_true",
        help="answer a v1 store search with no words with the whole store (production: 4000)",
    )
    parser.add_argument(
        "--allow-private-networks",
        action="store_true",
        help="let the web page scraper fetch private, loopback and link-local addresses",
    )
    parser.add_argument(
        "--v1-error-status",
        choices=("spec", "200"),
        default="spec",
        help="HTTP status of v1 business errors: the spec's 4xx/5xx (spec) or always 200 (200)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Run the emulator until interrupted; returns the exit status.

    ``prog`` is the command name shown in ``--help`` (``coreclaw-pandas emulator``
    when started through the package's own command).
    """
    args = (build_parser(prog) if prog else build_parser()).parse_args(argv)
    emulator = Emulator(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        balance=args.balance,
        verbose=args.verbose,
        latency_ms=args.latency_ms,
        max_page_size=args.max_page_size,
        rate_limit=args.rate_limit,
        run_speed=args.run_speed,
        count_lag=args.count_lag,
        sync_wait_cap=args.sync_wait_cap,
        abort_delay=args.abort_delay,
        export_ttl=args.export_ttl,
        max_concurrent_runs=args.max_concurrent_runs,
        v2_offset_mode=args.v2_offset_mode,
        v2_log_format=args.v2_log_format,
        month_utc_offset_hours=args.month_utc_offset_hours,
        v2_detail_err_msg=args.v2_detail_err_msg,
        abort_hold=args.abort_hold,
        v1_empty_search_lists=args.v1_empty_search_lists,
        allow_private_networks=args.allow_private_networks,
        v1_error_status=args.v1_error_status,
    )
    emulator.start()
    # Ctrl-C may come as soon as the address is printed (a script that read it), so the
    # whole serving part, the prints included, is inside the handler.
    try:
        print(f"CoreClaw emulator serving at {emulator.url}", flush=True)
        print(f"API key: {emulator.api_key}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
