"""Every client method against the emulator over real HTTP."""

from __future__ import annotations

import io
import json

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

CATALOGUE = "coreclaw/catalogue-generator"
FAILING = "coreclaw/failing-worker"
SLOW = "coreclaw/slow-worker"
WEB = "coreclaw/web-page-scraper"


def test_search_and_worker_detail_need_no_key(emu):
    anonymous = cc.Client(base_url=emu.url)
    found = anonymous.search_workers("catalogue")
    assert [w.title for w in found] and all(isinstance(w, cc.WorkerSummary) for w in found)
    worker = anonymous.worker(found[0].slug)
    assert worker.version.startswith("v")
    assert "rows" in worker.input_schema.names
    assert worker.system["memory"] in (512, 1024, 2048, 4096, 8192, 16384)
    regions = anonymous.proxy_regions()
    assert any(r.code == "US" for r in regions)


def test_worker_by_path_and_by_ulid_are_the_same(client):
    by_path = client.worker(CATALOGUE)
    ulid = client.search_workers("catalogue")[0].slug
    by_id = client.worker(ulid)
    assert by_path.version == by_id.version
    assert by_path.input_schema.names == by_id.input_schema.names


def test_worker_detail_is_cached_briefly(client, emu):
    emu.clear_requests()
    client.worker(CATALOGUE)
    client.worker(CATALOGUE)
    assert len(emu.calls("/api/scraper")) == 1
    client.worker(CATALOGUE, refresh=True)
    assert len(emu.calls("/api/scraper")) == 2


def test_lifecycle_start_wait_detail_results_log(client):
    run = client.start_run(CATALOGUE, {"rows": 250})
    assert run.status is RunStatus.READY and len(run.slug) == 26
    seen = []
    final = client.wait(run.slug, on_update=seen.append)
    assert final.status is RunStatus.SUCCEEDED and final.results == 250
    assert final.scraper_title and final.version and final.usage > 0
    assert final.started_at is not None and final.finished_at >= final.started_at
    assert seen[-1] == final
    page = client.results_page(run.slug, page_index=2, page_size=100)
    assert page.count == 250 and len(page.rows) == 100
    assert [h.key for h in page.headers][:3] and all(h.label for h in page.headers)
    rows = list(client.iter_results(run.slug))
    ids = [r["__coreclaw_data_id__"] for r in rows]
    assert len(rows) == 250 and len(set(ids)) == 250
    assert [r["index"] for r in rows] == sorted(r["index"] for r in rows)
    log = client.log(run.slug)
    assert log.entries and log.entries[-1].content
    assert log.result_count == 250


def test_max_rows_stops_early(client):
    run = client.wait(client.start_run(CATALOGUE, {"rows": 450}).slug)
    rows = list(client.iter_results(run.slug, max_rows=230))
    assert len(rows) == 230
    assert rows == list(client.iter_results(run.slug))[:230]


