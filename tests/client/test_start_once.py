"""A start is paid once: an error after a start says the run may exist, never "try again".

Every start path (start, sync start, rerun, task run; v1 and v2) is sent once under each
fault that can follow a forwarded request, and the emulator's run count proves how many
runs the platform created: exactly one.
"""

from __future__ import annotations

import re

import pytest

import coreclaw_pandas as cc

CATALOGUE = "coreclaw/catalogue-generator"
CALLBACK = "http://127.0.0.1:9/callback"
#: Faults after which the platform has created the run, but the client cannot know it.
AFTER = [
    "server_error_after",
    "gateway_after",
    "gateway_503_after",
    "gateway_504_after",
    "html_429_after",
]
PATHS = {
    "v1": {
        "start": "/api/v1/scraper/run",
        "rerun": "/api/v1/rerun",
        "task": "/api/v1/task/run",
    },
    "v2": {
        "start": "/api/v2/workers/coreclaw~catalogue-generator/runs",
        "rerun": "/api/v2/worker-runs/*",
        "task": "/api/v2/worker-tasks/*",
    },
}


@pytest.fixture(params=["v1", "v2"])
def versioned(request, emu):
    c = cc.Client(
        emu.api_key,
        base_url=emu.url,
        api_version=request.param,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )
    yield c
    c.close()


def _starter(client: cc.Client, emu, how: str):
    """A no-argument start of kind ``how``, with what it needs prepared, and its fault path."""
    paths = PATHS[client.api_version]
    client.worker(CATALOGUE)  # read the detail now, so only the start itself is faulted
    if how == "start":
        return (lambda: client.start_run(CATALOGUE, {"rows": 1})), paths["start"]
    if how == "sync":
        return (lambda: client.start_run_sync(CATALOGUE, {"rows": 1})), paths["start"]
    if how == "rerun":
        first = client.wait(client.start_run(CATALOGUE, {"rows": 1}).slug)
        return (lambda: client.rerun(first.slug, callback_url=CALLBACK)), paths["rerun"]
    task = emu.add_task(CATALOGUE, {"rows": 1})
    return (lambda: client.run_task(task, callback_url=CALLBACK)), paths["task"]


def _sent(emu, path: str) -> int:
    if path.endswith("*"):
        return len([r for r in emu.requests if r.method == "POST" and r.path.startswith(path[:-1])])
    return len(emu.calls(path, method="POST"))


def assert_says_run_may_exist(text: str, *, worker: str | None = CATALOGUE) -> None:
    assert "may have started" in text
    assert "cc.runs_df(" in text and "since=" in text
    if worker:
        assert f"scraper_slug={worker!r}" in text
    assert not re.search(r"try again", text, re.IGNORECASE), text
    assert "<html" not in text.lower()


@pytest.mark.parametrize("how", ["start", "sync", "rerun", "task"])
@pytest.mark.parametrize("kind", AFTER)
def test_a_failure_after_forwarding_starts_one_run_and_says_it_may_exist(versioned, emu, how, kind):
    start, path = _starter(versioned, emu, how)
    before = versioned.runs_page()[0]
    emu.clear_requests()
    emu.inject_fault(path, kind, count=5)
    with pytest.raises(cc.CoreClawError) as info:
        start()
    assert _sent(emu, path) == 1
    emu.clear_faults()
    assert versioned.runs_page()[0] == before + 1
    assert info.value.run_may_exist is True
    worker = CATALOGUE if how in ("start", "sync") else None
    assert_says_run_may_exist(str(info.value), worker=worker)


@pytest.mark.parametrize("kind", ["server_error", "reset", "truncated"])
def test_a_failure_the_client_cannot_place_also_says_the_run_may_exist(versioned, emu, kind):
    start, path = _starter(versioned, emu, "start")
    emu.inject_fault(path, kind, count=5)
    with pytest.raises(cc.CoreClawError) as info:
        start()
    assert _sent(emu, path) == 1
    assert_says_run_may_exist(str(info.value))


def test_a_bare_html_429_after_forwarding_is_not_retried(versioned, emu):
    start, path = _starter(versioned, emu, "start")
    emu.inject_fault(path, "html_429_after", count=5)
    with pytest.raises(cc.CoreClawError) as info:
        start()
    emu.clear_faults()
    assert _sent(emu, path) == 1 and versioned.runs_page()[0] == 1
    assert "HTTP 429" in str(info.value)


def test_a_rate_limit_envelope_is_a_refusal_retried_into_exactly_one_run(versioned, emu):
    start, path = _starter(versioned, emu, "start")
    emu.inject_fault(path, "rate_limit", count=2)
    run = start()
    assert _sent(emu, path) == 3
    count, runs = versioned.runs_page()
    assert count == 1 and runs[0].slug == run.slug


def test_a_definite_refusal_says_nothing_started(versioned, emu):
    versioned.worker(CATALOGUE)
    with pytest.raises(cc.WorkerNotFoundError) as info:  # 50003: refused, no run
        versioned.start_run(CATALOGUE, {"rows": 1}, version="v0.0.0-nonexistent")
    assert info.value.run_may_exist is False
    assert "may have started" not in str(info.value)
    assert versioned.runs_page()[0] == 0


def test_an_unreachable_server_is_not_called_a_possible_start(emu):
    with cc.Client(emu.api_key, base_url=emu.url, max_retries=0) as c:
        c.worker(CATALOGUE)
        c._http.base_url = "http://127.0.0.1:9"  # nothing listens there: refused, never sent
        with pytest.raises(cc.TransportError) as info:
            c.start_run(CATALOGUE, {"rows": 1})
    assert info.value.run_may_exist is False
