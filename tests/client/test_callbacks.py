"""Callbacks on each status change (the callbacks page: "after the run status changes or
finishes"): the emulator posts on running and at the end, and `cc.parse_callback` reads
every body of either API version."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

from ..emulator.v2_helpers import Receiver

CATALOGUE = "coreclaw/catalogue-generator"
SLOW = "coreclaw/slow-worker"


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.close()


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_running_then_the_end_both_parse(emu, receiver, api_version):
    client = cc.Client(emu.api_key, base_url=emu.url, api_version=api_version)
    try:
        run = client.start_run(CATALOGUE, {"rows": 3}, callback_url=receiver.url)
        client.wait(run.slug)
        running, ended = (cc.parse_callback(body) for body in receiver.until(2))
    finally:
        client.close()
    assert (running.slug, running.status) == (run.slug, RunStatus.RUNNING)
    assert (ended.slug, ended.status, ended.results) == (run.slug, RunStatus.SUCCEEDED, 3)
    assert len(receiver.bodies) == 2


def test_an_aborted_run_notifies_running_then_failed(emu, receiver):
    client = cc.Client(emu.api_key, base_url=emu.url, api_version="v2")
    try:
        run = client.start_run(
            SLOW, {"interval_seconds": 0.05, "duration_seconds": 600}, callback_url=receiver.url
        )
        assert cc.parse_callback(receiver.until(1)[0]).status is RunStatus.RUNNING
        client.abort(run.slug)
        client.wait(run.slug)
        ended = cc.parse_callback(receiver.until(2)[1])
    finally:
        client.close()
    assert ended.status is RunStatus.FAILED and "aborted" in ended.err_msg
