"""Command line: ``coreclaw-pandas demo`` (or ``python -m coreclaw_pandas demo``).

``coreclaw-pandas emulator`` starts the local server (the same as
``python -m coreclaw_pandas.emulator``); ``run``, ``results``, ``runs``, ``tasks``,
``export`` and ``collect`` are the verbs for scripts (:mod:`coreclaw_pandas.cli`, docs/cli.md).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

_USAGE = """usage: coreclaw-pandas COMMAND [options]

commands:
  demo       run a Worker end to end on the embedded emulator (--real: on CoreClaw)
  emulator   start the local CoreClaw API emulator
  run        start a Worker run (--wait, --out results.parquet|.xlsx|.csv)
  results    write or print a run's rows
  runs       the run history
  tasks      saved tasks and their schedules (API v2)
  export     download the platform's own export of a run
  collect    run a Worker and add its rows to a collection (new/changed counts)

Run 'coreclaw-pandas COMMAND --help' for a command's options."""
_CLI_VERBS = ("run", "results", "runs", "tasks", "export", "collect")


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a sub-command; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "demo":
        from .demo import main as demo_main

        return demo_main(rest)
    if command == "emulator":
        from .emulator.__main__ import main as emulator_main

        return emulator_main(rest, prog="coreclaw-pandas emulator") or 0
    if command in _CLI_VERBS:
        from .cli import main as cli_main

        return cli_main(args)
    print(
        f"coreclaw-pandas: unknown command {command!r} (see 'coreclaw-pandas --help')",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
