"""Case: ``cc.run_batch`` against the plan's limit, next to the ideal schedule.

300 inputs (100 with ``--quick``, 12 with ``--smoke``) go through the slow Worker,
one run each, on an emulator in its own process with the benchmark's latency (50 ms)
and a plan that allows 5 runs at a time. Every run lasts ``RUN_SECONDS`` on the
emulator. The ideal schedule runs them back to back in the 5 slots with no gap:
``ceil(inputs / 5) * RUN_SECONDS``; the batch is timed from the call to its return.

* ratio: batch seconds / ideal seconds (target: at most 1.2).
* refused starts per slot: 30003 replies the emulator sent (its request log), per plan
  slot (target: at most 1, i.e. the limit is learned, not hit again and again).

The batch learns the limit (``max_in_flight=None``) and polls with a 0.1 s policy: the
default (1 s, backing off to 15 s) suits runs of minutes, not of seconds.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._harness import ROOT, CaseResult, Context, Target

NAME = "batches"
WORKER = "coreclaw/slow-worker"
SLOTS = 5
TARGET_RATIO = 1.2
#: (inputs, run seconds) per mode: the issue's 300 inputs at full size.
SIZES = {"smoke": (12, 1), "quick": (100, 1), "standard": (300, 2), "full": (300, 2)}
#: The run speed of the smoke mode's emulator: its 1 s runs last a quarter second.
SMOKE_SPEED = 4.0
_START = re.compile(r'"POST /api/v1/scraper/run[^"]*" (\d{3})')


def _emulator(latency_ms: float, speed: float, log: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "coreclaw_pandas.emulator", "--port", "0", "--verbose",
         "--api-key", "bench-key", "--balance", "1000000", "--latency-ms", str(latency_ms),
         "--max-concurrent-runs", str(SLOTS), "--run-speed", str(speed)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
    )  # fmt: skip
    assert process.stdout is not None
    url = process.stdout.readline().rsplit(" ", 1)[-1].strip()
    return process, url


def run(ctx: Context) -> CaseResult:
    """Run one batch of ``inputs`` slow runs on a 5-slot plan and compare with the ideal."""
    import pandas as pd

    import coreclaw_pandas as cc

    inputs, seconds = SIZES[ctx.mode]
    speed = SMOKE_SPEED if ctx.mode == "smoke" else 1.0
    run_seconds = seconds / speed
    ideal = math.ceil(inputs / SLOTS) * run_seconds
    result = CaseResult(
        NAME,
        f"run_batch: {inputs} inputs, plan limit {SLOTS}, {run_seconds:g} s runs",
        {"inputs": inputs, "slots": SLOTS, "run_seconds": run_seconds,
         "latency_ms": ctx.latency_ms, "ideal_seconds": ideal},
    )  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="bench-batches-"))
    log = folder / "emulator.log"
    process, url = _emulator(ctx.latency_ms, speed, log)
    try:
        client = cc.Client(
            "bench-key", base_url=url, poll=cc.PollPolicy(initial=0.1, factor=1.5, maximum=0.5)
        )
        frame = pd.DataFrame({"label": [f"input-{i:04d}" for i in range(inputs)]})
        started = time.perf_counter()
        batch = cc.run_batch(
            WORKER, frame, map={"labels": "label"},
            custom={"duration_seconds": seconds, "interval_seconds": seconds},
            ledger=folder / "ledger.sqlite", client=client, progress=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        statuses = [int(m.group(1)) for m in _START.finditer(log.read_text())]
        ok = int(batch.status["status"].eq("succeeded").sum())
    finally:
        process.terminate()
        process.wait(timeout=30)
    refused = sum(1 for status in statuses if status != 200)
    result.add("batch seconds").samples.append(elapsed)
    ratio = result.add("batch / ideal schedule", "x", succeeded=ok, starts=len(statuses))
    ratio.samples.append(elapsed / ideal)
    per_slot = result.add("refused starts per slot", "starts", refused=refused)
    per_slot.samples.append(refused / SLOTS)
    result.targets += [
        Target("batch / ideal schedule", ratio.median, "<=", TARGET_RATIO, "x"),
        Target("refused starts per slot", per_slot.median, "<=", 1.0, " starts"),
    ]
    if ok != inputs:
        result.notes.append(f"only {ok} of {inputs} inputs succeeded")
    return result
