"""Helpers for the emulator's own tests: a test Worker and a small HTTP caller.

The caller talks plain ``requests`` to the emulator over real HTTP; it is test
code, not the package's client (the emulator must stand on its own).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.emulator.workers.base import RunContext, WorkerFailed, WorkerSpec

#: System parameters a careful client sends (all five numeric fields).
SYSTEM = {
    "cpus": 0.125,
    "memory": 512,
    "execute_limit_time_seconds": 0,
    "max_total_charge": 0,
    "max_total_traffic": 0,
}


def _counter(ctx: RunContext, custom: dict[str, Any]) -> None:
    ctx.set_headers(
        [
            {"key": "n", "label": "Number", "format": "text"},
            {"key": "label", "label": "Label", "format": "text"},
            {"key": "nested", "label": "Nested", "format": "text"},
        ]
    )
    rows, interval = custom.get("rows", 10), custom.get("interval", 0.0)
    chunk = custom.get("chunk", 1)
    ctx.log(2, f"Counting to {rows}.")
    for start in range(0, rows, chunk):
        batch = [
            {"n": i, "label": f"row {i} é", "nested": {"even": i % 2 == 0, "tags": ["a", i]}}
            for i in range(start, min(rows, start + chunk))
        ]
        ctx.push(batch)
        ctx.add_traffic(100 * len(batch))
        if interval:
            ctx.sleep(interval)
        else:
            ctx.checkpoint()
    if custom.get("fail"):
        ctx.log(4, "Giving up on purpose.")
        raise WorkerFailed(custom["fail"])


COUNTER = WorkerSpec(
    slug="01TESTC0VNTERW0RKER0000001",
    path="tests/counter",
    title="Counter (test)",
    description="Counts rows for tests; pace and failure are configurable.",
    version="v0.1.0",
    readme="# Counter\nA test Worker.",
    input_schema={
        "description": "Counts.",
        "b": "labels",
        "properties": [
            {
                "name": "rows",
                "type": "integer",
                "editor": "number",
                "title": "Rows",
                "default": 10,
                "minimum": 0,
                "maximum": 2_000_000,
                "required": True,
            },
            {
                "name": "interval",
                "type": "number",
                "editor": "number",
                "title": "Interval",
                "default": 0,
            },
            {
                "name": "chunk",
                "type": "integer",
                "editor": "number",
                "title": "Chunk",
                "default": 1,
                "minimum": 1,
            },
            {"name": "fail", "type": "string", "editor": "input", "title": "Fail with"},
            {"name": "labels", "type": "array", "editor": "stringList", "title": "Labels"},
            {"name": "switch", "type": "boolean", "editor": "switch", "title": "Switch"},
            {"name": "extra", "type": "object", "editor": "json", "title": "Extra"},
        ],
    },
    run=_counter,
    price_per_row=0.001,
)


class Api:
    """Minimal v1 caller for tests (plain requests over a keep-alive session)."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.base = emu.url
        self.session = requests.Session()
        self.session.headers["api-key"] = emu.api_key

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=30, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=30)

    def ok(self, path: str, body: Any = None) -> Any:
        reply = self.post(path, body)
        payload = reply.json()
        assert reply.status_code == 200 and payload["code"] == 0, payload
        return payload["data"]

    def fail(self, path: str, body: Any, code: int, http: int | None = None) -> str:
        reply = self.post(path, body)
        payload = reply.json()
        assert payload["code"] == code, payload
        assert payload["data"] is None
        if http is not None:
            assert reply.status_code == http, (reply.status_code, payload)
        return payload["message"]

    def run_body(
        self, worker: str = COUNTER.path, custom: dict | None = None, **extra: Any
    ) -> dict:
        spec = [w for w in self.emu.workers if worker in (w.path, w.slug)]
        body = {
            "scraper_slug": worker,
            "version": spec[0].version if spec else "v1.0.0",
            "is_async": True,
            "input": {"parameters": {"system": dict(SYSTEM), "custom": custom or {}}},
        }
        body.update(extra)
        return body

    def start(self, worker: str = COUNTER.path, custom: dict | None = None, **extra: Any) -> str:
        return self.ok("/api/v1/scraper/run", self.run_body(worker, custom, **extra))["run_slug"]

    def detail(self, slug: str) -> dict:
        return self.ok("/api/v1/run/detail", {"run_slug": slug})

    def wait(self, slug: str, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            detail = self.detail(slug)
            if detail["status"] in (3, 4):
                return detail
            time.sleep(0.02)
        raise AssertionError(f"run {slug} did not finish: {detail}")

    def rows(self, slug: str, page_size: int = 100) -> list[dict]:
        rows, index = [], 1
        while True:
            data = self.ok(
                "/api/v1/run/result/list",
                {"run_slug": slug, "page_index": index, "page_size": page_size},
            )
            rows += data["list"]
            if len(data["list"]) < page_size:
                return rows
            index += 1


def race(emu: Emulator, calls: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    """POST every ``(path, body)`` at once, each from its own thread and connection.

    Returns:
        ``(HTTP status, decoded body)`` of each reply, in the order they arrived.
    """
    barrier = threading.Barrier(len(calls))
    replies: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send(path: str, body: dict) -> None:
        headers = {"api-key": emu.api_key}
        barrier.wait()
        reply = requests.post(emu.url + path, json=body, headers=headers, timeout=30)
        with lock:
            replies.append((reply.status_code, reply.json()))

    threads = [threading.Thread(target=send, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(replies) == len(calls), "some racing requests got no reply"
    return replies


def send_raw(base_url: str, raw: bytes) -> bytes:
    """Send ``raw`` bytes to the emulator, half-close, and return all it answers."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer
