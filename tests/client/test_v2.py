"""What is specific to API v2: Bearer auth, `~` paths, string statuses, limits, month windows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

CATALOGUE = "coreclaw/catalogue-generator"


@pytest.fixture
def v2(emu):
    c = cc.Client(
        emu.api_key,
        base_url=emu.url,
        api_version="v2",
        backoff_factor=0.01,
        poll=cc.PollPolicy(initial=0.05, maximum=0.25),
    )
    yield c
    c.close()


def test_version_is_one_setting(emu, monkeypatch):
    monkeypatch.setenv("CORECLAW_API_VERSION", "v2")
    assert cc.Client(emu.api_key, base_url=emu.url).api_version == "v2"
    assert cc.configure(api_key=emu.api_key, base_url=emu.url).api_version == "v2"


def test_paths_use_tilde_and_a_bearer_key(v2, emu):
    run = v2.wait(v2.start_run(CATALOGUE, {"rows": 3}).slug)
    starts = [r for r in emu.requests if r.method == "POST" and r.path.endswith("/runs")]
    assert starts[0].path == "/api/v2/workers/coreclaw~catalogue-generator/runs"
    assert all(r.has_auth for r in starts)
    assert v2.run(run.slug).status is RunStatus.SUCCEEDED


def test_a_wrong_key_reports_the_request_id_and_never_the_key(emu):
    secret = "sk-V2-SECRET-42"
    client = cc.Client(secret, base_url=emu.url, api_version="v2", backoff_factor=0.01)
    with pytest.raises(cc.AuthenticationError) as info:
        client.account()
    err = info.value
    assert err.code in (12001, 12002) and err.request_id and err.request_id in str(err)
    assert secret not in str(err) + repr(err) + repr(client)


def test_unknown_run_is_a_run_not_found_error_with_request_id(v2):
    with pytest.raises(cc.RunNotFoundError) as info:
        v2.run("01NOTAREALRUN0000000000000")
    assert info.value.code == 11004 and info.value.request_id


def test_invalid_input_from_the_platform_is_an_invalid_request_with_details(v2):
    version, system, _ = v2.prepare_input(CATALOGUE, {"rows": 1})
    with pytest.raises(cc.InvalidRequestError) as info:
        v2._wire.start_run(
            scraper_slug=CATALOGUE,
            version=version,
            system=system,
            custom={"rows": "x"},
            is_async=True,
            callback_url=None,
        )
    assert info.value.code == 11000 and info.value.http_status in (400, 422)
    assert "rows" in str(info.value)


def test_statuses_are_words_on_the_wire(v2, emu):
    run = v2.wait(v2.start_run(CATALOGUE, {"rows": 2}).slug)
    emu.clear_requests()
    assert [r.slug for r in v2.iter_runs(status=RunStatus.SUCCEEDED)] == [run.slug]
    assert {r.query.get("status", [None])[0] for r in emu.calls("/api/v2/worker-runs")} == {
        "succeeded"
    }


def test_pages_never_ask_more_than_the_limit_and_offset_is_a_page_number(emu):
    client = cc.Client(
        emu.api_key,
        base_url=emu.url,
        api_version="v2",
        page_size=1000,
        poll=cc.PollPolicy(initial=0.05, maximum=0.25),
    )
    run = client.wait(client.start_run(CATALOGUE, {"rows": 250}).slug)
    emu.clear_requests()
    rows = list(client.iter_results(run.slug))
    assert [r["index"] for r in rows] == list(range(250))
    calls = emu.calls(f"/api/v2/worker-runs/{run.slug}/result")
    assert {int(r.query["limit"][0]) for r in calls} == {100}
    assert sorted(int(r.query["offset"][0]) for r in calls) == [1, 2, 3]


def test_history_asks_month_by_month_and_finds_older_runs(v2, emu, at_instant):
    now = v2.wait(v2.start_run(CATALOGUE, {"rows": 1}).slug)
    old = v2.wait(v2.start_run(CATALOGUE, {"rows": 1}).slug)
    two_months_ago = at_instant - timedelta(days=62)
    emu.backdate_run(old.slug, started_at=two_months_ago.timestamp())
    emu.clear_requests()
    slugs = [r.slug for r in v2.iter_runs()]
    assert slugs == [now.slug, old.slug]
    windows = [r.query for r in emu.calls("/api/v2/worker-runs")]
    beijing = timezone(timedelta(hours=8))
    for q in windows:
        start = datetime.fromtimestamp(int(q["start_time"][0]), beijing)
        end = datetime.fromtimestamp(int(q["end_time"][0]), beijing)
        assert (start.year, start.month) == (end.year, end.month)
    recent = cc.runs_df(since=at_instant - timedelta(days=7), client=v2)
    assert recent["run_slug"].tolist() == [now.slug]


def test_the_same_run_is_seen_through_both_versions(v2, client):
    run = client.wait(client.start_run(CATALOGUE, {"rows": 4}).slug)
    seen = v2.run(run.slug)
    assert seen.status is RunStatus.SUCCEEDED and seen.results == 4
    assert [r["__coreclaw_data_id__"] for r in v2.iter_results(run.slug)] == [
        r["__coreclaw_data_id__"] for r in client.iter_results(run.slug)
    ]


def test_worker_scoped_last_run(v2, client):
    assert v2.last_run(CATALOGUE) is None or v2.last_run(CATALOGUE).slug
    run = v2.wait(v2.start_run(CATALOGUE, {"rows": 1}).slug)
    assert v2.last_run(CATALOGUE).slug == run.slug
    assert client.last_run(CATALOGUE).slug == run.slug


def test_more_export_formats(v2, client, tmp_path):
    run = v2.wait(v2.start_run(CATALOGUE, {"rows": 5}).slug)
    path = cc.export(run, tmp_path / "rows.jsonl", format="jsonl", client=v2, progress=False)
    assert len(path.read_text().splitlines()) == 5
    with pytest.raises(cc.InputError, match="jsonl"):
        client.export_url(run.slug, format="jsonl")


def test_last_run_of_an_unknown_worker_is_an_error(v2):
    with pytest.raises(cc.WorkerNotFoundError):
        v2.last_run("nobody/nothing")
