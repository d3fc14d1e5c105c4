"""Saved tasks as production shapes them (issue 13): big integer ids kept exact through
the client's JSON parsing, wrapped input echoed verbatim, and `run_task` on a task
whose flat input production would fail."""

from __future__ import annotations

import json

import pytest
import requests

import coreclaw_pandas as cc
from coreclaw_pandas.client.wire import Policy
from coreclaw_pandas.models import RunStatus

WORKER_ID = "coreclaw~catalogue-generator"
READ = Policy(idempotent=True, retry_codes=frozenset(), refused_codes=frozenset())
ONCE = Policy(idempotent=False, retry_codes=frozenset(), refused_codes=frozenset())
HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
def v2(emu):
    client = cc.Client(emu.api_key, base_url=emu.url, api_version="v2", backoff_factor=0.01)
    yield client
    client.close()


def _save(v2: cc.Client, saved_input: dict) -> str:
    body = {"worker_id": WORKER_ID, "title": "fidelity", "input": saved_input}
    return v2._http.call("POST", "/api/v2/worker-tasks", policy=ONCE, body=body)["slug"]


def test_big_task_ids_survive_exactly(v2, emu):
    slug = _save(v2, {"parameters": {"custom": {"rows": 2}}})
    data = v2._http.call("GET", f"/api/v2/worker-tasks/{slug}", policy=READ)
    # The digits on the wire, read without any number conversion at all.
    raw = requests.get(
        f"{emu.url}/api/v2/worker-tasks/{slug}",
        headers={"Authorization": f"Bearer {emu.api_key}"},
        timeout=30,
    ).content
    digits = json.loads(raw, parse_int=str)["data"]
    for name in ("id", "worker_id"):
        assert type(data[name]) is int and data[name] > 2**53
        assert str(data[name]) == digits[name]
    assert data["input"] == {"parameters": {"custom": {"rows": 2}}}


def test_run_task_with_wrapped_input(v2):
    slug = _save(v2, {"parameters": {"custom": {"rows": 3}}})
    run = v2.wait(v2.run_task(slug, callback_url=HOOK).slug)
    assert (run.status, run.results) == (RunStatus.SUCCEEDED, 3)


def test_run_task_with_flat_input_fails_with_the_workers_words(v2, emu):
    slug = _save(v2, {"rows": 3})
    run = v2.wait(v2.run_task(slug, callback_url=HOOK).slug)
    assert (run.status, run.results) == (RunStatus.FAILED, 0)
    v1 = cc.Client(emu.api_key, base_url=emu.url, api_version="v1")
    try:
        assert v1.run(run.slug).err_msg == "Number of rows is required"  # its title
    finally:
        v1.close()
