"""Every operation of the v2 spec has a client method, and each is called against the emulator.

The spec is read from the shared reference folder (skipped, saying why, where it is
absent). A new operation in the spec fails ``test_every_operation_has_a_method`` until
``client.operations.V2_OPERATIONS`` names its method and ``CALLS`` below exercises it;
each call is checked to reach the operation's path and method and to be answered 200.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.client.operations import V2_OPERATIONS
from coreclaw_pandas.tasks import Schedule

WORKER = "coreclaw/catalogue-generator"
HOOK = "http://127.0.0.1:9/hook"
METHODS = ("get", "post", "put", "delete", "patch")


def _spec_operations(shared_reference) -> dict[str, tuple[str, str]]:
    path = shared_reference / "openapi-v2-reference.json"
    if not path.is_file():
        pytest.skip(f"the v2 spec is not in the shared reference folder ({path})")
    spec = json.loads(path.read_text(encoding="utf-8"))
    return {
        operation["operationId"]: (method.upper(), route)
        for route, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in METHODS
    }


@pytest.fixture
def v2(emu):
    client = cc.Client(
        emu.api_key,
        base_url=emu.url,
        api_version="v2",
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )
    yield client
    client.close()


def _finished_run(c: cc.Client) -> cc.Run:
    return c.wait(c.start_run(WORKER, {"rows": 3}).slug)


def _task(c: cc.Client) -> str:
    return c.create_task(WORKER, {"rows": 2}, title="ops").slug


def _queued(c: cc.Client) -> str:
    return c.queue_run(WORKER, {"rows": 2}).ref


def _running(c: cc.Client) -> cc.Run:
    return c.start_run("coreclaw/slow-worker", {})


Call = Callable[[cc.Client], Any]
#: One call per operationId, each checked for what it returns.
CALLS: dict[str, Call] = {
    "listProxyRegions": lambda c: c.proxy_regions()[0].code,
    "listStore": lambda c: c.search_workers("catalogue")[0].slug,
    "getAccount": lambda c: c.account().balance > 0,
    "listWorkerRuns": lambda c: _finished_run(c) and c.runs_page()[0] == 1,
    "getLastWorkerRun": lambda c: _finished_run(c).slug == c.last_run().slug,
    "abortLastWorkerRun": lambda c: _running(c) and c.abort_last() is None,
    "exportLastWorkerRunResults": lambda c: _finished_run(c) and c.last_export_url(format="json"),
    "getLastWorkerRunLog": lambda c: _finished_run(c) and c.last_log().entries,
    "rerunLastWorkerRun": lambda c: _finished_run(c) and c.rerun_last(callback_url=HOOK).slug,
    "listLastWorkerRunResults": lambda c: _finished_run(c) and c.last_results_page().count == 3,
    "getWorkerRun": lambda c: c.run(_finished_run(c).slug).results == 3,
    "abortWorkerRun": lambda c: c.abort(_running(c).slug) is None,
    "getWorkerRunLog": lambda c: c.log(_finished_run(c).slug).entries,
    "rerunWorkerRun": lambda c: c.rerun(_finished_run(c).slug, callback_url=HOOK).slug,
    "listWorkerRunResults": lambda c: c.results_page(_finished_run(c).slug).count == 3,
    "exportWorkerRunResults": lambda c: c.export_url(_finished_run(c).slug, format="csv"),
    "listWorkerTasks": lambda c: c.tasks_page(scraper_slug=WORKER)[0] >= 1,
    "createWorkerTask": lambda c: c.task(_task(c)).custom["rows"] == 2,
    "deleteWorkerTask": lambda c: c.delete_task(_task(c)) is None,
    "getWorkerTask": lambda c: c.task(_task(c)).title == "ops",
    "updateWorkerTask": lambda c: c.update_task(_task(c), title="renamed").title == "renamed",
    "getWorkerTaskInput": lambda c: c.task_input(_task(c))[0]["rows"] == 2,
    "updateWorkerTaskInput": lambda c: (
        c.update_task(_task(c), custom={"rows": 4}).custom["rows"] == 4
    ),
    "runWorkerTask": lambda c: c.run_task(_task(c), callback_url=HOOK).slug,
    "listWorkers": lambda c: c.my_workers("catalogue")[0].title,
    "getWorker": lambda c: c.worker(WORKER, refresh=True).version,
    # The public schema is read when the detail has none: as without a key.
    "getWorkerInputSchema": lambda c: (
        cc.Client(base_url=c.base_url, api_version="v2").worker(WORKER).input_schema.fields
    ),
    "runWorker": lambda c: c.start_run(WORKER, {"rows": 1}).slug,
    "getWorkerLastRun": lambda c: _finished_run(c) and c.last_run(WORKER).results == 3,
    "abortWorkerLastRun": lambda c: _running(c) and c.abort_last("coreclaw/slow-worker") is None,
    "exportWorkerLastRunResults": lambda c: _finished_run(c) and c.last_export_url(WORKER),
    "getWorkerLastRunLog": lambda c: _finished_run(c) and c.last_log(WORKER).entries,
    "rerunWorkerLastRun": lambda c: _finished_run(c) and c.rerun_last(WORKER).slug,
    "listWorkerLastRunResults": lambda c: _finished_run(c) and c.last_results_page(WORKER).count,
    "listRunQueueItems": lambda c: _queued(c) and c.queue_page(status="waiting")[0] == 1,
    "activateRunQueueItems": lambda c: all(c.activate([_queued(c)]).values()),
    "releaseRunQueueItems": lambda c: c.release([_queued(c)], reason="not now") != {},
    "releaseRunQueueItem": lambda c: c.release_one(_queued(c)) is True,
    "queuedRunWorker": lambda c: c.queue_run(WORKER, {"rows": 1}).status == "waiting",
}


def test_every_operation_has_a_method(shared_reference):
    spec = _spec_operations(shared_reference)
    missing = sorted(set(spec) - set(V2_OPERATIONS))
    assert not missing, f"v2 operations without a client method: {missing}"
    assert not sorted(set(V2_OPERATIONS) - set(spec)), "methods for operations the spec lacks"
    unknown = {op: name for op, name in V2_OPERATIONS.items() if not hasattr(cc.Client, name)}
    assert not unknown, f"V2_OPERATIONS names methods Client does not have: {unknown}"
    untested = sorted(set(spec) - set(CALLS))
    assert not untested, f"v2 operations without a call in this test: {untested}"
    assert len(spec) == 39  # the figure the issue quotes; a change here is news


def _pattern(route: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", route) + "$")


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_operation_reaches_its_endpoint(operation, v2, emu, shared_reference):
    method, route = _spec_operations(shared_reference)[operation]
    name = V2_OPERATIONS[operation]
    assert hasattr(v2, name)
    # "last" is a literal segment, never a run id, for the {runId} routes.
    pattern = _pattern(route)
    emu.clear_requests()
    assert CALLS[operation](v2)
    hits = [
        r
        for r in emu.requests
        if r.method == method
        and pattern.match(r.path)
        and not ("{runId}" in route and r.path.split("/")[4] == "last")
    ]
    assert hits, f"{operation} ({name}) never sent {method} {route}"
    assert all(r.status == 200 for r in hits), [(r.path, r.status) for r in hits]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.tasks_page(),
        lambda c: c.task("T"),
        lambda c: c.create_task(WORKER, {}, title="t"),
        lambda c: c.update_task("T", schedule=None),
        lambda c: c.delete_task("T"),
        lambda c: c.task_input("T"),
        lambda c: c.queue_run(WORKER),
        lambda c: c.queue_page(),
        lambda c: c.activate(["1"]),
        lambda c: c.release(["1"]),
        lambda c: c.release_one("1"),
        lambda c: c.my_workers(),
        lambda c: c.last_log(),
        lambda c: c.last_results_page(),
        lambda c: c.last_export_url(),
        lambda c: c.abort_last(),
        lambda c: c.rerun_last(),
    ],
)
def test_v1_says_v2_is_needed_and_how_to_switch(call, client, emu):
    emu.clear_requests()
    with pytest.raises(cc.ConfigurationError, match=r"needs CoreClaw API v2.*api_version='v2'"):
        call(client)
    assert emu.requests == []  # refused before anything was sent


def test_v1_last_run_reads_the_run_history(client):
    assert client.last_run(WORKER) is None and client.last_run() is None
    run = client.wait(client.start_run(WORKER, {"rows": 1}).slug)
    assert client.last_run().slug == client.last_run(WORKER).slug == run.slug


def test_schedule_sent_in_the_wire_fields(v2, emu):
    emu.clear_requests()
    v2.create_task(WORKER, {"rows": 2}, title="s", schedule=Schedule.monthly(31, "23:59"))
    sent = emu.calls("/api/v2/worker-tasks", "POST")[0].json
    assert {k: v for k, v in sent.items() if k.startswith("schedule_")} == {
        "schedule_enabled": 1,
        "schedule_type": 3,
        "schedule_time": "23:59",
        "schedule_day": 31,
    }
    assert sent["input"] == {"parameters": {"custom": {**sent["input"]["parameters"]["custom"]}}}
    assert sent["input"]["parameters"]["custom"]["rows"] == 2
