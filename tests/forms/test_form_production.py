"""The form against production's behaviour (issue 13 items 3 and 9), in v1 and v2.

v2 run detail has no ``err_msg``, and an aborted run may stay ``aborting``: the
form must still show why a run failed, and its Abort must not leave it waiting
for ever.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.forms import worker_form

RUN_TIMEOUT = 60  # seconds a form's run may take at most before the test fails


@pytest.fixture(params=["v1", "v2"])
def fast(request, emu) -> Iterator[cc.Client]:
    poll = cc.PollPolicy(initial=0.02, factor=1.5, maximum=0.1, aborting_polls=4)
    with cc.Client(
        emu.api_key, base_url=emu.url, api_version=request.param, poll=poll, backoff_factor=0.01
    ) as c:
        yield c


def test_a_failed_run_shows_its_reason(fast):
    form = worker_form("coreclaw/failing-worker", client=fast, fail_after=1, row_interval_seconds=0)
    assert form.start() is True
    run = form.wait(RUN_TIMEOUT)
    assert run is not None and run.status is cc.RunStatus.FAILED
    assert form.error.startswith("The run failed: Simulated failure")
    # Shown once, in the error box (the status line does not repeat it), never "no reason".
    assert "no reason" not in form.error + form._panel.status.value


def test_abort_on_a_run_held_aborting_ends_with_a_clear_message(fast, emu):
    emu.configure(abort_hold=True)
    form = worker_form(
        "coreclaw/slow-worker", client=fast, interval_seconds=0.05, duration_seconds=600
    )
    assert form.start() is True
    panel = form._panel
    while form.run is None or panel.abort_button.disabled:  # wait until the run is polled
        panel.join(0.05)
        assert panel.busy, form.error
    panel.abort_button.click()
    form.wait(RUN_TIMEOUT)
    assert not panel.busy, "the form is still waiting on the aborting run"
    assert form.error.startswith("RunAbortingError:") and "still aborting" in form.error
    assert panel.abort_button.disabled
