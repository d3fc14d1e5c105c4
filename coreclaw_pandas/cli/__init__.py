"""The command line for scripts and cron jobs: ``coreclaw-pandas run|results|runs|tasks|export``.

Exit codes: 0 ok, 1 the run failed, 2 usage error, 3 API error. ``--json`` prints
machine-readable output on stdout; progress goes to stderr. See docs/cli.md.
"""

from .parser import main

__all__ = ["main"]
