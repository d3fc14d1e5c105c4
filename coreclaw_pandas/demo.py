"""``coreclaw-pandas demo``: the whole lifecycle in one command.

Starts the embedded emulator (or, with ``--real``, uses the platform named by
CORECLAW_API_KEY / CORECLAW_BASE_URL), searches the store, shows a Worker's
input fields, runs it with a progress bar, prints the DataFrame and writes
results.xlsx and results.csv to the current folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pandas as pd

from . import _config, api
from .client import Client
from .exceptions import CoreClawError, InputError
from .models import ID_COLUMN

if TYPE_CHECKING:
    from .accessor import CoreClawAccessor
    from .schema import InputSchema

DEMO_SEARCH = "web page"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coreclaw-pandas demo",
        description="Run a CoreClaw Worker end to end and write its rows to Excel and CSV.",
    )
    parser.add_argument(
        "--real",
        action="store_true",
        help=f"use the real platform ({_config.ENV_API_KEY} must be set) instead of the emulator",
    )
    parser.add_argument(
        "--worker", help="scraper_slug to run (default: the store's web page scraper)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--input", help="the Worker's input as JSON (default: its defaults)")
    source.add_argument(
        "--input-file", help="a file holding the input as JSON (easier to quote on Windows)"
    )
    parser.add_argument("--max-pages", type=int, default=25, help="pages to crawl on the demo site")
    parser.add_argument("--out", default=".", help="folder for results.xlsx and results.csv")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser


@contextlib.contextmanager
def _platform(real: bool) -> Iterator[tuple[Client, str | None]]:
    if real:
        if not os.environ.get(_config.ENV_API_KEY):
            raise SystemExit(
                f"--real needs {_config.ENV_API_KEY} (and optionally {_config.ENV_BASE_URL}) "
                "to be set."
            )
        yield Client(), None
        return
    from .emulator import Emulator

    with Emulator() as emu:
        print(f"Started the local CoreClaw emulator at {emu.url}")
        yield Client(emu.api_key, base_url=emu.url), f"{emu.url}/demo-site/index.html"


def field_lines(schema: InputSchema) -> list[str]:
    """One line per input field, in columns as wide as the longest name and type.

    Example:
        >>> field_lines(worker.input_schema)[0]
        '  * startURLs  array    Start URLs (default [{"url": "https://example.com/"}])'
    """
    fields = list(schema)
    name_width = max((len(f.name) for f in fields), default=0)
    kind_width = max((len(f.kind) for f in fields), default=0)
    lines = []
    for field in fields:
        mark = "*" if field.required else " "
        default = "" if not field.has_default else f" (default {json.dumps(field.default)[:50]})"
        lines.append(
            f"  {mark} {field.name:<{name_width}}  {field.kind:<{kind_width}}  "
            f"{field.title}{default}"
        )
    return lines


def _read_input(args: argparse.Namespace) -> dict:
    text, where = args.input, "--input"
    if args.input_file:
        where = args.input_file
        try:
            text = Path(args.input_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError([f"cannot read the input file {where!r}: {exc.strerror}"]) from None
    if not text:
        return {}
    try:
        custom = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [
                f"{where} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                'write it like {"rows": 100}'
            ]
        ) from None
    if not isinstance(custom, dict):
        raise InputError(
            [f"{where} must be a JSON object of input fields, got {type(custom).__name__}"]
        )
    return custom


def run_demo(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    args = _parser().parse_args(argv)
    progress = False if args.no_progress else None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    custom = _read_input(args)  # before anything starts: a typo costs nothing
    with _platform(args.real) as (client, demo_site):
        found = api.search_workers(DEMO_SEARCH, limit=5, client=client)
        print(
            f"\nStore search for {DEMO_SEARCH!r}:\n{found.to_string(index=False, max_colwidth=60)}"
        )
        slug = args.worker or (found["slug"].iloc[0] if len(found) else None)
        if not slug:
            print("No Worker found; pass --worker SLUG.", file=sys.stderr)
            return 1
        worker = client.worker(slug)
        print(f"\nWorker {slug} {worker.version}; input fields:")
        print("\n".join(field_lines(worker.input_schema)))
        if demo_site and not custom and "startURLs" in worker.input_schema.names:
            custom = {"startURLs": [{"url": demo_site}], "max_pages": args.max_pages}
        print(f"\nRunning {slug} with {json.dumps(custom)[:200]} ...")
        started = time.monotonic()
        run = api.run_worker(slug, custom, client=client, progress=progress)
        df = api.results_df(run, client=client, progress=progress, cache=False)
        elapsed = time.monotonic() - started
        preview = df.drop(columns=ID_COLUMN, errors="ignore")
        with pd.option_context(
            "display.max_columns", 6, "display.width", 110, "display.max_colwidth", 45
        ):
            print(f"\n{preview.head(8)}")
        print(
            f"\nRun {run.slug}: {run.status.label}, {len(df)} rows x {df.shape[1]} columns, "
            f"{elapsed:.1f} s, usage ${run.usage:.4f}"
        )
        # The cast: pandas-stubs read an unknown attribute as a column, not as the accessor.
        accessor = cast("CoreClawAccessor", df.coreclaw)
        xlsx = accessor.to_excel(out / "results.xlsx", progress=progress)
        csv = accessor.to_csv(out / "results.csv", progress=progress)
        print(f"Wrote {xlsx.resolve()}\nWrote {csv.resolve()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point that turns library errors into a one-line message and exit code 1."""
    try:
        return run_demo(argv)
    except CoreClawError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
