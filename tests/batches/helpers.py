"""An emulator in its own process, and what the batch tests count on its side.

The batch figures (runs in flight, refused starts, runs started) are counted by the
emulator, not by the client under test: its request log (``--verbose``) and its run
history and run logs, read over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import coreclaw_pandas as cc

ROOT = Path(__file__).resolve().parents[2]
SLOW = "coreclaw/slow-worker"
WEB = "coreclaw/web-page-scraper"
CATALOGUE = "coreclaw/catalogue-generator"
#: The paths of a run start in each API version, as the request log writes them.
START_LINE = re.compile(r'"POST (/api/v1/scraper/run|/api/v2/workers/[^/ ]+/runs)[^"]*" (\d{3})')
#: A client that polls and backs off quickly, for tests.
FAST_POLL = cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25)


def env() -> dict[str, str]:
    """The environment for a child process that imports this checkout."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


class EmulatorProcess:
    """``python -m coreclaw_pandas.emulator`` in a child process, logging every request.

    Args:
        *flags: Extra command-line flags (``--max-concurrent-runs 3``...).
    """

    def __init__(self, *flags: str) -> None:
        self.api_key = "batch-test-key-0123456789"
        self._log = tempfile.NamedTemporaryFile(prefix="emulator-", suffix=".log", delete=False)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "coreclaw_pandas.emulator", "--port", "0", "--verbose",
             "--api-key", self.api_key, *flags],
            stdout=subprocess.PIPE, stderr=self._log, text=True, env=env(), cwd=ROOT,
        )  # fmt: skip
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        match = re.search(r"serving at (\S+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = match.group(1)

    def client(self, api_version: str = "v1") -> cc.Client:
        """A client of this emulator."""
        return cc.Client(
            self.api_key, base_url=self.url, api_version=api_version, poll=FAST_POLL,
            backoff_factor=0.01,
        )  # fmt: skip

    def start_statuses(self) -> list[int]:
        """The HTTP status of every run start the emulator answered, in order."""
        text = Path(self._log.name).read_text(encoding="utf-8", errors="replace")
        return [int(m.group(2)) for m in START_LINE.finditer(text)]

    def stop(self) -> None:
        """Stop the process and remove its log."""
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout:
            self._proc.stdout.close()
        self._log.close()
        os.unlink(self._log.name)


def all_runs(client: cc.Client) -> list[cc.Run]:
    """Every run in the emulator's history."""
    return list(client.iter_runs())


def max_overlap(client: cc.Client, runs: list[cc.Run]) -> int:
    """The most runs executing at once, from each run's first and last log line (ms).

    A run's log opens when the emulator starts it and closes when it ends, so these
    spans sit inside the runs' lives as the emulator saw them.
    """
    events = []
    for run in runs:
        stamps = [e.timestamp for e in client.log(run.slug).entries if e.timestamp]
        events += [(min(stamps), 1), (max(stamps), -1)]
    # At the same instant an end comes before a start: the slot was free again.
    events.sort(key=lambda item: (item[0], item[1]))
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


def wait_for(predicate, *, limit: float = 60.0, every: float = 0.05) -> None:
    """Wait until ``predicate()`` is true (a bound for a stuck test, not a timed assert)."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never became true")
        time.sleep(every)
