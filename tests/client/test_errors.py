"""Errors a user can act on, retries that are safe, and a key that never leaks."""

from __future__ import annotations

import traceback

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

CATALOGUE = "coreclaw/catalogue-generator"
SECRET = "sk-VERY-SECRET-0123456789"


@pytest.fixture(autouse=True, params=["spec", "200"])
def v1_error_status(request, emu):
    """Every test twice: v1 errors with the spec's HTTP statuses, then all as HTTP 200."""
    emu.configure(v1_error_status=request.param)
    return request.param


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(vars(exc))


def test_missing_key_is_a_clear_error_only_when_a_key_is_needed(emu):
    client = cc.Client(base_url=emu.url)
    assert client.search_workers("catalogue")  # public: fine without a key
    with pytest.raises(cc.ConfigurationError, match="CORECLAW_API_KEY"):
        client.account()
    assert emu.calls("/api/v1/account/info") == []


def test_environment_supplies_key_and_url(emu, monkeypatch):
    monkeypatch.setenv("CORECLAW_API_KEY", emu.api_key)
    monkeypatch.setenv("CORECLAW_BASE_URL", emu.url)
    assert cc.Client().account().balance > 0
    assert cc.account().balance > 0  # the default client reads the same environment


def test_configure_and_reset_the_default_client(emu):
    cc.configure(api_key=emu.api_key, base_url=emu.url)
    assert cc.default_client().base_url == emu.url
    cc.reset_client()
    assert cc.default_client().base_url == "https://openapi.coreclaw.com"


def test_bad_settings_are_rejected_up_front():
    with pytest.raises(cc.ConfigurationError, match="http"):
        cc.Client(base_url="openapi.coreclaw.com")
    with pytest.raises(cc.ConfigurationError, match="v1"):
        cc.Client(api_version="v7")


def test_wrong_key_raises_authentication_error_without_the_key(emu, v1_error_status):
    client = cc.Client(SECRET, base_url=emu.url, backoff_factor=0.01)
    with pytest.raises(cc.AuthenticationError) as info:
        client.account()
    assert info.value.code == 20001
    assert info.value.http_status == (401 if v1_error_status == "spec" else 200)
    assert "CORECLAW_API_KEY" in str(info.value)
    assert SECRET not in _all_text(info.value)
    assert SECRET not in repr(client)


def test_key_absent_from_transport_errors(emu):
    client = cc.Client(SECRET, base_url="http://127.0.0.1:9", max_retries=1, backoff_factor=0.01)
    with pytest.raises(cc.TransportError) as info:
        client.account()
    assert SECRET not in _all_text(info.value)


@pytest.mark.parametrize(
    "call, cls, code",
    [
        (lambda c: c.run("01NOTAREALRUN0000000000000"), cc.RunNotFoundError, 70001),
        (lambda c: c.worker("nobody/nothing"), cc.WorkerNotFoundError, 50001),
        (
            lambda c: c.run_task("01NOTAREALTASK000000000000", callback_url="http://127.0.0.1:9/x"),
            cc.TaskNotFoundError,
            60001,
        ),
        (lambda c: c.results_page("01NOTAREALRUN0000000000000"), cc.RunNotFoundError, 70001),
    ],
)
def test_not_found_errors_carry_code_and_slug(client, call, cls, code):
    with pytest.raises(cls) as info:
        call(client)
    err = info.value
    assert err.code == code and err.endpoint
    assert (err.run_slug or err.scraper_slug or err.task_slug) in str(err)


def test_pinned_unknown_version(client):
    with pytest.raises(cc.WorkerNotFoundError) as info:
        client.start_run(CATALOGUE, {"rows": 1}, version="v9.9.9")
    assert info.value.code == 50003


def test_balance_exhausted_is_a_quota_error(client, emu):
    emu.set_balance(0)
    with pytest.raises(cc.QuotaError) as info:
        client.start_run(CATALOGUE, {"rows": 1})
    assert info.value.code == 30001 and "Top up" in str(info.value)


def test_bad_input_is_refused_before_sending(client, emu):
    emu.clear_requests()
    with pytest.raises(cc.InputError) as info:
        client.start_run(CATALOGUE, {"rows": "ten", "nonsense": 1}, system={"memory": 3000})
    text = str(info.value)
    assert "`rows`" in text and "nonsense" in text and "memory" in text
    assert len(info.value.problems) == 3
    assert emu.calls("/api/v1/scraper/run") == []


def test_platform_4000_on_start_names_the_required_fields(client, emu):
    # Skip our own validation to see the platform's 4000 and the hint we add to it.
    version, system, _ = client.prepare_input(CATALOGUE, {"rows": 1})
    with pytest.raises(cc.InvalidRequestError) as info:
        client._wire.start_run(
            scraper_slug=CATALOGUE,
            version=version,
            system=system,
            custom={"rows": "x"},
            is_async=True,
            callback_url=None,
        )
    assert info.value.code == 4000 and "rows" in info.value.api_message


