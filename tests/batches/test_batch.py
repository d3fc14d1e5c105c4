"""The Batch object: status, retry, abort, budget, batches_df, run_each, the ledger, Ctrl-C."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading

import pandas as pd
import pytest

import coreclaw_pandas as cc

from .helpers import CATALOGUE, ROOT, SLOW, env, wait_for

FAILING = "coreclaw/failing-worker"


def test_failures_do_not_stop_the_batch_and_retry_starts_them_again(client):
    inputs = pd.DataFrame({"after": [0, 1]})
    options = {"custom": {"row_interval_seconds": 0}, "client": client, "progress": False}
    batch = cc.run_batch(FAILING, inputs, map={"fail_after": "after"}, **options)

    status = batch.status
    assert list(status["status"]) == ["failed", "failed"]
    assert status["err_msg"].notna().all()
    first = set(status["run_slug"])

    batch.retry()

    assert client.runs_page()[0] == 4
    assert set(batch.status["run_slug"]).isdisjoint(first)


def test_budget_stops_new_starts_and_says_so(client, capsys):
    inputs = pd.DataFrame({"kw": [f"k{i}" for i in range(6)]})
    # 100 rows at 0.00001 USD: 0.001 USD a run; the budget pays for two.
    batch = cc.run_batch(CATALOGUE, inputs, map={"keywords": "kw"}, custom={"rows": 100},
                         budget_usd=0.0025, client=client, progress=False)  # fmt: skip

    counts = batch.status["status"].value_counts().to_dict()
    assert counts == {"succeeded": 2, "not started": 4}
    assert "budget" in batch.stopped and "budget" in capsys.readouterr().out
    assert client.runs_page()[0] == 2


def test_abort_stops_the_running_runs(client, tmp_path):
    inputs = pd.DataFrame({"label": ["a", "b"]})
    options = dict(map={"labels": "label"}, custom={"duration_seconds": 600},
                   ledger=tmp_path / "abort.sqlite", client=client, progress=False)  # fmt: skip
    done: list[cc.Batch] = []
    worker = threading.Thread(target=lambda: done.append(cc.run_batch(SLOW, inputs, **options)))
    worker.start()
    # Both starts recorded in the ledger, not only made: abort() stops the runs it knows.
    view = cc.run_batch(SLOW, inputs, wait=False, **options)
    wait_for(lambda: view.status["run_slug"].notna().all(), limit=300)

    view.abort()
    worker.join(timeout=300)  # a bound for a stuck test on a loaded machine, not a timing

    assert not worker.is_alive(), "the batch still waits on its runs after abort()"
    assert list(done[0].status["status"]) == ["failed", "failed"]


def test_batches_df_lists_each_batch_of_the_account(client):
    cc.run_batch(SLOW, pd.DataFrame({"label": ["a"]}), map={"labels": "label"},
                 custom={"duration_seconds": 1, "interval_seconds": 0.5}, ledger="shops",
                 client=client, progress=False)  # fmt: skip

    frame = cc.batches_df(client=client)

    assert list(frame["ledger"]) == ["shops"]
    assert frame["succeeded"].iloc[0] == 1
    other = cc.Client("another-key", base_url=client.base_url)
    assert cc.batches_df(client=other).empty  # keyed by account


def test_the_ledger_never_stores_the_api_key(client, emu, tmp_path):
    path = tmp_path / "key.sqlite"
    cc.run_batch(SLOW, pd.DataFrame({"label": ["a"]}), map={"labels": "label"},
                 custom={"duration_seconds": 1, "interval_seconds": 0.5}, ledger=path,
                 client=client, progress=False)  # fmt: skip

    assert emu.api_key.encode() not in path.read_bytes()
    with sqlite3.connect(path) as db:
        dump = "\n".join(db.iterdump())
    assert emu.api_key not in dump


def test_run_each_is_run_batch_as_a_method(client):
    inputs = pd.DataFrame({"label": ["a", "b"]})

    batch = inputs.coreclaw.run_each(SLOW, map={"labels": "label"},
                                     custom={"duration_seconds": 1, "interval_seconds": 0.5},
                                     client=client, progress=False)  # fmt: skip

    assert isinstance(batch, cc.Batch)
    assert sorted(batch.df["input.label"].unique()) == ["a", "b"]


CTRL_C = """
import sys
import pandas as pd
import coreclaw_pandas as cc

url, key, ledger = sys.argv[1:4]
client = cc.Client(key, base_url=url, poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25))
print("started", flush=True)
try:
    cc.run_batch("coreclaw/slow-worker", pd.DataFrame({"label": ["a", "b"]}),
                 map={"labels": "label"}, custom={"duration_seconds": 600},
                 ledger=ledger, client=client, progress=False)
except KeyboardInterrupt as exc:
    print(exc, flush=True)
"""


@pytest.mark.slow
def test_ctrl_c_leaves_the_runs_going_and_says_how_to_resume(emu, client, tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C, emu.url, emu.api_key, str(tmp_path / "c.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT,
    )  # fmt: skip
    wait_for(lambda: client.runs_page()[0] == 2)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)

    assert "keep running on CoreClaw" in out and "Run the same cc.run_batch" in out, err
    runs = client.runs_page()[1]
    assert [r.status for r in runs] == [cc.RunStatus.RUNNING] * 2  # nothing was aborted
    for run in runs:
        client.abort(run.slug)
