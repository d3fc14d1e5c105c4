"""Every call has a wall-clock deadline, and every reply a size cap (issue 14).

A reply trickling one byte a second never tripped the per-receive read timeout;
a reply declaring 2 GB was buffered in RAM. Both must now fail fast with an
error that says what was wrong. The bounds on elapsed time below are generous:
they can only fail if the call waits for the whole trickle again.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas import _config

from .helpers import scripted_server

#: The trickle lasts this long if nothing cuts it short (one byte a second).
TRICKLE_SECONDS = 600
GENEROUS = 20.0


def _client(url: str, **options) -> cc.Client:
    return cc.Client("k" * 16, base_url=url, max_retries=0, backoff_factor=0.01, **options)


def test_a_trickling_reply_times_out_at_the_deadline(emu):
    emu.inject_fault("/api/v1/account/info", "trickle", delay=1.0)
    with _client(emu.url, timeout=2.0) as c:
        started = time.monotonic()
        with pytest.raises(cc.TransportError, match="got no answer in time"):
            c.account()
        elapsed = time.monotonic() - started
    print(f"\ntrickle (1 byte/s) stopped after {elapsed:.2f} s with timeout=2")
    assert elapsed < GENEROUS


def test_a_trickle_from_a_scripted_server_times_out_too():
    def trickle(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(f"Content-Length: {TRICKLE_SECONDS}\r\n\r\n".encode())
        for _ in range(TRICKLE_SECONDS):
            if stop.wait(1.0):
                return
            conn.sendall(b" ")

    with scripted_server(trickle) as url, _client(url, timeout=2.0) as c:
        started = time.monotonic()
        with pytest.raises(cc.TransportError):
            c.account()
        elapsed = time.monotonic() - started
    print(f"\nscripted trickle stopped after {elapsed:.2f} s with timeout=2")
    assert elapsed < GENEROUS


def test_a_reply_declaring_2_gb_is_refused_unread():
    sent = []

    def huge(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(b"Content-Length: 2147483648\r\n\r\n")
        block = b" " * 65536
        while not stop.is_set():
            conn.sendall(block)
            sent.append(len(block))

    with scripted_server(huge) as url, _client(url) as c:
        with pytest.raises(cc.TransportError) as raised:
            c.account()
    message = str(raised.value)
    assert "declared 2,147,483,648 bytes" in message and "64 MiB" in message
    assert "page_size" in message  # what to do
    assert "k" * 16 not in message


def test_a_chunked_reply_past_the_cap_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(_config, "MAX_REPLY_BYTES", 1 << 20)
    streamed = []

    def endless(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
        block = b" " * 65536
        while not stop.is_set():
            conn.sendall(b"%x\r\n%b\r\n" % (len(block), block))
            streamed.append(len(block))

    with scripted_server(endless) as url, _client(url) as c:
        with pytest.raises(cc.TransportError, match="sent more than 1,048,576 bytes"):
            c.account()


def test_ordinary_replies_are_read_whole(client, emu):
    run = cc.run_worker(
        "coreclaw/catalogue-generator", {"rows": 300}, client=client, progress=False
    )
    rows = list(client.iter_results(run.slug))
    assert len(rows) == 300
