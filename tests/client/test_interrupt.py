"""Ctrl-C during a paged read takes effect at once (issue 14).

The page pool used to join its in-flight pages on the way out, so a stalled page
held a KeyboardInterrupt for as long as its retries lasted (120 s). Here page 2
stalls for a minute; SIGINT is sent once the emulator has seen that request, and
the read must end with KeyboardInterrupt long before the stall would. The bound
is generous (it can only fail if the pool is joined again); the measured seconds
are printed for the record.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest

import coreclaw_pandas as cc

STALL = 60.0
GENEROUS = 20.0


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_ctrl_c_during_results_df_with_a_stalled_page(emu, version):
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is handled by something else in this process")
    c = cc.Client(emu.api_key, base_url=emu.url, api_version=version, backoff_factor=0.01)
    run = cc.run_worker("coreclaw/catalogue-generator", {"rows": 2_000}, client=c, progress=False)
    path = "/api/v1/run/result/list" if version == "v1" else "/api/v2/worker-runs/*"
    stalled = emu.inject_fault(path, "slow", delay=STALL, page=2)
    sent: list[float] = []

    def interrupt_once_stalled() -> None:
        while not stalled.fired:
            time.sleep(0.01)
        time.sleep(0.2)  # the main thread is now waiting for page 2
        sent.append(time.monotonic())
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    watcher = threading.Thread(target=interrupt_once_stalled, daemon=True)
    watcher.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            cc.results_df(run, progress=False, client=c, cache=False)
        took = time.monotonic() - sent[0]
    finally:
        emu.clear_faults()  # end the stall so the abandoned page thread finishes
        watcher.join(5)
        c.close()
    print(f"\n{version}: KeyboardInterrupt took effect {took:.3f} s after SIGINT")
    assert took < GENEROUS


#: Run in a fresh interpreter: Ctrl-C during results_df, then a normal exit while a page
#: is still stalled. The emulator is never stopped, so nothing ends the stall early.
_EXIT_SCRIPT = """
import signal, sys, threading, time
import coreclaw_pandas as cc
from coreclaw_pandas.emulator import Emulator

emu = Emulator().start()
c = cc.Client(emu.api_key, base_url=emu.url, backoff_factor=0.01)
run = cc.run_worker("coreclaw/catalogue-generator", {"rows": 2000}, client=c, progress=False)
stalled = emu.inject_fault("/api/v1/run/result/list", "slow", delay=%(stall)s, page=2)

def interrupt():
    while not stalled.fired:
        time.sleep(0.01)
    time.sleep(0.2)
    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

threading.Thread(target=interrupt, daemon=True).start()
try:
    cc.results_df(run, progress=False, client=c, cache=False)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_the_process_exits_after_ctrl_c_without_waiting_for_a_stalled_page(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "CORECLAW_CACHE_DIR": str(tmp_path),
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _EXIT_SCRIPT % {"stall": STALL}],
        capture_output=True,
        text=True,
        env=env,
        timeout=STALL * 2,
    )
    took = time.monotonic() - started
    print(f"\nprocess with a stalled page exited {took:.2f} s after it started")
    assert done.stdout.strip() == "interrupted", done.stderr[-2000:]
    assert took < STALL / 2
