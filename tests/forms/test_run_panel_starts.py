"""The form's Run panel never invites a second, paid start after an uncertain one."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.forms import worker_form

CATALOGUE = "coreclaw/catalogue-generator"
RUN_TIMEOUT = 60  # seconds a form's run may take at most before the test fails


@pytest.fixture
def quick(emu):
    with cc.Client(
        emu.api_key,
        base_url=emu.url,
        poll=cc.PollPolicy(initial=0.05, maximum=0.25),
        backoff_factor=0.01,
    ) as c:
        yield c


@pytest.mark.parametrize("kind", ["gateway_after", "server_error_after", "html_429_after"])
def test_an_uncertain_start_says_the_run_may_have_started(emu, quick, kind):
    form = worker_form(CATALOGUE, client=quick)
    emu.inject_fault("/api/v1/scraper/run", kind, count=5)
    assert form.start() is True
    assert form.wait(RUN_TIMEOUT) is None
    emu.clear_faults()
    assert len(emu.calls("/api/v1/scraper/run")) == 1 and quick.runs_page()[0] == 1
    assert "may have started" in form.error and "cc.runs_df(" in form.error
    assert "try again" not in form.error.lower()
    assert "Not started" not in form._panel.status.value
    assert "Start uncertain" in form._panel.status.value


def test_a_failed_poll_names_the_run_to_reattach(emu, quick):
    form = worker_form(
        "coreclaw/slow-worker", client=quick, interval_seconds=0.05, duration_seconds=600
    )
    emu.inject_fault("/api/v1/run/detail", "server_error", fraction=1.0)
    assert form.start() is True
    form.wait(RUN_TIMEOUT)
    emu.clear_faults()
    slug = quick.runs_page()[1][0].slug
    assert f"cc.wait({slug!r})" in form.error
    quick.abort(slug)
