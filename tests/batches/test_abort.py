"""batch.abort() while a start is in flight: nothing starts after it, and that run stops.

The batch runs in a thread; a fault holds its first start at the emulator (before the
platform takes it, or after, with the reply held back) until the test releases it. Each
step waits for a state (the ledger's, the emulator's), never for a time.
"""

from __future__ import annotations

import re
import threading
import time
import warnings

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.batches.ledger import Ledger

from .helpers import SLOW, all_runs, wait_for

#: Each API version's run start of the slow worker, as the emulator records it.
START_PATHS = {
    "v1": "/api/v1/scraper/run",
    "v2": "/api/v2/workers/coreclaw~slow-worker/runs",
}
#: Longer than any test: a held start is released by the test, never by the clock.
HOLD_SECONDS = 3600.0
#: How the warning says to look for a run abort() could not settle.
LOOK_UP = "cc.runs_df(scraper_slug='coreclaw/slow-worker', since="
#: A run asked to stop shows Aborting for a while, then Failed.
STOPPING = {cc.RunStatus.ABORTING, cc.RunStatus.FAILED}
#: A bound for a stuck test on a loaded machine, not a timing.
BOUND = 300.0


class Background:
    """``cc.run_batch`` in a thread, and a view of the same batch for the test to act on."""

    def __init__(self, client: cc.Client, inputs: pd.DataFrame, **options) -> None:
        self.options = {"map": {"labels": "label"}, "client": client, "progress": False, **options}
        self.inputs, self.done = inputs, []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.view = cc.run_batch(SLOW, inputs, wait=False, **self.options)
        self.ledger = Ledger(self.view.ledger_file, self.view.ledger, base_url=client.base_url,
                             account=client.cache_account)  # fmt: skip

    def _run(self) -> None:
        self.done.append(cc.run_batch(SLOW, self.inputs, **self.options))

    def states(self) -> list[str]:
        return [e.state for e in self.ledger.entries().values()]

    def join(self) -> cc.Batch:
        self.thread.join(timeout=BOUND)
        assert not self.thread.is_alive(), "the batch still waits after abort()"
        return self.done[0]


def labels(n: int) -> pd.DataFrame:
    return pd.DataFrame({"label": [f"input-{i}" for i in range(n)]})


def one_run_per_input(client: cc.Client, batch: cc.Batch) -> list[cc.Run]:
    runs = all_runs(client)
    slugs = batch.status["run_slug"].dropna().tolist()
    assert sorted(slugs) == sorted(run.slug for run in runs)  # every run is one input's
    assert len(set(slugs)) == len(slugs)
    return runs


LONG = {"custom": {"duration_seconds": 600}}


def test_abort_stops_a_run_whose_start_reply_is_held_back(emu, versioned_client, tmp_path):
    # The platform has made the run; its reply has not reached the batch yet.
    client = versioned_client
    emu.inject_fault(START_PATHS[client.api_version], "trickle", delay=HOLD_SECONDS)
    batch = Background(client, labels(3), ledger=tmp_path / "held.sqlite", **LONG)
    wait_for(lambda: batch.states()[0] == "starting" and client.runs_page()[0] == 1, limit=BOUND)

    with warnings.catch_warnings():
        warnings.simplefilter("error", cc.BatchAbortWarning)
        batch.view.abort()  # the run is found in the history and stopped

    assert batch.view.may_be_running == []
    assert [r.status in STOPPING for r in all_runs(client)] == [True]  # before the reply
    emu.clear_faults()  # the reply arrives: the batch records the run and follows it
    done = batch.join()

    assert list(done.status["status"]) == ["failed", "not started", "not started"]
    assert len(emu.calls(START_PATHS[client.api_version], "POST")) == 1
    runs = one_run_per_input(client, done)
    assert [r.status for r in runs] == [cc.RunStatus.FAILED]


def test_abort_waits_for_a_start_the_platform_has_not_taken_yet(emu, versioned_client, tmp_path):
    # The start is on its way when abort() comes; the run is made only after that.
    client = versioned_client
    held = emu.inject_fault(START_PATHS[client.api_version], "slow", delay=HOLD_SECONDS)
    batch = Background(client, labels(3), ledger=tmp_path / "wait.sqlite", **LONG)
    wait_for(lambda: held.fired == 1 and batch.states()[0] == "starting", limit=BOUND)

    aborter = threading.Thread(target=batch.view.abort, daemon=True)
    aborter.start()
    wait_for(lambda: batch.ledger.abort_epoch() == 1, limit=BOUND)  # abort() has begun
    assert client.runs_page()[0] == 0
    emu.clear_faults()  # the platform takes the start now: after the abort
    aborter.join(timeout=BOUND)
    assert not aborter.is_alive(), "abort() never returned"
    done = batch.join()

    assert batch.view.may_be_running == []
    assert list(done.status["status"]) == ["failed", "not started", "not started"]
    runs = one_run_per_input(client, done)
    assert [r.status for r in runs] == [cc.RunStatus.FAILED]


