"""The verbs of the command line: run, results, runs, tasks, export, collect.

Each takes the parsed arguments and a :class:`~coreclaw_pandas.client.Client` and
returns an exit code (see :mod:`.parser`); errors are raised and turned into exit codes
there. Starting a run goes through the client's start path, which sends it once.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .. import api
from ..client import Client
from ..exceptions import InputError
from ..models import Run
from ..tracking import Collection
from .output import check_out, emit, frame_records, progress, run_fields, write_frame

__all__ = ["EXIT_OK", "EXIT_RUN_FAILED", "collect", "export", "results", "run", "runs", "tasks"]

EXIT_OK = 0
#: The run ended Failed (or did not end within --timeout).
EXIT_RUN_FAILED = 1


def _input(args: argparse.Namespace) -> dict[str, Any]:
    """The Worker input from ``--input JSON`` or ``--input-file F`` (an object)."""
    if args.input_file:
        try:
            text = Path(args.input_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError([f"--input-file {args.input_file!r}: {exc.strerror}"]) from None
        where = f"--input-file {args.input_file!r}"
    else:
        text, where = args.input or "{}", "--input"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([f"{where} is not JSON: {exc.msg} at line {exc.lineno}"]) from None
    if not isinstance(data, dict):
        raise InputError([f"{where} must be a JSON object of the Worker's fields"])
    return data


def _status_line(run: Run) -> None:
    progress(f"run {run.slug}: {run.status.label}, {run.results} rows")


def run(args: argparse.Namespace, client: Client) -> int:
    """``run SLUG``: start a run; with ``--wait``, follow it and maybe write its rows."""
    custom = _input(args)
    if args.out and not args.wait:
        raise InputError(["--out needs --wait: the rows exist once the run has ended"])
    if args.out:
        check_out(args.out)
    started = client.start_run(args.slug, custom, version=args.version)
    progress(f"started run {started.slug} of {args.slug}")
    if not args.wait:
        emit(run_fields(started), as_json=args.json, text=started.slug)
        return EXIT_OK
    final = client.wait(started.slug, timeout=args.timeout, on_update=_status_line)
    fields = run_fields(final)
    if final.succeeded and args.out:
        df = api.results_df(final, client=client, progress=False, strict=True)
        fields["out"] = str(write_frame(df, args.out))
        progress(f"wrote {len(df)} rows to {fields['out']}")
    text = f"{final.slug} {final.status.label} {final.results} rows"
    emit(fields, as_json=args.json, text=text + (f": {final.err_msg}" if final.err_msg else ""))
    return EXIT_OK if final.succeeded else EXIT_RUN_FAILED


def results(args: argparse.Namespace, client: Client) -> int:
    """``results RUN``: the rows to ``--out`` (by suffix), or to stdout as CSV / JSON."""
    if args.out:
        check_out(args.out)
    df = api.results_df(args.run, client=client, progress=False, strict=True, max_rows=args.limit)
    if args.out:
        path = write_frame(df, args.out)
        progress(f"wrote {len(df)} rows to {path}")
        emit({"run_slug": args.run, "rows": len(df), "out": str(path)}, as_json=args.json, text="")
    elif args.json:
        emit(frame_records(df), as_json=True)
    else:
        print(df.to_csv(index=False), end="")
    return EXIT_OK


def runs(args: argparse.Namespace, client: Client) -> int:
    """``runs``: the run history, newest first."""
    df = api.runs_df(
        scraper_slug=args.worker,
        status=args.status,
        since=args.since,
        limit=args.limit,
        client=client,
    )
    shown = ["run_slug", "status", "scraper_title", "results", "started_at", "finished_at"]
    shown = [name for name in shown if name in df.columns]
    emit(
        frame_records(df),
        as_json=args.json,
        text=df[shown].to_string(index=False) if len(df) else "no runs",
    )
    return EXIT_OK


def tasks(args: argparse.Namespace, client: Client) -> int:
    """``tasks``: saved tasks with their schedules (API v2)."""
    df = api.tasks_df(args.worker, client=client)
    text = df.to_string(index=False) if len(df) else "no saved tasks"
    emit(frame_records(df), as_json=args.json, text=text)
    return EXIT_OK


def export(args: argparse.Namespace, client: Client) -> int:
    """``export RUN --format F --out F``: the platform's own export, downloaded."""
    path = api.export(args.run, args.out, format=args.format, progress=False, client=client)
    progress(f"wrote the platform's {args.format} export of {args.run} to {path}")
    emit(
        {"run_slug": args.run, "format": args.format, "out": str(path)}, as_json=args.json, text=""
    )
    return EXIT_OK


def collect(args: argparse.Namespace, client: Client) -> int:
    """``collect SLUG --into NAME``: run, wait, add the rows to a collection, print the counts.

    For cron: the collection is checked (its key) before the run starts, so a wrong
    ``--key`` costs nothing; a failed run leaves the collection as it was.
    """
    custom = _input(args)
    store = Collection(args.into, key=args.key or None, client=client)
    started = client.start_run(args.slug, custom, version=args.version)
    progress(f"started run {started.slug} of {args.slug}")
    final = client.wait(started.slug, timeout=args.timeout, on_update=_status_line)
    fields = run_fields(final)
    if not final.succeeded:
        emit(fields, as_json=args.json, text=f"{final.slug} {final.status.label}: {final.err_msg}")
        return EXIT_RUN_FAILED
    store.update(final)
    report = store.last_update
    assert report is not None  # update() always leaves its report
    fields.update(
        into=str(store.path), added=report.added, changed=report.changed,
        unchanged=report.unchanged, no_key=report.no_key, total=report.total,
    )  # fmt: skip
    emit(fields, as_json=args.json, text=f"{final.slug}: {report}")
    return EXIT_OK