@pytest.mark.parametrize("kind", ["server_error", "rate_limit", "reset", "truncated"])
def test_reads_survive_every_retryable_fault(client, emu, kind):
    run = client.wait(client.start_run(CATALOGUE, {"rows": 10}).slug)
    emu.inject_fault("/api/v1/run/detail", kind, count=2)
    assert client.run(run.slug).status is RunStatus.SUCCEEDED
    assert len(emu.calls("/api/v1/run/detail")) >= 3


def test_slow_reply_times_out_and_is_retried(emu):
    client = cc.Client(emu.api_key, base_url=emu.url, timeout=0.3, backoff_factor=0.01)
    emu.inject_fault("/api/v1/account/info", "slow", count=1, delay=1.0)
    assert client.account().balance > 0


def test_faults_during_paging_lose_and_duplicate_no_row(client, emu):
    run = client.wait(client.start_run(CATALOGUE, {"rows": 2000}).slug)
    for kind in ("server_error", "reset", "truncated", "rate_limit"):
        emu.inject_fault("/api/v1/run/result/list", kind, fraction=0.05, seed=7)
    rows = list(client.iter_results(run.slug))
    ids = [r["__coreclaw_data_id__"] for r in rows]
    assert len(rows) == 2000 and len(set(ids)) == 2000
    assert [r["index"] for r in rows] == list(range(2000))
    assert any(r.fault for r in emu.calls("/api/v1/run/result/list"))


def test_retries_are_bounded(emu):
    client = cc.Client(emu.api_key, base_url=emu.url, max_retries=2, backoff_factor=0.01)
    emu.inject_fault("/api/v1/account/info", "server_error", count=10)
    with pytest.raises(cc.ServerError) as info:
        client.account()
    assert info.value.code == 5000
    # Counted by fault: a slow reply of an earlier test may still be recorded late.
    faulted = [c for c in emu.calls("/api/v1/account/info") if c.fault == "server_error"]
    assert len(faulted) == 3


@pytest.mark.parametrize(
    "kind, error",
    [
        ("server_error", cc.ServerError),
        ("server_error_after", cc.ServerError),
        ("reset", cc.TransportError),
        ("truncated", cc.TransportError),
    ],
)
def test_a_run_start_is_never_sent_twice(client, emu, kind, error):
    client.worker(CATALOGUE)
    emu.clear_requests()
    emu.inject_fault("/api/v1/scraper/run", kind, count=5)
    with pytest.raises(error) as info:
        client.start_run(CATALOGUE, {"rows": 1})
    assert len(emu.calls("/api/v1/scraper/run")) == 1
    if isinstance(info.value, cc.TransportError):
        assert "NOT retried" in str(info.value) and "runs_df" in str(info.value)
    expected_runs = 1 if kind == "server_error_after" else 0
    assert client.runs_page()[0] == expected_runs


def test_rerun_and_task_run_are_never_sent_twice(client, emu):
    first = client.wait(client.start_run(CATALOGUE, {"rows": 1}).slug)
    emu.inject_fault("/api/v1/rerun", "server_error", count=5)
    with pytest.raises(cc.ServerError):
        client.rerun(first.slug, callback_url="http://127.0.0.1:9/x")
    assert len(emu.calls("/api/v1/rerun")) == 1
    task = emu.add_task(CATALOGUE, {"rows": 1})
    emu.inject_fault("/api/v1/task/run", "reset", count=5)
    with pytest.raises(cc.TransportError):
        client.run_task(task, callback_url="http://127.0.0.1:9/x")
    assert len(emu.calls("/api/v1/task/run")) == 1


def test_a_refused_start_is_retried_and_starts_exactly_one_run(client, emu):
    emu.inject_fault("/api/v1/scraper/run", "rate_limit", count=2)
    run = client.start_run(CATALOGUE, {"rows": 1})
    assert len(emu.calls("/api/v1/scraper/run")) == 3
    count, runs = client.runs_page()
    assert count == 1 and runs[0].slug == run.slug


def test_rate_limit_knob_is_absorbed_by_backoff(emu):
    emu.configure(rate_limit=20)
    client = cc.Client(emu.api_key, base_url=emu.url, backoff_factor=0.05, max_retries=8)
    for _ in range(40):
        client.account()
    assert any(r.status == 429 for r in emu.requests)


def test_a_definite_error_code_is_not_retried_whatever_the_http_status(client, emu):
    run = client.wait(client.start_run(CATALOGUE, {"rows": 1}).slug)
    emu.clear_requests()
    with pytest.raises(cc.RunStateError):
        client.abort(run.slug)  # 70002, sent with HTTP 500 or 409: final, so asked once
    assert len([r for r in emu.requests if r.path.endswith("abort")]) == 1
