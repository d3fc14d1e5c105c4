"""Within the plan: never more than N runs in flight, and 30003 is never an error.

Each test runs the emulator in its own process and counts on its side: the runs'
spans from their logs, and the HTTP status of every start from its request log.
"""

from __future__ import annotations

import pandas as pd
import pytest

import coreclaw_pandas as cc

from .helpers import SLOW, all_runs, max_overlap

pytestmark = pytest.mark.slow

#: Slow-worker runs of 1 s at run speed 4: a quarter of a second each.
SHORT = {"duration_seconds": 1, "interval_seconds": 0.25}


def labels(n: int) -> pd.DataFrame:
    return pd.DataFrame({"label": [f"input-{i:03d}" for i in range(n)]})


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_the_plan_limit_is_learned_from_30003_and_never_surfaced(emulator_process, api_version):
    emulator = emulator_process("--max-concurrent-runs", "3", "--run-speed", "4")
    client = emulator.client(api_version)

    batch = cc.run_batch(
        SLOW, labels(15), map={"labels": "label"}, custom=SHORT, client=client, progress=False
    )

    assert batch.status["status"].eq("succeeded").all()  # 0 errors surfaced
    statuses = emulator.start_statuses()
    assert statuses.count(200) == 15
    refused = [s for s in statuses if s != 200]
    assert refused and set(refused) == {429}  # the plan did refuse (30003), and only that
    assert batch.limit == 3
    # One refusal teaches the limit; more only when a run ends unseen between polls.
    assert len(refused) <= 3
    runs = all_runs(client)
    assert len(runs) == 15
    assert max_overlap(client, runs) <= 3


def test_never_more_than_max_in_flight(emulator_process):
    emulator = emulator_process("--run-speed", "4")  # the plan itself has no limit here
    client = emulator.client()

    batch = cc.run_batch(
        SLOW, labels(12), map={"labels": "label"}, custom=SHORT, max_in_flight=2,
        client=client, progress=False,
    )  # fmt: skip

    assert batch.status["status"].eq("succeeded").all()
    runs = all_runs(client)
    assert len(runs) == 12
    assert max_overlap(client, runs) <= 2


def test_a_limit_equal_to_the_plan_is_never_refused(emulator_process):
    emulator = emulator_process("--max-concurrent-runs", "3", "--run-speed", "4")
    client = emulator.client()

    batch = cc.run_batch(
        SLOW, labels(12), map={"labels": "label"}, custom=SHORT, max_in_flight=3,
        client=client, progress=False,
    )  # fmt: skip

    assert batch.status["status"].eq("succeeded").all()
    assert emulator.start_statuses() == [200] * 12  # never a 4th start while 3 ran
    assert batch.refused == 0
