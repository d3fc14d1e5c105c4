"""Run history end to end with the process clock at calendar edges, on API v1 and v2.

The clock of this whole process (the session emulator's threads included) is moved to
each instant of ``CALENDAR_INSTANTS``; runs are started there and moved to both sides of
the platform's month edge (Beijing time), then read back through ``iter_runs``,
``runs_df`` and ``last_run``. Each run must come back exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.emulator.clock import month_start

CATALOGUE = "coreclaw/catalogue-generator"
BEIJING = timezone(timedelta(hours=8))


@pytest.fixture(params=["v1", "v2"])
def history(request, emu, at_instant):
    """Four finished runs around the Beijing month edge of the moved clock, oldest first.

    Runs are created oldest first, as they would be in life, since v1 lists by creation.
    """
    client = cc.configure(
        api_key=emu.api_key,
        base_url=emu.url,
        api_version=request.param,
        poll=cc.PollPolicy(initial=0.02, factor=1.5, maximum=0.1),
    )
    edge = month_start(at_instant.timestamp())
    starts = {
        "older": at_instant.timestamp() - 40 * 86_400,
        "last_second_before_edge": edge - 1,
        "first_second_after_edge": edge,
        "now": None,
    }
    runs = {}
    for name, started_at in starts.items():
        run = cc.run_worker(CATALOGUE, {"rows": 1}, progress=False)
        if started_at is not None:
            emu.backdate_run(run.slug, started_at=started_at)
        runs[name] = run.slug
    emu.clear_requests()
    return client, runs, datetime.fromtimestamp(edge, UTC)


def test_each_run_is_listed_once_newest_first(history):
    client, runs, _ = history
    newest_first = [
        runs[k] for k in ("now", "first_second_after_edge", "last_second_before_edge", "older")
    ]
    assert [r.slug for r in client.iter_runs()] == newest_first
    frame = cc.runs_df()
    assert frame["run_slug"].tolist() == newest_first
    assert cc.last_run(CATALOGUE).slug == runs["now"]


def test_since_and_until_mean_what_the_user_wrote(history):
    client, runs, edge = history
    after = cc.runs_df(since=edge)["run_slug"].tolist()
    assert after == [runs["now"], runs["first_second_after_edge"]]
    before = cc.runs_df(until=edge)["run_slug"].tolist()
    assert before == [runs["last_second_before_edge"], runs["older"]]
    # Naive means UTC; the same instant written in Beijing time is the same filter.
    assert cc.runs_df(since=edge.replace(tzinfo=None))["run_slug"].tolist() == after
    assert cc.runs_df(since=edge.astimezone(BEIJING))["run_slug"].tolist() == after
    # One second each side of the edge. Times are whole seconds on the wire, so when
    # the clock starts on the edge itself the "now" run falls in this second too.
    just = cc.runs_df(since=edge - timedelta(seconds=1), until=edge + timedelta(seconds=1))[
        "run_slug"
    ].tolist()
    assert [slug for slug in just if slug != runs["now"]] == [
        runs["first_second_after_edge"],
        runs["last_second_before_edge"],
    ]


def test_v2_queries_never_cross_a_beijing_month(history, emu):
    client, runs, _ = history
    if client.api_version != "v2":
        pytest.skip("v1 lists the whole history in one sequence")
    list(client.iter_runs())
    calls = emu.calls("/api/v2/worker-runs")
    assert calls and all(call.status == 200 for call in calls)
    for call in calls:
        start, end = int(call.query["start_time"][0]), int(call.query["end_time"][0])
        assert month_start(start) == month_start(end + 86_399)
        assert datetime.fromtimestamp(end, BEIJING).time().isoformat() == "00:00:00"
