"""What every benchmark case shares: sizes per mode, timing, child processes, reporting.

A case is a function ``run(ctx) -> CaseResult``. It measures each side several
times, interleaved (A, B, A, B, ...), so a burst of load on this shared machine
hits every side alike, and reports medians. Targets are :class:`Target` lines
that say met or missed; nothing here asserts anything.

Peak memory is measured in a fresh child process per sample. The figure is the
child's own high-water mark (``VmHWM``, which starts afresh at exec), sent back
by :func:`child_output`. Not ``ru_maxrss`` (``getrusage(RUSAGE_CHILDREN)`` or
``os.wait4``): on Linux a child's ``ru_maxrss`` starts from the parent's RSS at
the fork, so after a case that held gigabytes every child "peaked" at the
parent's size. ``ru_maxrss`` from ``os.wait4`` is kept only as the fallback
where ``/proc`` is missing.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ._server import RemoteEmulator

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sizes:
    """How big each case runs in one mode.

    Attributes:
        rows: Catalogue rows read into a DataFrame (case 1).
        memory_rows: Rows for the peak-memory case (case 2).
        excel_rows: Rows of the 20-column Excel frame (case 3).
        poll_seconds: Length of the slow run waited for (case 4).
        poll_runs: Runs waited for at once (case 4), one sample each.
        throughput_seconds: Seconds each emulator throughput reading lasts (case 6).
        repeat: Samples per side unless ``--repeat`` says otherwise.
        slow_repeat: Samples of the slow baselines at 50 ms (hand loop, PyPI client);
            None means ``repeat``.
    """

    rows: int
    memory_rows: int
    excel_rows: int
    poll_seconds: int
    poll_runs: int
    throughput_seconds: float
    repeat: int
    slow_repeat: int | None = None


#: ``--smoke`` runs the code at toy sizes for the test suite; the others measure.
MODES: dict[str, Sizes] = {
    "smoke": Sizes(2_000, 5_000, 2_000, 2, 1, 0.3, 1),
    "quick": Sizes(20_000, 100_000, 20_000, 15, 3, 2.0, 3),
    "standard": Sizes(100_000, 1_000_000, 200_000, 60, 3, 5.0, 3),
    # At 1,000,000 rows and 50 ms one hand-loop read takes about ten minutes.
    "full": Sizes(1_000_000, 1_000_000, 200_000, 60, 3, 5.0, 3, slow_repeat=1),
}


@dataclass
class Measurement:
    """One side of a case: its samples and what it produced.

    Attributes:
        name: What was measured, e.g. ``"results_df"``.
        unit: Unit of the samples (``"s"``, ``"MB"``, ``"requests"``, ``"pages/s"``).
        samples: One value per repetition.
        info: Anything worth keeping beside the numbers (shape, bytes, pid...).
    """

    name: str
    unit: str = "s"
    samples: list[float] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        """The median sample (NaN when there is none)."""
        return statistics.median(self.samples) if self.samples else float("nan")


@dataclass(frozen=True)
class Target:
    """A ratio or figure against the issue's target.

    Attributes:
        label: What it compares, e.g. ``"hand loop / results_df @ 50 ms"``.
        value: The measured figure.
        op: ``">="`` or ``"<="``: how ``value`` must relate to ``target``.
        target: The issue's bound.
        unit: Shown after the numbers (``"x"``, ``" s"``, ``" requests"``).
    """

    label: str
    value: float
    op: str
    target: float
    unit: str = "x"

    @property
    def met(self) -> bool:
        """Whether the value is on the right side of the target."""
        return self.value >= self.target if self.op == ">=" else self.value <= self.target

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, with ``met``."""
        return {**asdict(self), "met": self.met}


