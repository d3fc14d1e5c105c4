"""The emulator in its own process, standing in for the internet.

A remote platform costs the client no CPU time; an emulator in the client's own
process would, and on a GIL it would slow every client alike. So the benchmarks
talk to an emulator in a child process, whose knobs they turn over a pipe: the
child reads one command per line on stdin (``latency <ms>``, ``grow <slug> <rows>``,
``quit``) and answers ``ok`` once it is applied.

Run by :class:`RemoteEmulator`; ``python -m benchmarks._server`` is the child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
#: Enough for tens of millions of catalogue rows: a benchmark never runs out of money.
BALANCE = "10000000"
CATALOGUE = "coreclaw/catalogue-generator"


class RemoteEmulator:
    """An emulator in a child process, with its per-request latency adjustable.

    Args:
        latency_ms: Delay the emulator adds to every API request.

    Example:
        >>> with RemoteEmulator(latency_ms=50) as emu:      # doctest: +SKIP
        ...     slug = emu.store_catalogue(1000)
    """

    def __init__(self, *, latency_ms: float = 0.0) -> None:
        self.latency_ms = latency_ms
        self.api_key = KEY
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> RemoteEmulator:
        """Start the child and wait for its URL."""
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
            ),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._server", str(self.latency_ms)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self._process.stdout.readline().strip() if self._process.stdout else ""
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the emulator process did not start (said {line!r})")
        self.url = line
        return self

    def stop(self) -> None:
        """Ask the child to quit, and make sure it does."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.write("quit\n")
                process.stdin.flush()
            process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()

    def __enter__(self) -> RemoteEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        """The child's process id."""
        if self._process is None:
            raise RuntimeError("the emulator process is not running")
        return self._process.pid

    def set_latency(self, latency_ms: float) -> None:
        """Change the per-request latency; returns once the child applied it."""
        self._command(f"latency {latency_ms}")
        self.latency_ms = latency_ms

    def _command(self, line: str) -> None:
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise RuntimeError("the emulator process is not running")
        process.stdin.write(line + "\n")
        process.stdin.flush()
        answer = process.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"the emulator process refused {line!r}: {answer!r}")

    def client(self, **options: Any) -> Any:
        """A coreclaw_pandas ``Client`` on this emulator (``options`` go to ``Client``)."""
        import coreclaw_pandas as cc

        return cc.Client(self.api_key, base_url=self.url, **options)

    def store_catalogue(self, rows: int, **custom: Any) -> str:
        """Run the catalogue generator to the end and return its run_slug.

        The latency is set to 0 while it runs (the run itself is not measured).
        """
        import coreclaw_pandas as cc

        latency = self.latency_ms
        self.set_latency(0)
        poll = cc.PollPolicy(initial=0.1, factor=1.5, maximum=1.0)
        with self.client(poll=poll) as c:
            run = cc.run_worker(CATALOGUE, {"rows": rows, **custom}, client=c, progress=False)
        self.set_latency(latency)
        if run.results != rows:
            raise RuntimeError(f"the catalogue run stored {run.results} rows, not {rows}")
        return run.slug

    def store_cycled_catalogue(self, rows: int, *, base_rows: int = 100_000) -> str:
        """A finished run of ``rows`` rows: a stored catalogue run, its rows repeated.

        The catalogue Worker stops at 5,000,000 rows, and ten million stored rows would
        hold about 10 GB in the emulator. Here row ``i`` is stored row ``i % base_rows``
        with its own row id, made when its page is served (see :class:`CycledRows`).
        """
        slug = self.store_catalogue(min(rows, base_rows))
        if rows > base_rows:
            self._command(f"grow {slug} {rows}")
        return slug


class CycledRows(Sequence[bytes]):
    """``rows`` rows made on demand from ``base`` (a finished run's stored rows).

    Row ``i`` is ``base[i % len(base)]`` with the id the emulator would give row ``i``
    (stored rows start with the 64-hex id, see the emulator's ``exports``), so the
    client sees as many distinct ids as rows.
    """

    _ID_START = len('{"__coreclaw_data_id__":"')

    def __init__(self, slug: str, base: list[bytes], rows: int) -> None:
        self._slug, self._base, self._rows = slug, base, rows

    def __len__(self) -> int:
        return self._rows

    def _row(self, index: int) -> bytes:
        from coreclaw_pandas.emulator.backend.ids import data_id

        row = self._base[index % len(self._base)]
        start = self._ID_START
        return row[:start] + data_id(self._slug, index).encode() + row[start + 64 :]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(self._rows))]
        if index < 0:
            index += self._rows
        if not 0 <= index < self._rows:
            raise IndexError(index)
        return self._row(index)


def _grow(emu: Any, slug: str, rows: int) -> None:
    # Benchmarks only: the emulator offers no way to store a run past its Worker's cap.
    state = emu._app.state
    with state.lock:
        run = state.runs[slug]
        run.rows = CycledRows(slug, list(run.rows), rows)
        run.counted = rows


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux ``/proc``); NaN elsewhere."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _serve(latency_ms: float) -> None:
    from coreclaw_pandas.emulator import Emulator

    with Emulator(api_key=KEY, balance=BALANCE, latency_ms=latency_ms) as emu:
        print(emu.url, flush=True)
        for line in sys.stdin:
            command, _, value = line.strip().partition(" ")
            if command == "quit":
                break
            if command == "latency":
                emu.configure(latency_ms=float(value))
                print("ok", flush=True)
            elif command == "grow":
                slug, rows = value.split()
                _grow(emu, slug, int(rows))
                print("ok", flush=True)
            else:
                print(f"unknown command {command!r}", flush=True)
        # Let a last reply drain before the server closes its sockets.
        time.sleep(0.05)


if __name__ == "__main__":
    _serve(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