def test_page_size_steps_down_when_the_server_refuses_it(client, emu):
    run = client.wait(client.start_run(CATALOGUE, {"rows": 320}).slug)
    emu.clear_requests()
    rows = list(client.iter_result_pages(run.slug, page_size=1000))
    assert sum(len(p.rows) for p in rows) == 320
    sizes = [r.json["page_size"] for r in emu.calls("/api/v1/run/result/list")]
    accepted = sizes[-1]
    assert sizes[0] == 1000 and accepted <= 100 and sizes == sorted(sizes, reverse=True)
    assert sizes.count(accepted) == -(-320 // accepted)


def test_run_history_filters_and_paginates(client):
    ok = client.wait(client.start_run(CATALOGUE, {"rows": 5}).slug)
    bad = client.wait(client.start_run(FAILING, {"fail_after": 2}).slug)
    assert bad.status is RunStatus.FAILED and bad.err_msg
    succeeded = list(client.iter_runs(status=RunStatus.SUCCEEDED))
    assert ok.slug in [r.slug for r in succeeded] and bad.slug not in [r.slug for r in succeeded]
    failing = list(client.iter_runs(scraper_slug=bad.scraper_slug))
    assert [r.slug for r in failing] == [bad.slug]
    count, runs = client.runs_page(page_index=1, page_size=1)
    assert count >= 2 and len(runs) == 1
    assert len(list(client.iter_runs(limit=1))) == 1


def test_history_pagination_crosses_pages(emu):
    small = cc.Client(
        emu.api_key, base_url=emu.url, page_size=2, poll=cc.PollPolicy(initial=0.05, maximum=0.2)
    )
    slugs = {small.start_run(CATALOGUE, {"rows": 1}).slug for _ in range(5)}
    listed = [r.slug for r in small.iter_runs()]
    assert slugs <= set(listed) and len(listed) == len(set(listed))


def test_abort_a_running_run(client):
    run = client.start_run(SLOW, {"duration_seconds": 60, "interval_seconds": 0.2})
    client.abort(run.slug)
    final = client.wait(run.slug)
    assert final.status in (RunStatus.ABORTING, RunStatus.FAILED)
    with pytest.raises(cc.RunStateError) as info:
        client.abort(client.wait(client.start_run(CATALOGUE, {"rows": 1}).slug).slug)
    assert info.value.code == 70002


def test_rerun_and_task_start_new_runs(client, emu):
    first = client.wait(client.start_run(CATALOGUE, {"rows": 7}).slug)
    again = client.rerun(first.slug, callback_url="http://127.0.0.1:9/hook")
    assert again.slug != first.slug
    assert client.wait(again.slug).results == 7
    task = emu.add_task(CATALOGUE, {"rows": 3})
    by_task = client.run_task(task, callback_url="http://127.0.0.1:9/hook")
    assert client.wait(by_task.slug).results == 3


def test_export_downloads_without_the_key(client, emu):
    run = client.wait(client.start_run(CATALOGUE, {"rows": 40}).slug)
    url = client.export_url(run.slug, format="json", columns=["index", "title"])
    assert url.startswith("http")
    emu.clear_requests()
    out = io.BytesIO()
    n = client.download(url, out)
    assert n == len(out.getvalue()) > 0
    data = json.loads(out.getvalue())
    assert len(data) == 40 and set(data[0]) <= {"index", "title", "__coreclaw_data_id__"}
    downloads = [r for r in emu.requests if r.method == "GET" and "export" in r.path]
    assert downloads and not any(r.has_auth for r in downloads)


def test_account(client):
    account = client.account()
    assert isinstance(account, cc.Account) and account.balance > 0


def test_sync_start_returns_the_first_rows(client):
    reply = client.start_run_sync(CATALOGUE, {"rows": 30})
    assert reply.finished and reply.run.status is RunStatus.SUCCEEDED
    assert reply.page is not None and len(reply.page.rows) == 30


@pytest.mark.parametrize(
    "body",
    [
        {"run_slug": "01ABC", "status": 3, "results": 20, "usage": "0.06"},
        {
            "run_slug": "01ABC",
            "run_status": "succeeded",
            "result_count": 20,
            "error_message": "",
            "execution_start_timestamp": 100,
            "execution_end_timestamp": 200,
            "running_duration": 100,
        },
    ],
)
def test_callback_bodies_of_both_shapes(body):
    run = cc.parse_callback(json.dumps(body))
    assert run.slug == "01ABC" and run.status is RunStatus.SUCCEEDED and run.results == 20


def test_emulator_delivers_a_callback_the_client_can_parse(client, emu):
    import http.server
    import threading

    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        run = client.start_run(CATALOGUE, {"rows": 4}, callback_url=url)
        client.wait(run.slug)
        for _ in range(100):
            if len(received) == 2:  # one callback on running, one at the end
                break
            import time

            time.sleep(0.05)
        running, parsed = (cc.parse_callback(body) for body in received)
        assert running.slug == run.slug and running.status is RunStatus.RUNNING
        assert parsed.slug == run.slug and parsed.status is RunStatus.SUCCEEDED
        assert parsed.results == 4
    finally:
        server.shutdown()
