"""The command line's parser and exit codes: ``coreclaw-pandas VERB ...``.

Exit codes, for scripts and cron jobs:

* 0: done.
* 1: the run failed (or was still going when ``--timeout`` ran out).
* 2: a usage error: a bad flag, bad input, or a missing setting; one line on stderr.
* 3: an API error: the platform refused, or could not be reached.

The API key and URL come from the environment (``CORECLAW_API_KEY``,
``CORECLAW_BASE_URL``, ``CORECLAW_API_VERSION``), never from a flag, so they do not
show in the process list or the shell history.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ..client import Client
from ..exceptions import (
    ConfigurationError,
    CoreClawError,
    InputError,
    RunFailedError,
    RunTimeoutError,
)
from ..tracking import TrackingError
from . import commands
from .output import OUT_SUFFIXES

__all__ = ["EXIT_API_ERROR", "EXIT_USAGE", "VERBS", "main"]

EXIT_USAGE = 2
EXIT_API_ERROR = 3
PROG = "coreclaw-pandas"
Verb = Callable[[argparse.Namespace, Client], int]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description="CoreClaw Workers from scripts.")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output on stdout")

    run = verbs.add_parser("run", parents=[common], help="start a Worker run")
    run.add_argument("slug", help="the Worker: owner/name or its id")
    given = run.add_mutually_exclusive_group()
    given.add_argument("--input", help="the Worker's input as a JSON object")
    given.add_argument("--input-file", help="a file holding the input as a JSON object")
    run.add_argument("--version", help="pin a Worker version")
    run.add_argument("--wait", action="store_true", help="follow the run to its end")
    run.add_argument("--timeout", type=float, help="seconds --wait waits at most")
    run.add_argument("--out", help=f"write the rows ({', '.join(OUT_SUFFIXES)}); needs --wait")

    results = verbs.add_parser("results", parents=[common], help="a run's rows")
    results.add_argument("run", help="the run's slug")
    results.add_argument("--out", help=f"write the rows ({', '.join(OUT_SUFFIXES)})")
    results.add_argument("--limit", type=int, help="at most this many rows")

    runs = verbs.add_parser("runs", parents=[common], help="the run history, newest first")
    runs.add_argument("--worker", help="only runs of this Worker")
    runs.add_argument("--since", help="only runs started since this date (UTC), 2026-09-01")
    runs.add_argument("--status", help="only runs with this status (succeeded, failed...)")
    runs.add_argument("--limit", type=int, default=100, help="at most this many runs (100)")

    tasks = verbs.add_parser("tasks", parents=[common], help="saved tasks (API v2)")
    tasks.add_argument("--worker", help="only tasks of this Worker")

    export = verbs.add_parser("export", parents=[common], help="the platform's own export")
    export.add_argument("run", help="the run's slug")
    export.add_argument("--format", required=True, help="csv, json, jsonl, xlsx, ... (v2)")
    export.add_argument("--out", required=True, help="the file to write")

    collect = verbs.add_parser(
        "collect", parents=[common], help="run a Worker and add its rows to a collection"
    )
    collect.add_argument("slug", help="the Worker: owner/name or its id")
    given = collect.add_mutually_exclusive_group()
    given.add_argument("--input", help="the Worker's input as a JSON object")
    given.add_argument("--input-file", help="a file holding the input as a JSON object")
    collect.add_argument("--into", required=True, help="the collection: a name or a folder path")
    collect.add_argument(
        "--key", action="append", help="a key column (repeat for several); default: the Worker's"
    )
    collect.add_argument("--version", help="pin a Worker version")
    collect.add_argument("--timeout", type=float, help="seconds to wait for the run at most")
    return parser


#: The verbs and what runs them.
VERBS: dict[str, Verb] = {
    "run": commands.run,
    "results": commands.results,
    "runs": commands.runs,
    "tasks": commands.tasks,
    "export": commands.export,
    "collect": commands.collect,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; returns the exit code (see the module)."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    where = f"{PROG} {args.verb}"
    try:
        with Client() as client:
            return VERBS[args.verb](args, client)
    except TrackingError as exc:  # a collection's key or name: the caller's to fix
        print(f"{where}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"{where}: {'; '.join(exc.problems)}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigurationError as exc:
        print(f"{where}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (RunFailedError, RunTimeoutError) as exc:
        print(f"{where}: {_one_line(exc)}", file=sys.stderr)
        return commands.EXIT_RUN_FAILED
    except CoreClawError as exc:
        print(f"{where}: {exc}", file=sys.stderr)
        return EXIT_API_ERROR
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (`| head`) left: stop writing, and let the exit not write either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1  # what the Python docs advise for a closed pipe


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
