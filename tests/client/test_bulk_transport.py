"""The bulk reader's own HTTP (``http.client``, :mod:`coreclaw_pandas.client.raw`) keeps
the transport's promises: HTTPS with verified certificates, a deadline on every reply,
retries of broken replies, and connections the server closed while idle.

Pages 2 onwards go through it; page 1 always goes through the transport.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.frames import PageDecoder

from .helpers import page_server

CATALOGUE = "coreclaw/catalogue-generator"
PAGES = "/api/v1/run/result/list"
GENEROUS = 30.0


def _rows(c: cc.Client, slug: str) -> list[int]:
    """Every row's ``index`` by the bulk path, in order."""
    out: list[int] = []
    for page in c.iter_table_pages(slug, decode=PageDecoder()):
        table = getattr(page, "table", None)
        out += (
            table.column("index").to_pylist()
            if table is not None
            else [row["index"] for row in page.rows]
        )
    return out


def _run(emu, rows: int = 600) -> str:
    with cc.Client(emu.api_key, base_url=emu.url) as c:
        return cc.run_worker(CATALOGUE, {"rows": rows}, client=c, progress=False).slug


@contextmanager
def _tls_relay(target_port: int, cert: Path, key: Path) -> Iterator[int]:
    """A TLS endpoint on localhost that relays each connection to the plain emulator.

    The emulator answers only its own ``Host``, so the relay rewrites it on the way in.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def pipe(src: socket.socket, dst: socket.socket, host: tuple[bytes, bytes] | None) -> None:
        try:
            while data := src.recv(1 << 16):
                dst.sendall(data.replace(*host) if host else data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def accept() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                secure = context.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                raw.close()  # a client that refused our certificate
                continue
            plain = socket.create_connection(("127.0.0.1", target_port))
            own = f"localhost:{listener.getsockname()[1]}".encode()
            host = (own, f"localhost:{target_port}".encode())
            for a, b, h in ((secure, plain, host), (plain, secure, None)):
                threading.Thread(target=pipe, args=(a, b, h), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the HTTPS test")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_pages_over_https_verify_the_certificate_and_read_every_row(emu, certificate, monkeypatch):
    cert, key = certificate
    slug = _run(emu)
    port = int(emu.url.rsplit(":", 1)[1])
    with _tls_relay(port, cert, key) as tls_port:
        url = f"https://localhost:{tls_port}"
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        with cc.Client(emu.api_key, base_url=url, page_size=50) as c:
            assert _rows(c, slug) == list(range(600))
        # Without our certificate the same read is refused, never sent in the clear.
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
        with cc.Client(emu.api_key, base_url=url, page_size=50, max_retries=0) as c:
            with pytest.raises(cc.TransportError) as caught:
                _rows(c, slug)
        assert emu.api_key not in str(caught.value)


def test_a_trickling_page_times_out_at_the_deadline(emu):
    slug = _run(emu)
    with cc.Client(emu.api_key, base_url=emu.url, page_size=50, timeout=2.0,
                   max_retries=0) as c:  # fmt: skip
        pages = c.iter_table_pages(slug, decode=PageDecoder())
        next(pages)  # page 1, by the transport
        emu.inject_fault(PAGES, "trickle", delay=1.0, count=50)
        started = time.monotonic()
        with pytest.raises(cc.TransportError, match="got no answer in time"):
            list(pages)
        elapsed = time.monotonic() - started
    print(f"\nbulk trickle (1 byte/s) stopped after {elapsed:.2f} s with timeout=2")
    assert elapsed < GENEROUS


@pytest.mark.parametrize("kind", ["truncated", "reset", "server_error"])
def test_broken_replies_are_read_again_on_a_new_connection(emu, kind):
    slug = _run(emu)
    with cc.Client(emu.api_key, base_url=emu.url, page_size=50, backoff_factor=0.01) as c:
        pages = c.iter_table_pages(slug, decode=PageDecoder())
        first = next(pages)
        emu.inject_fault(PAGES, kind, count=3)
        rest = [
            i for p in pages for i in (
                p.table.column("index").to_pylist() if hasattr(p, "table") else
                [r["index"] for r in p.rows]
            )
        ]  # fmt: skip
    assert first.page_index == 1 and rest == list(range(50, 600))


def test_connections_the_server_closed_while_idle_are_replaced():
    with page_server(600, close_each=True) as url:
        # No retries allowed: a closed connection must be replaced, not reported.
        with cc.Client("k" * 16, base_url=url, page_size=50, max_retries=0) as c:
            assert _rows(c, "run-1") == list(range(600))
