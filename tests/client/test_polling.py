"""The wait loop, with an injected clock: no server, no real time."""

import pytest

from coreclaw_pandas.client.polling import PollPolicy, wait_for
from coreclaw_pandas.exceptions import RunAbortingError, RunTimeoutError
from coreclaw_pandas.models import Run, RunStatus


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(statuses, clock=None):
    """A fetch that returns the given statuses in turn (the last one repeats)."""
    seq = list(statuses)
    calls = []

    def fetch():
        status = seq[min(len(calls), len(seq) - 1)]
        calls.append(clock.now if clock else None)
        return Run(slug="R1", status=status, results=len(calls))

    return fetch, calls


def test_returns_terminal_run_and_reports_every_poll():
    clock = FakeClock()
    fetch, calls = scripted([RunStatus.READY, RunStatus.RUNNING, RunStatus.SUCCEEDED], clock)
    seen = []
    run = wait_for(fetch, clock=clock, sleep=clock.sleep, on_update=seen.append)
    assert run.status is RunStatus.SUCCEEDED
    assert [r.status for r in seen] == [RunStatus.READY, RunStatus.RUNNING, RunStatus.SUCCEEDED]
    assert len(calls) == 3


def test_backs_off_to_the_maximum():
    policy = PollPolicy(initial=1.0, factor=2.0, maximum=5.0)
    clock = FakeClock()
    fetch, _ = scripted([RunStatus.RUNNING] * 6 + [RunStatus.FAILED], clock)
    run = wait_for(fetch, policy=policy, clock=clock, sleep=clock.sleep)
    assert run.status is RunStatus.FAILED
    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_a_one_minute_run_costs_few_requests_with_the_default_policy():
    clock = FakeClock()
    calls = []

    def fetch():
        calls.append(clock.now)
        return Run(slug="R", status=RunStatus.SUCCEEDED if clock.now >= 60 else RunStatus.RUNNING)

    wait_for(fetch, clock=clock, sleep=clock.sleep)
    assert len(calls) <= 15
    # The run ended at 60 s; we noticed it within one maximal interval.
    assert calls[-1] - 60 <= PollPolicy().maximum


def test_timeout_raises_with_the_last_run_and_polls_at_the_deadline():
    clock = FakeClock()
    fetch, calls = scripted([RunStatus.RUNNING], clock)
    with pytest.raises(RunTimeoutError) as info:
        wait_for(fetch, timeout=10, clock=clock, sleep=clock.sleep)
    assert info.value.run.slug == "R1"
    assert info.value.run.status is RunStatus.RUNNING
    assert calls[-1] == pytest.approx(10.0)
    assert "cc.wait('R1')" in str(info.value) and "cc.abort('R1')" in str(info.value)


def test_aborting_is_polled_a_bounded_number_of_times():
    clock = FakeClock()
    fetch, calls = scripted([RunStatus.RUNNING, RunStatus.ABORTING], clock)
    with pytest.raises(RunAbortingError) as info:
        wait_for(
            fetch, policy=PollPolicy(initial=1, aborting_polls=3), clock=clock, sleep=clock.sleep
        )
    assert info.value.run.status is RunStatus.ABORTING and "still aborting" in str(info.value)
    assert len(calls) == 1 + 4


def test_aborting_that_turns_failed_returns_failed():
    clock = FakeClock()
    fetch, _ = scripted([RunStatus.ABORTING, RunStatus.ABORTING, RunStatus.FAILED], clock)
    run = wait_for(fetch, clock=clock, sleep=clock.sleep)
    assert run.status is RunStatus.FAILED


def test_first_state_skips_the_first_fetch():
    clock = FakeClock()
    fetch, calls = scripted([RunStatus.SUCCEEDED], clock)
    run = wait_for(
        fetch, first=Run(slug="R0", status=RunStatus.SUCCEEDED), clock=clock, sleep=clock.sleep
    )
    assert run.slug == "R0" and calls == []