def test_a_start_abort_cannot_settle_is_reported_then_stopped_by_the_batch(emu, client, tmp_path):
    held = emu.inject_fault(START_PATHS["v1"], "slow", delay=HOLD_SECONDS)
    batch = Background(client, labels(3), ledger=tmp_path / "unsettled.sqlite", **LONG)
    wait_for(lambda: held.fired == 1 and batch.states()[0] == "starting", limit=BOUND)
    first = batch.view.status["input_id"].iloc[0]

    # No time to wait, and no run in the history yet: abort() cannot tell, and says so.
    with pytest.warns(cc.BatchAbortWarning, match=re.escape(f"input_id {first}: ")) as caught:
        batch.view.abort(timeout=0)
    assert LOOK_UP in str(caught[0].message)

    assert batch.view.may_be_running == [first]
    assert list(batch.view.status["status"]) == ["unknown", "not started", "not started"]
    emu.clear_faults()  # the run is made after all: the batch knows of the abort, stops it
    done = batch.join()

    assert list(done.status["status"]) == ["failed", "not started", "not started"]
    assert any("in flight when the batch was aborted" in event for event in done.events)
    runs = one_run_per_input(client, done)
    assert [r.status for r in runs] == [cc.RunStatus.FAILED]


def test_a_run_the_platform_would_not_stop_is_reported(emu, client, tmp_path):
    batch = Background(client, labels(1), ledger=tmp_path / "refused.sqlite", **LONG)
    wait_for(lambda: batch.states()[0] == "started", limit=BOUND)
    slug = batch.view.status["run_slug"].iloc[0]
    emu.inject_fault("/api/v1/scraper/abort", "server_error", fraction=1.0)

    with pytest.warns(cc.BatchAbortWarning, match=re.escape(f"run {slug}: not stopped")):
        batch.view.abort(timeout=0)
    assert batch.view.may_be_running == list(batch.view.status["input_id"])

    emu.clear_faults()
    batch.view.abort()  # again, and now the platform takes it
    assert list(batch.join().status["status"]) == ["failed"]


def test_inputs_an_abort_kept_from_starting_start_on_retry(client, tmp_path):
    inputs = pd.DataFrame({"label": ["long", "b", "c"], "seconds": [600, 1, 1]})
    batch = Background(client, inputs, ledger=tmp_path / "retry.sqlite", max_in_flight=1,
                       map={"labels": "label", "duration_seconds": "seconds"},
                       custom={"interval_seconds": 0.5})  # fmt: skip
    wait_for(lambda: batch.states()[0] == "started", limit=BOUND)

    batch.view.abort()
    done = batch.join()
    assert list(done.status["status"]) == ["failed", "not started", "not started"]
    assert client.runs_page()[0] == 1  # nothing started after the abort

    done.retry(failed=False)

    assert list(done.status["status"]) == ["failed", "succeeded", "succeeded"]
    one_run_per_input(client, done)


def test_a_start_sent_before_an_abort_is_not_started_by_a_later_wait(client, tmp_path):
    # An abort that could not settle a start (its process gone), then batch.wait(): the
    # start never reached the platform, and the batch was aborted: it stays not started.
    inputs = pd.DataFrame({"label": ["a", "b"]})
    options = {"map": {"labels": "label"}, "ledger": tmp_path / "late.sqlite",
               "custom": {"duration_seconds": 1, "interval_seconds": 0.5}, "client": client,
               "progress": False}  # fmt: skip
    batch = cc.run_batch(SLOW, inputs, wait=False, **options)
    book = Ledger(batch.ledger_file, batch.ledger, base_url=client.base_url,
                  account=client.cache_account)  # fmt: skip
    first = next(iter(book.entries().values()))
    sent = time.time() - 3600  # past the grace period, and no run of it in the history
    book.update(first.job_id, sent, state="starting", sent_at=sent)
    book.stop_starting(time.time(), err_msg="aborted elsewhere")

    batch.wait()

    assert list(batch.status["status"]) == ["not started", "not started"]
    assert client.runs_page()[0] == 0
    batch.retry(failed=False)
    assert list(batch.status["status"]) == ["succeeded", "succeeded"]
    one_run_per_input(client, batch)
