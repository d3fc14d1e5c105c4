"""Knobs from Python: faults, rate limit, callbacks, request recording and reset."""

from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests

from coreclaw_pandas.emulator import Emulator

from .helpers import COUNTER

RUNS = "/api/v1/run/list"
PAGE = {"page_index": 1, "page_size": 10}


def _run_count(api) -> int:
    return api.ok(RUNS, PAGE)["count"]


def test_server_error_fault_fires_count_times_before_processing(api):
    fault = api.emu.inject_fault("/api/v1/scraper/run", "server_error", count=2)
    for _ in range(2):
        reply = api.post("/api/v1/scraper/run", api.run_body(custom={"rows": 1}))
        assert (reply.status_code, reply.json()["code"]) == (500, 5000)
    assert _run_count(api) == 0
    assert api.start(custom={"rows": 1})
    assert fault.fired == 2 and _run_count(api) == 1


def test_rate_limit_fault_creates_no_run(api):
    api.emu.inject_fault("/api/v1/scraper/run", "rate_limit")
    reply = api.post("/api/v1/scraper/run", api.run_body(custom={"rows": 1}))
    assert (reply.status_code, reply.json()["code"]) == (429, 4290)
    assert _run_count(api) == 0


def test_server_error_after_processes_then_fails(api):
    api.emu.inject_fault("/api/v1/scraper/run", "server_error_after")
    reply = api.post("/api/v1/scraper/run", api.run_body(custom={"rows": 1}))
    assert (reply.status_code, reply.json()["code"]) == (500, 5000)
    assert _run_count(api) == 1  # the run exists although the caller saw an error


def test_reset_fault_closes_the_connection(api):
    api.emu.inject_fault("/api/v1/scraper/run", "reset")
    with pytest.raises(requests.ConnectionError):
        requests.post(
            api.base + "/api/v1/scraper/run",
            json=api.run_body(custom={"rows": 1}),
            headers={"api-key": api.emu.api_key},
            timeout=10,
        )
    assert _run_count(api) == 0
    assert api.emu.calls("/api/v1/scraper/run")[-1].status == 0


