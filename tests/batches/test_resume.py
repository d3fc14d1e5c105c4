"""Paid once: a batch killed mid-way and run again starts nothing twice.

The client runs in a child process that is killed with SIGKILL while runs are going
(no cleanup of any kind runs), then the same call runs again; the emulator, in a
process of its own, counts the runs.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.batches.ledger import Ledger

from .helpers import ROOT, SLOW, all_runs, env, wait_for

pytestmark = pytest.mark.slow

INPUTS = 16
SCRIPT = """
import sys
import pandas as pd
import coreclaw_pandas as cc

url, key, ledger, count = sys.argv[1:5]
client = cc.Client(key, base_url=url, poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25))
inputs = pd.DataFrame({"label": [f"input-{i:03d}" for i in range(int(count))]})
batch = cc.run_batch(
    "coreclaw/slow-worker", inputs, map={"labels": "label"},
    custom={"duration_seconds": 1, "interval_seconds": 0.25}, max_in_flight=3,
    ledger=ledger, client=client, progress=False,
)
print("statuses", batch.status["status"].value_counts().to_dict(), flush=True)
"""


def start_child(emulator, ledger) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, emulator.url, emulator.api_key, str(ledger), str(INPUTS)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT,
    )  # fmt: skip


@pytest.mark.parametrize("after_runs", [2, 5])
def test_no_duplicate_start_after_the_client_is_killed(emulator_process, tmp_path, after_runs):
    emulator = emulator_process("--run-speed", "2")
    client = emulator.client()
    ledger = tmp_path / "killed.sqlite"

    child = start_child(emulator, ledger)
    wait_for(lambda: len(all_runs(client)) >= after_runs or child.poll() is not None)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    killed_with = len(all_runs(client))
    assert killed_with < INPUTS, "the batch ended before it was killed: nothing tested"

    again = start_child(emulator, ledger)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "'succeeded': 16" in out

    runs = all_runs(client)
    assert len(runs) == INPUTS  # 0 duplicate starts
    labels = [tuple(cc.results_df(r.slug, client=client)["label"].unique()) for r in runs]
    assert sorted(labels) == [(f"input-{i:03d}",) for i in range(INPUTS)]


def test_a_start_killed_before_its_reply_is_found_in_the_run_history(client, tmp_path):
    # The state a SIGKILL leaves between "starting" written and the reply: a run exists,
    # the ledger does not know its slug.
    inputs = pd.DataFrame({"label": ["a", "b", "c"]})
    options = dict(map={"labels": "label"}, custom={"duration_seconds": 1,
                   "interval_seconds": 0.1}, ledger=tmp_path / "l.sqlite", client=client,
                   progress=False)  # fmt: skip
    batch = cc.run_batch(SLOW, inputs, wait=False, **options)
    book = Ledger(batch.ledger_file, batch.ledger, base_url=client.base_url,
                  account=client.cache_account)  # fmt: skip
    first = next(iter(book.entries().values()))  # input "a": entries keep the input order
    orphan = client.start_run(SLOW, {**options["custom"], "labels": ["a"]})
    book.update(first.job_id, time.time(), state="starting", sent_at=time.time())

    batch = cc.run_batch(SLOW, inputs, **options)

    assert batch.status["status"].eq("succeeded").all()
    runs = all_runs(client)
    assert len(runs) == 3
    assert orphan.slug in set(batch.status["run_slug"])


def test_a_start_answered_by_a_proxy_error_is_resolved_not_repeated(emu, client):
    # The platform started the run, then a proxy answered 502: the outcome is unknown.
    emu.inject_fault("/api/v1/scraper/run", "gateway_after", count=1)
    inputs = pd.DataFrame({"label": ["a", "b", "c", "d"]})

    batch = cc.run_batch(
        SLOW, inputs, map={"labels": "label"},
        custom={"duration_seconds": 1, "interval_seconds": 0.1}, client=client, progress=False,
    )  # fmt: skip

    assert batch.status["status"].eq("succeeded").all()
    assert len(all_runs(client)) == 4
    assert any("re-attached" in event for event in batch.events)
    assert batch.df.groupby("input.label")["label"].unique().map(len).eq(1).all()


def test_a_start_that_never_arrived_is_started_after_the_grace_period(client, tmp_path):
    inputs = pd.DataFrame({"label": ["a", "b"]})
    options = dict(map={"labels": "label"}, custom={"duration_seconds": 1,
                   "interval_seconds": 0.1}, ledger=tmp_path / "l.sqlite", client=client,
                   progress=False)  # fmt: skip
    batch = cc.run_batch(SLOW, inputs, wait=False, **options)
    book = Ledger(batch.ledger_file, batch.ledger, base_url=client.base_url,
                  account=client.cache_account)  # fmt: skip
    entry = next(iter(book.entries().values()))
    # Sent long ago (past the grace period) and no run of it in the history.
    book.update(entry.job_id, time.time(), state="starting", sent_at=time.time() - 3600)

    batch = cc.run_batch(SLOW, inputs, **options)

    assert batch.status["status"].eq("succeeded").all()
    assert len(all_runs(client)) == 2


#: The v2 run start of the slow worker, as the emulator records it.
V2_START = "/api/v2/workers/coreclaw~slow-worker/runs"


@pytest.mark.parametrize(
    "kind", ["gateway_after", "gateway_504_after", "server_error_after", "html_429_after"]
)
def test_a_v2_start_whose_reply_is_lost_is_found_in_the_run_history(emu, v2_client, kind):
    # The platform records the run, then the reply is lost (a proxy's page, or a 500):
    # over v2 too, the batch finds that run in the run history and never starts it again.
    client = v2_client
    emu.inject_fault(V2_START, kind, count=1)
    inputs = pd.DataFrame({"label": ["a", "b", "c", "d"]})

    batch = cc.run_batch(
        SLOW, inputs, map={"labels": "label"},
        custom={"duration_seconds": 1, "interval_seconds": 0.1}, client=client, progress=False,
    )  # fmt: skip

    starts = emu.calls(V2_START, "POST")
    assert [s.fault for s in starts] == [kind, None, None, None]  # the lost one: sent once
    runs = all_runs(client)
    assert len(runs) == 4
    assert batch.status["status"].eq("succeeded").all()
    assert batch.status["run_slug"].nunique() == 4  # no input has two runs
    # Input "a" (the lost reply) was settled from the history, to the run echoing "a".
    slug_a = batch.status["run_slug"].iloc[0]
    attached = [e for e in batch.events if e.startswith("re-attached")]
    assert len(attached) == 1 and attached[0].endswith(f" to run {slug_a}")
    labels = batch.df.groupby("input.label")["label"].unique()
    assert {k: list(v) for k, v in labels.items()} == {x: [x] for x in "abcd"}
