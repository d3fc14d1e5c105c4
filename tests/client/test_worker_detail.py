"""A malformed Worker detail raises a CoreClawError naming the field, from cc.worker and the form.

The replies come from a scripted server on 127.0.0.1 (the emulator never sends
such details): each test sets the ``data`` of the next Worker detail.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.exceptions import CoreClawError

GOOD_SCHEMA = {"properties": [{"name": "q", "type": "string", "editor": "input", "title": "Q"}]}


class _Detail(BaseHTTPRequestHandler):
    """v1 ``GET /api/scraper``: the server's ``detail`` as ``data``; anything else 4040."""

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        if self.path.startswith("/api/scraper?"):
            body = {"code": 0, "message": "success", "data": self.server.detail}  # type: ignore[attr-defined]
        else:
            body = {"code": 4040, "message": "Not found", "data": None}
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Detail)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def scripted(server) -> Iterator[tuple[ThreadingHTTPServer, cc.Client]]:
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with cc.Client("test-key", base_url=url, api_version="v1", max_retries=0) as client:
        yield server, client


def _detail(**parameters: Any) -> dict[str, Any]:
    return {"version": "v1.0.0", "readme": "# R", "parameters": parameters}


MALFORMED = [
    ([1, 2], "detail", "a list"),
    ("text", "detail", "text"),
    ({"version": "v1", "parameters": [1]}, "parameters", "a list"),
    ({"version": "v1", "parameters": "x"}, "parameters", "text"),
    (_detail(system=[1, 2], custom=GOOD_SCHEMA), "parameters.system", "a list"),
    (_detail(system="abc", custom=GOOD_SCHEMA), "parameters.system", "text"),
    (_detail(system=5, custom=GOOD_SCHEMA), "parameters.system", "a number"),
    (_detail(system={"memory": [512]}, custom=GOOD_SCHEMA), "parameters.system.memory", "a list"),
    (_detail(system={"proxy_region": {"a": 1}}, custom=GOOD_SCHEMA),
     "parameters.system.proxy_region", "an object"),
    (_detail(system={}, custom=[1]), "parameters.custom", "a list"),
    ({"version": {"v": 1}, "parameters": {"custom": GOOD_SCHEMA}}, "version", "an object"),
    ({"version": "v1", "readme": [1], "parameters": {"custom": GOOD_SCHEMA}}, "readme", "a list"),
]


@pytest.mark.parametrize(("detail", "field", "kind"), MALFORMED)
def test_malformed_details_raise_a_coreclaw_error_naming_the_field(scripted, detail, field, kind):
    server, client = scripted
    server.detail = detail
    with pytest.raises(CoreClawError) as caught:
        client.worker("someone/odd-worker")
    message = str(caught.value)
    assert f"`{field}`" in message and kind in message, message
    assert "someone/odd-worker" in message
    assert "test-key" not in message
    with pytest.raises(CoreClawError):
        cc.worker_form("someone/odd-worker", client=client)


ODD_BUT_READABLE = [
    _detail(system={}, custom={"properties": [
        {"name": "n", "type": "integer", "minimum": 10**400}]}),
    _detail(system={}, custom={"properties": [
        {"name": "n", "type": "number", "minimum": float("nan"), "maximum": "inf"}]}),
    _detail(system={"memory": "lots", "cpus": None, "proxy_region": 7}, custom=GOOD_SCHEMA),
    _detail(system=None, custom=None),
    {"version": 3, "parameters": None},
]


@pytest.mark.parametrize("detail", ODD_BUT_READABLE)
def test_odd_but_readable_details_build_a_worker_and_a_form(scripted, detail):
    server, client = scripted
    server.detail = json.loads(json.dumps(detail))
    worker = client.worker("someone/odd-worker")
    form = cc.worker_form("someone/odd-worker", client=client)
    assert list(form.controls) == worker.input_schema.names
