"""Background jobs: cc.start returns at once, the run is followed in a thread (issue 18)."""

from __future__ import annotations

import threading

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import ID_COLUMN

from .conftest import FAST_BUDGET

CATALOGUE = "coreclaw/catalogue-generator"
SLOW = "coreclaw/slow-worker"
FAILING = "coreclaw/failing-worker"


@pytest.fixture
def thread_errors(monkeypatch):
    """Exceptions that escaped any thread (they would print into some unrelated cell)."""
    escaped: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))
    return escaped


def test_start_returns_at_once_and_the_job_collects_every_row(emu, configured):
    job = cc.start(CATALOGUE, {"rows": 500, "rows_per_second": 125}, max_requests_per_minute=600)
    # The run takes four seconds; the call returned long before that.
    assert not job.done
    df = job.df(timeout=60)
    assert job.done and job.status == "succeeded" and job.rows == 500
    after = cc.results_df(job.run, progress=False, cache=False)
    assert list(df[ID_COLUMN]) == list(after[ID_COLUMN])
    assert df.dtypes.to_dict() == after.dtypes.to_dict()
    assert "succeeded, 500 rows" in repr(job)


def test_jobs_lists_this_kernels_jobs(emu, configured):
    first = cc.start(CATALOGUE, {"rows": 50}, max_requests_per_minute=FAST_BUDGET)
    second = cc.start(CATALOGUE, {"rows": 70}, max_requests_per_minute=FAST_BUDGET)
    first.wait(60)
    second.wait(60)
    table = cc.jobs()
    mine = table[table["job"].isin([first.number, second.number])].set_index("job")
    assert mine.loc[first.number, "rows"] == 50 and mine.loc[second.number, "rows"] == 70
    assert mine["done"].all() and mine["status"].eq("succeeded").all()
    assert mine.loc[first.number, "run_slug"] == first.run.slug


def test_an_exception_in_a_job_shows_on_the_job_and_on_df_only(
    emu, configured, thread_errors, capsys
):
    job = cc.watch("01ABCDEFGHJKMNPQRSTVWXYZ00", max_requests_per_minute=FAST_BUDGET)
    job.wait(60)
    assert job.done and job.status == "error"
    assert isinstance(job.error, cc.RunNotFoundError)
    assert "RunNotFoundError" in repr(job) and "job.df() raises it" in repr(job)
    with pytest.raises(cc.JobError, match="RunNotFoundError") as raised:
        job.df()
    assert raised.value.__cause__ is job.error
    # Never elsewhere: nothing escaped the thread, nothing was printed.
    assert thread_errors == []
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_failed_run_makes_the_job_an_error_with_the_reason(emu, configured, thread_errors):
    job = cc.start(
        FAILING, {"fail_after": 3, "row_interval_seconds": 0}, max_requests_per_minute=600
    )
    job.wait(60)
    assert isinstance(job.error, cc.RunFailedError) and job.rows == 3
    with pytest.raises(cc.JobError, match="Simulated failure"):
        job.df()
    assert thread_errors == []


def _started(job: cc.Job) -> cc.Job:
    """The job, once its run has started (the start is in the job's thread)."""
    for _ in range(400):
        if job.run is not None or job.done:
            return job
        threading.Event().wait(0.05)
    raise AssertionError("the job never started its run")


def _endless(**options) -> cc.Job:
    return cc.start(
        SLOW,
        {"interval_seconds": 0.05, "duration_seconds": 600},
        max_requests_per_minute=FAST_BUDGET,
        **options,
    )


def test_abort_stops_the_run_and_the_job_ends(emu, configured):
    job = _started(_endless())
    assert not job.done
    job.abort()
    job.wait(60)
    assert job.done and job.run.is_terminal
    # An aborted run ends as Failed: the job says so, as cc.run_worker would.
    assert isinstance(job.error, cc.RunFailedError)


def test_wait_with_a_timeout_leaves_the_job_going(emu, configured):
    job = _started(_endless())
    with pytest.raises(cc.RunTimeoutError):
        job.wait(timeout=0.2)
    assert not job.done
    job.abort()
    job.wait(60)


def test_input_errors_are_raised_by_start_before_anything_is_sent(emu, configured):
    with pytest.raises(cc.InputError):
        cc.start(CATALOGUE, {"rows": "many"})
    assert emu.calls("/api/v1/scraper/run") == []
