"""The web page scraper refuses private, loopback and link-local addresses before connecting.

Every socket connection the process makes while a crawl runs is seen through an audit
hook (``socket.connect``), so "refused before any connection" is observed, not assumed.
No test here ever connects to a non-loopback address: the private addresses are
refused by the code under test, and the hook fails the test if one was tried.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.emulator.workers import web_page

from .helpers import SYSTEM
from .test_workers import RecordingContext

_CONNECTS: list[Any] = []
_WATCHING: list[bool] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _WATCHING:
        _CONNECTS.append(args[1])


sys.addaudithook(_hook)  # cannot be removed: it records only while a test watches


@pytest.fixture
def connects() -> Iterator[list[Any]]:
    _CONNECTS.clear()
    _WATCHING.append(True)
    yield _CONNECTS
    _WATCHING.clear()


def _hosts(seen: list[Any]) -> set[str]:
    return {address[0] for address in seen if isinstance(address, tuple)}


class _Site(BaseHTTPRequestHandler):
    """``/go?to=URL`` redirects there; anything else is a small page naming this server."""

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        if self.path.startswith("/go?to="):
            self.send_response(302)
            self.send_header("Location", self.path[len("/go?to="):])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<html><head><title>Local</title></head><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer, path: str = "/") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


PRIVATE = [
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://0.0.0.0:80/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:10.0.0.1]/",
    "https://10.0.0.1/",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_are_refused_without_connecting(url, site, connects):
    ctx = RecordingContext(_url(site))
    web_page.run(ctx, {"startURLs": [{"url": url}], "max_pages": 1})
    row = ctx.rows[0]
    assert row["status"] is None and row["error"].startswith("Blocked:"), row
    assert "allow_private_networks" in row["error"]
    assert connects == []


def test_a_redirect_to_a_private_address_is_refused(site, connects):
    ctx = RecordingContext(_url(site))
    start = _url(site, "/go?to=http://169.254.169.254/latest/meta-data/")
    web_page.run(ctx, {"startURLs": [{"url": start}], "max_pages": 1})
    assert ctx.rows[0]["error"].startswith("Blocked:"), ctx.rows[0]
    assert site.hits == ["/go?to=http://169.254.169.254/latest/meta-data/"]
    assert _hosts(connects) == {"127.0.0.1"}


def test_another_local_service_is_refused_but_the_emulators_own_pages_are_not(site, connects):
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        own = f"http://127.0.0.1:{spare.getsockname()[1]}"
    ctx = RecordingContext(own)  # the emulator is elsewhere: `site` is just a local service
    web_page.run(ctx, {"startURLs": [{"url": _url(site)}], "max_pages": 1})
    assert ctx.rows[0]["error"].startswith("Blocked:")
    assert site.hits == [] and connects == []

    ctx = RecordingContext(_url(site))  # now it is the emulator's own address
    web_page.run(ctx, {"startURLs": [{"url": "/page"}], "max_pages": 1})
    assert ctx.rows[0]["status"] == 200 and ctx.rows[0]["title"] == "Local"


def test_the_knob_allows_private_addresses(site):
    ctx = RecordingContext("http://127.0.0.1:9")
    ctx.allow_private_networks = True  # type: ignore[attr-defined]
    web_page.run(ctx, {"startURLs": [{"url": _url(site)}], "max_pages": 1})
    assert ctx.rows[0]["status"] == 200


def _crawl(emu: Emulator, url: str) -> dict:
    import requests

    reply = requests.post(
        emu.url + "/api/v1/scraper/run",
        json={
            "scraper_slug": web_page.WORKER.path,
            "version": web_page.WORKER.version,
            "is_async": True,
            "input": {"parameters": {"system": SYSTEM, "custom": {
                "startURLs": [{"url": url}], "max_pages": 1}}},
        },
        headers={"api-key": emu.api_key},
        timeout=60,
    ).json()
    assert reply["code"] == 0, reply
    slug = reply["data"]["run_slug"]
    assert emu.wait_for_run(slug)
    rows = requests.post(
        emu.url + "/api/v1/run/result/list",
        json={"run_slug": slug, "page_index": 1, "page_size": 10},
        headers={"api-key": emu.api_key},
        timeout=60,
    ).json()["data"]["list"]
    return rows[0]


def test_through_the_emulator_its_demo_site_works_and_the_knob_is_honoured(site, connects):
    with Emulator(run_speed=100) as emu:
        assert _crawl(emu, "/demo-site/index.html")["status"] == 200
        assert _crawl(emu, "http://10.0.0.1/")["error"].startswith("Blocked:")
        assert _crawl(emu, _url(site))["error"].startswith("Blocked:")
        assert "10.0.0.1" not in _hosts(connects) and site.hits == []
        emu.configure(allow_private_networks=True)
        assert _crawl(emu, _url(site))["status"] == 200