def test_truncated_fault_sends_a_short_body(api):
    api.emu.inject_fault("/api/v1/account/info", "truncated")
    host = urlsplit(api.base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    conn.request(
        "POST",
        "/api/v1/account/info",
        body=b"{}",
        headers={"api-key": api.emu.api_key, "Content-Type": "application/json"},
    )
    reply = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        reply.read()
    conn.close()
    assert api.ok("/api/v1/account/info")["balance"]


def test_slow_fault_still_answers(api):
    fault = api.emu.inject_fault("/api/v1/account/info", "slow", delay=0.2)
    assert api.ok("/api/v1/account/info")["balance"]
    assert fault.fired == 1


def test_fraction_faults_are_seeded(api):
    def pattern() -> list[int]:
        api.emu.clear_faults()
        api.emu.inject_fault("/api/v1/account/info", "server_error", fraction=0.5, seed=7)
        return [api.post("/api/v1/account/info", {}).status_code for _ in range(30)]

    first = pattern()
    assert 0 < first.count(500) < 30 and set(first) == {200, 500}
    assert pattern() == first


def test_prefix_faults_and_bad_arguments(api):
    api.emu.inject_fault("/api/v1/run/*", "server_error", count=2)
    assert api.post("/api/v1/run/list", PAGE).status_code == 500
    assert api.post("/api/v1/run/detail", {"run_slug": "x"}).status_code == 500
    assert api.post("/api/v1/run/list", PAGE).status_code == 200
    with pytest.raises(ValueError):
        api.emu.inject_fault("/api/store", "explode")
    with pytest.raises(ValueError):
        api.emu.inject_fault("/api/store", "slow", count=1, fraction=0.5)
    with pytest.raises(TypeError):
        api.emu.configure(no_such_knob=1)


def test_rate_limit_knob_answers_429_with_retry_after(api):
    api.emu.configure(rate_limit=2)
    replies = [api.post("/api/v1/account/info", {}) for _ in range(10)]
    limited = [r for r in replies if r.status_code == 429]
    assert limited and all(r.json()["code"] == 4290 for r in limited)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    assert replies[0].status_code == 200


def test_rate_limit_is_per_key(api):
    api.emu.configure(rate_limit=1, api_keys=("key-a", "key-b"))
    a = [
        requests.post(api.base + "/api/v1/account/info", json={}, headers={"api-key": "key-a"})
        for _ in range(3)
    ]
    b = requests.post(api.base + "/api/v1/account/info", json={}, headers={"api-key": "key-b"})
    assert a[0].status_code == 200 and 429 in [r.status_code for r in a]
    assert b.status_code == 200


def test_requests_are_recorded_without_the_key(api):
    api.post("/api/v1/run/detail", {"run_slug": "01ZZZZZZZZZZZZZZZZZZZZZZZZ"})
    requests.get(api.base + "/api/store", params={"search": "web"})
    detail, store = api.emu.requests[-2:]
    assert (detail.method, detail.path, detail.json, detail.has_auth, detail.status) == (
        "POST",
        "/api/v1/run/detail",
        {"run_slug": "01ZZZZZZZZZZZZZZZZZZZZZZZZ"},
        True,
        404,
    )
    assert (store.query, store.has_auth) == ({"search": ["web"]}, False)
    assert api.emu.api_key not in repr(api.emu.requests)
    assert len(api.emu.calls("/api/store", "GET")) == 1


class _Receiver:
    """A tiny callback receiver: answers the first ``failures`` POSTs with 500."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[dict] = []
        self.failures = failures
        self.got = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.bodies.append(body)
                failing = receiver.failures > 0
                receiver.failures -= 1
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if not failing:
                    receiver.got.set()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def until(self, count: int, timeout: float = 10.0) -> list[dict]:
        """Wait until ``count`` bodies have arrived (callbacks come on each status change)."""
        deadline = time.monotonic() + timeout
        while len(self.bodies) < count:
            assert time.monotonic() < deadline, f"{len(self.bodies)} of {count} callbacks came"
            self.got.wait(0.05)
            self.got.clear()
        return self.bodies[:count]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_callback_posts_the_v1_body_when_the_run_ends(api):
    receiver = _Receiver()
    try:
        slug = api.start(custom={"rows": 4}, callback_url=receiver.url)
        detail = api.wait(slug)
        running, ended = receiver.until(2)
        assert (running["run_slug"], running["status"]) == (slug, 2)  # on the status change
        assert ended == {"run_slug": slug, "status": 3, "results": 4, "usage": detail["usage"]}
    finally:
        receiver.close()


def test_callback_is_retried_and_failures_are_not_fatal(api):
    receiver = _Receiver(failures=1)
    try:
        slug = api.start(custom={"rows": 1, "fail": "bad"}, callback_url=receiver.url)
        # The "running" callback fails once and is retried; the end follows it, in order.
        assert [b["status"] for b in receiver.until(3)] == [2, 2, 4]
        for _ in range(200):  # the attempt is recorded just after the receiver answers
            attempts = [a for a in api.emu.callbacks if a.run_slug == slug]
            if len(attempts) == 3:
                break
            time.sleep(0.01)
        assert [a.status for a in attempts] == [500, 200, 200]
    finally:
        receiver.close()
    dead = api.start(custom={"rows": 1}, callback_url="http://127.0.0.1:9/nobody")
    assert api.wait(dead)["status"] == 3


def test_reset_returns_to_a_clean_state(api):
    tasks_before = api.emu.tasks
    balance_before = api.ok("/api/v1/account/info")["balance"]
    running = api.start("coreclaw/slow-worker", {"interval_seconds": 1, "duration_seconds": 600})
    api.emu.add_task("tests/counter", {"rows": 1})
    api.emu.configure(max_page_size=5, rate_limit=1000)
    api.emu.inject_fault("/api/v1/run/detail", "server_error", count=5)
    api.emu.set_balance(1)
    api.emu.reset()
    assert api.emu.requests == [] and api.emu.callbacks == []
    assert api.emu.tasks == tasks_before
    assert api.emu.settings.max_page_size == 100 and api.emu.settings.rate_limit is None
    assert api.ok("/api/v1/account/info")["balance"] == balance_before
    assert _run_count(api) == 0
    api.fail("/api/v1/run/detail", {"run_slug": running}, 70001, 404)  # fault cleared, run gone


def test_knobs_and_keys_from_the_constructor():
    with Emulator(api_key="secret-1", max_page_size=7, balance="3.5") as emu:
        headers = {"api-key": "secret-1"}
        info = requests.post(emu.url + "/api/v1/account/info", json={}, headers=headers).json()
        assert info["data"]["balance"] == "3.5000"
        reply = requests.post(
            emu.url + "/api/v1/run/list", headers=headers, json={"page_index": 1, "page_size": 8}
        )
        assert reply.json()["code"] == 4000 and "7" in reply.json()["message"]
        assert emu.api_key == "secret-1" and emu.url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        _ = emu.url


def test_emulator_offers_builtins_and_extras():
    emu = Emulator(workers=[COUNTER])
    paths = {w.path for w in emu.workers}
    assert {
        "tests/counter",
        "coreclaw/web-page-scraper",
        "coreclaw/catalogue-generator",
        "coreclaw/failing-worker",
        "coreclaw/slow-worker",
    } <= paths
    assert {w.path for w in Emulator(workers=[COUNTER], builtin=False).workers} == {"tests/counter"}
    with pytest.raises(ValueError):
        Emulator(api_keys=[])