@dataclass
class CaseResult:
    """Everything one case reports.

    Attributes:
        name: The case's ``--cases`` name.
        title: One line saying what it measures.
        params: Sizes and settings it ran with.
        measurements: Its sides, in table order.
        targets: Its ratios against the issue's targets.
        notes: Lines to print under its table.
        skipped: Why a side did not run (each a full sentence).
    """

    name: str
    title: str
    params: dict[str, Any] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, name: str, unit: str = "s", **info: Any) -> Measurement:
        """Add (and return) an empty measurement."""
        measurement = Measurement(name, unit, info=dict(info))
        self.measurements.append(measurement)
        return measurement

    def get(self, name: str) -> Measurement | None:
        """The measurement called ``name``, if it ran."""
        return next((m for m in self.measurements if m.name == name and m.samples), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form with medians."""
        return {
            "title": self.title,
            "params": self.params,
            "measurements": [
                {
                    "name": m.name,
                    "unit": m.unit,
                    "median": m.median,
                    "min": min(m.samples, default=None),
                    "max": max(m.samples, default=None),
                    "samples": m.samples,
                    "info": m.info,
                }
                for m in self.measurements
            ],
            "targets": [t.as_dict() for t in self.targets],
            "notes": self.notes,
            "skipped": self.skipped,
        }


class Context:
    """Settings of this run plus the emulator process the cases share.

    Args:
        mode: ``smoke``, ``quick``, ``standard`` or ``full``.
        latency_ms: Injected per-request latency standing in for the internet.
        repeat: Samples per side (None: the mode's default).
    """

    def __init__(self, mode: str, *, latency_ms: float, repeat: int | None = None) -> None:
        self.mode = mode
        self.sizes = MODES[mode]
        self.latency_ms = latency_ms
        self.repeat = max(1, repeat or self.sizes.repeat)
        #: Figures one case leaves for another (e.g. results_df's page rate).
        self.shared: dict[str, Any] = {}
        self._emulator: RemoteEmulator | None = None
        self._runs: dict[tuple[int, tuple[tuple[str, Any], ...]], str] = {}

    @property
    def slow_repeat(self) -> int:
        """Samples for the slow baselines at full latency."""
        if self.sizes.slow_repeat is None:
            return self.repeat
        return min(self.repeat, self.sizes.slow_repeat)

    def emulator(self) -> RemoteEmulator:
        """The shared emulator process (started on first use, at 0 ms latency)."""
        if self._emulator is None:
            self._emulator = RemoteEmulator().start()
        return self._emulator

    def catalogue(self, rows: int, **custom: Any) -> str:
        """The run_slug of a finished catalogue run of ``rows`` rows (stored once)."""
        key = (rows, tuple(sorted(custom.items())))
        if key not in self._runs:
            self._runs[key] = self.emulator().store_catalogue(rows, **custom)
        return self._runs[key]

    def close(self) -> None:
        """Stop the emulator process."""
        if self._emulator is not None:
            self._emulator.stop()
            self._emulator = None


# -- Timing -----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Call ``fn`` once; return (seconds, its result)."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def interleave(repeat: int, sides: Iterable[tuple[Measurement, Callable[[], float]]]) -> None:
    """Take ``repeat`` samples of each side, round-robin; each callable returns one sample."""
    sides = list(sides)
    for _ in range(repeat):
        for measurement, sample in sides:
            measurement.samples.append(sample())


# -- Child processes --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildResult:
    """What a measuring child process reported.

    Attributes:
        data: The JSON object on the child's last stdout line.
        peak_rss_mb: The child's own peak resident memory (VmHWM), from the kernel.
        seconds: Wall time of the whole child, imports included.
    """

    data: dict[str, Any]
    peak_rss_mb: float
    seconds: float


def child_env() -> dict[str, str]:
    """The environment for children: this checkout importable, output unbuffered."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}


def run_child(module: str, *args: str, timeout: float = 3600) -> ChildResult:
    """Run ``python -m <module> <args>`` and collect its JSON line and peak RSS.

    Raises:
        RuntimeError: The child failed, timed out or printed no JSON line.
    """
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            output = process.stdout.read() if process.stdout else ""
        finally:
            # wait4 keeps the child's resource usage (the fallback peak); Popen.wait
            # or communicate would reap it without.
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            killer.cancel()
            if process.stdout:
                process.stdout.close()
        seconds = time.perf_counter() - started
        errors.seek(0)
        stderr = errors.read()
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if process.returncode or not lines:
        raise RuntimeError(
            f"python -m {module} {' '.join(args)} failed (exit {process.returncode}):\n"
            f"{stderr[-3000:]}"
        )
    data = json.loads(lines[-1])
    # The child's own high-water mark (VmHWM, reset by exec) is the honest figure:
    # ru_maxrss can include the parent's pages from before the exec.
    peak = data.pop("_peak_rss_mb", None)
    # ru_maxrss is in KiB on Linux; it is the fallback where /proc is missing.
    return ChildResult(data, peak if peak == peak and peak else usage.ru_maxrss / 1024, seconds)


def child_output(data: dict[str, Any]) -> None:
    """Print a child's result, with its own peak RSS, as the JSON line its parent reads."""
    print(json.dumps({**data, "_peak_rss_mb": status_mb("VmHWM")}), flush=True)


def status_mb(field_name: str) -> float:
    """A memory figure of this process from /proc/self/status (``VmRSS``, ``VmHWM``), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux); False where impossible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# -- Reporting --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """The machine and library versions a result belongs to."""
    import pandas as pd

    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pandas": pd.__version__,
    }


def _figure(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit in ("MB", "pages/s"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}".rstrip()


def format_case(result: CaseResult) -> str:
    """The case as a text table: median, min, max and samples per side, then its targets."""
    lines = [f"== {result.name}: {result.title}"]
    if result.params:
        lines.append("   " + ", ".join(f"{k}={v}" for k, v in result.params.items()))
    width = max([len(m.name) for m in result.measurements] + [20])
    lines.append(f"   {'side':<{width}}  {'median':>12}  {'min':>12}  {'max':>12}  n")
    for m in result.measurements:
        if not m.samples:
            continue
        lines.append(
            f"   {m.name:<{width}}  {_figure(m.median, m.unit):>12}  "
            f"{_figure(min(m.samples), m.unit):>12}  {_figure(max(m.samples), m.unit):>12}"
            f"  {len(m.samples)}"
        )
    for target in result.targets:
        verdict = "met" if target.met else "MISSED"
        lines.append(
            f"   -> {target.label}: {target.value:,.2f}{target.unit} "
            f"(target {target.op} {target.target:g}{target.unit}) {verdict}"
        )
    lines += [f"   skipped: {reason}" for reason in result.skipped]
    lines += [f"   note: {note}" for note in result.notes]
    return "\n".join(lines)


def format_summary(results: list[CaseResult]) -> str:
    """One Markdown table of every target, for docs/performance.md."""
    lines = ["| case | measure | value | target | |", "|---|---|---|---|---|"]
    for result in results:
        for t in result.targets:
            lines.append(
                f"| {result.name} | {t.label} | {t.value:,.2f}{t.unit} | {t.op} {t.target:g}"
                f"{t.unit} | {'met' if t.met else '**missed**'} |"
            )
    return "\n".join(lines)


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    """Write the results as indented JSON, creating the folder; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path
