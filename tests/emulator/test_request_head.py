"""The request line and headers are read as ``http.server`` reads them, odd ones included.

The server reads plain header lines itself and leaves folded or broken ones to the
stdlib's email parser; either way a request gets the answer the stdlib would give.
Each case here is sent as raw bytes on a socket.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from .helpers import send_raw

ACCOUNT = b"/api/v1/account/info"


def _exchange(emu, raw: bytes) -> tuple[int, bytes, bytes]:
    """Send ``raw``, half-close, and return the first reply's status, head and body."""
    answer = send_raw(emu.url, raw)
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


def _post(emu, headers: bytes, *, version: bytes = b"HTTP/1.1") -> bytes:
    host = urlsplit(emu.url).netloc.encode()
    return (
        b"POST " + ACCOUNT + b" " + version + b"\r\nHost: " + host + b"\r\n" + headers
        + b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
    )


def _key(emu) -> bytes:
    return emu.api_key.encode()


def test_header_names_are_read_in_any_case_and_values_trimmed(emu):
    status, _, body = _exchange(emu, _post(emu, b"API-Key: \t " + _key(emu) + b"  \r\n"))
    assert status == 200 and json.loads(body)["code"] == 0


def test_a_folded_header_line_is_joined_as_the_stdlib_joins_it(emu):
    status, _, _ = _exchange(emu, _post(emu, b"api-key:\r\n " + _key(emu) + b"\r\n"))
    assert status == 200


def test_the_first_of_two_headers_of_one_name_counts(emu):
    wrong_first = b"api-key: wrong\r\napi-key: " + _key(emu) + b"\r\n"
    assert _exchange(emu, _post(emu, wrong_first))[0] == 401
    right_first = b"api-key: " + _key(emu) + b"\r\napi-key: wrong\r\n"
    assert _exchange(emu, _post(emu, right_first))[0] == 200


def test_a_line_that_is_no_header_ends_the_headers(emu):
    # The stdlib's parser takes the rest of the block for a body: neither the key nor the
    # Content-Length is read, so the "{}" after the block is a second (bad) request.
    status, _, body = _exchange(emu, _post(emu, b"Bad Header\r\napi-key: " + _key(emu) + b"\r\n"))
    first, _ = json.JSONDecoder().raw_decode(body.decode())
    assert status == 401 and first["code"] == 20001


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"X-Filler: 1\r\n" * 101, 431),  # more than 100 header lines
        (b"X-Long: " + b"a" * 70_000 + b"\r\n", 431),  # a line over 64 KiB
    ],
)
def test_header_limits_are_the_stdlibs(emu, headers, status):
    got, head, body = _exchange(emu, _post(emu, headers))
    assert got == status and b"Connection: close" in head
    assert json.loads(body)["code"] == 4000


@pytest.mark.parametrize(
    ("version", "status"),
    [(b"HTTP/2.0", 505), (b"HTTP/1.x", 400), (b"HTTP/1.\xb2", 400), (b"HTTPS/1.1", 400)],
)
def test_request_line_versions_are_checked_as_the_stdlib_does(emu, version, status):
    got, _, body = _exchange(emu, _post(emu, b"api-key: " + _key(emu) + b"\r\n", version=version))
    assert got == status and json.loads(body)["code"] == 4000


def test_expect_100_continue_is_answered_before_the_reply(emu):
    raw = _post(emu, b"Expect: 100-continue\r\napi-key: " + _key(emu) + b"\r\n")
    status, _, body = _exchange(emu, raw)
    assert status == 100
    assert body.startswith(b"HTTP/1.1 200 ")


def test_keep_alive_serves_several_requests_on_one_connection(emu):
    host = urlsplit(emu.url).netloc.encode()
    one = b"POST " + ACCOUNT + b" HTTP/1.1\r\nHost: " + host + b"\r\napi-key: " + _key(emu)
    one += b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    last = one.replace(b"Content-Length", b"Connection: close\r\nContent-Length")
    _, _, body = _exchange(emu, one * 2 + last)
    assert body.count(b"HTTP/1.1 200 ") == 2
