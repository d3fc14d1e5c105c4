"""The emulator is safe to leave running: only local callers, only JSON, a key nobody can guess.

A web page the user opens can make the browser send requests to 127.0.0.1. It cannot
choose the ``Host`` a DNS-rebound name carries, hide its ``Origin``, or send a
JSON body without a preflight the emulator never answers; so those three are checked.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.emulator.server import EmulatorHTTPServer

from .helpers import COUNTER, SYSTEM
from .v2_helpers import COUNTER_ID

ROOT = Path(__file__).resolve().parents[2]
EVIL = "http://attacker.example"


def _start(emu, **kw):
    """The issue's request: a v2 start with the key as ``?token=``."""
    body = {"input": {"parameters": {"system": SYSTEM, "custom": {"rows": 1}}}}
    return requests.post(
        f"{emu.url}/api/v2/workers/{COUNTER_ID}/runs",
        params={"token": emu.api_key},
        timeout=30,
        **{"json": body, **kw},
    )


def _runs(emu):
    reply = requests.post(
        emu.url + "/api/v1/run/list",
        json={"page_index": 1, "page_size": 10},
        headers={"api-key": emu.api_key},
        timeout=30,
    )
    return reply.json()["data"]["count"]


def test_the_cross_site_post_of_the_issue_starts_nothing(emu):
    import json

    body = json.dumps({"input": {"parameters": {"system": SYSTEM, "custom": {"rows": 1}}}})
    reply = _start(
        emu,
        json=None,
        data=body,
        headers={"Content-Type": "text/plain", "Host": "attacker.example", "Origin": EVIL},
    )
    assert reply.status_code == 403
    assert _runs(emu) == 0


@pytest.mark.parametrize(
    ("headers", "word"),
    [
        ({"Host": "attacker.example"}, "Host"),
        ({"Host": "rebound.attacker.example:{port}"}, "Host"),
        ({"Host": "127.0.0.1:1"}, "Host"),
        ({"Origin": EVIL}, "Origin"),
        ({"Origin": "null"}, "Origin"),
        ({"Origin": "http://127.0.0.1:1"}, "Origin"),
        ({"Content-Type": "text/plain"}, "JSON"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "JSON"),
        ({"Content-Type": "multipart/form-data; boundary=x"}, "JSON"),
    ],
)
def test_each_check_alone_refuses_a_start(emu, headers, word):
    port = urlsplit(emu.url).port
    headers = {k: v.format(port=port) for k, v in headers.items()}
    reply = _start(emu, headers=headers)
    assert reply.status_code == 403, reply.text
    assert word in " ".join(reply.json().get("details", [])), reply.json()
    assert emu.api_key not in reply.text
    assert _runs(emu) == 0


def test_v1_and_key_less_pages_are_guarded_too(emu):
    v1 = requests.post(
        emu.url + "/api/v1/account/info",
        json={},
        headers={"api-key": emu.api_key, "Host": "attacker.example"},
        timeout=30,
    )
    assert v1.status_code == 403 and v1.json()["code"] == 4000 and "Host" in v1.json()["message"]
    page = requests.get(
        emu.url + "/demo-site/index.html", headers={"Host": "attacker.example"}, timeout=30
    )
    assert page.status_code == 403 and "Host" in page.text


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_local_names_and_same_origin_are_accepted(emu, name):
    port = urlsplit(emu.url).port
    reply = _start(emu, headers={"Host": f"{name}:{port}", "Origin": f"http://{name}:{port}"})
    assert reply.status_code == 200, reply.text
    reply = _start(emu, headers={"Content-Type": "application/json; charset=utf-8"})
    assert reply.status_code == 200, reply.text


def test_ipv6_loopback_host_is_accepted(emu):
    port = urlsplit(emu.url).port
    reply = _start(emu, headers={"Host": f"[::1]:{port}"})
    assert reply.status_code == 200, reply.text


def test_the_default_key_is_random_and_an_explicit_key_still_works():
    with Emulator(workers=[COUNTER]) as one, Emulator(workers=[COUNTER]) as two:
        assert one.api_key != two.api_key
        assert len(one.api_key) >= 24 and one.api_key != "emulator-key"
        old = requests.post(
            one.url + "/api/v1/account/info", json={}, headers={"api-key": "emulator-key"},
            timeout=30,
        )
        assert old.json()["code"] != 0
        key = one.api_key
        one.reset()
        assert one.api_key == key  # a reset keeps the key clients were given
    with Emulator(api_key="my-key") as mine:
        assert mine.api_key == "my-key"
        reply = requests.post(
            mine.url + "/api/v1/account/info", json={}, headers={"api-key": "my-key"}, timeout=30
        )
        assert reply.json()["code"] == 0


def test_download_url_is_the_emulators_own_address_not_the_host_header(emu):
    slug = _start(emu).json()["data"]["run_slug"]
    assert emu.wait_for_run(slug)
    port = urlsplit(emu.url).port
    v2 = requests.get(
        f"{emu.url}/api/v2/worker-runs/{slug}/result/export",
        params={"format": "csv"},
        headers={"Authorization": f"Bearer {emu.api_key}", "Host": f"localhost:{port}"},
        timeout=30,
    ).json()["data"]["download_url"]
    v1 = requests.post(
        emu.url + "/api/v1/run/result/export",
        json={"run_slug": slug, "format": "csv", "filter_keys": []},
        headers={"api-key": emu.api_key, "Host": f"localhost:{port}"},
        timeout=30,
    ).json()["data"]["download_url"]
    for url in (v1, v2):
        assert url.startswith(emu.url + "/_emulator/exports/"), url


def test_a_burst_of_60_connects_is_all_answered(emu):
    assert EmulatorHTTPServer.request_queue_size >= 128
    parts = urlsplit(emu.url)
    socks = [socket.create_connection((parts.hostname, parts.port), timeout=30) for _ in range(60)]
    answers: list[bytes] = [b""] * len(socks)

    def ask(i: int) -> None:
        sock = socks[i]
        sock.sendall(
            f"GET /demo-site/index.html HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        while chunk := sock.recv(65536):
            answers[i] += chunk

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(socks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for sock in socks:
        sock.close()
    assert sum(a.startswith(b"HTTP/1.1 200") for a in answers) == 60


def test_cli_prints_a_random_key_that_works():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "coreclaw_pandas.emulator", "--port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = re.search(r"(http://127\.0\.0\.1:\d+)", process.stdout.readline()).group(1)
        key = process.stdout.readline().split("API key:")[1].strip()
        assert key and key != "emulator-key"
        reply = requests.post(
            url + "/api/v1/account/info", json={}, headers={"api-key": key}, timeout=10
        )
        assert reply.json()["code"] == 0
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
