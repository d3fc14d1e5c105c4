"""The socket side: a ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive.

The handler reads a bounded body (Content-Length or chunked), hands a
``Request`` to ``App.handle`` and writes the ``Response`` (headers and body in
one ``sendall`` for small replies, chunked transfer encoding for streamed ones).
It also carries out the socket-level faults: ``reset`` closes with an RST, and
``truncated`` promises a full body and sends half.

Headers are read by ``request_head`` rather than the stdlib's email parser (a third of
a result page's CPU), and the ``Date`` text is made once a second: the same answers,
so that the emulator serves pages faster than any client reads them.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import v2
from .app import App
from .messages import Request, Response
from .request_head import read_headers
from .v2 import wire as wire_v2

#: Largest request body accepted (bytes).
MAX_BODY = 1024 * 1024
#: Oversized bodies up to this size are read and discarded so the caller sees the 4000 reply.
DRAIN_LIMIT = 64 * 1024 * 1024
#: Seconds an idle keep-alive connection is kept open.
IDLE_TIMEOUT = 120


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CoreClawEmulator/1.0"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: EmulatorHTTPServer
    raw_requestline: bytes
    #: The last ``Date`` header text and the second it is for (shared by all handlers).
    _date: tuple[int, str] = (-1, "")

    def setup(self) -> None:
        super().setup()
        # Small replies go out in one write; without NODELAY, delayed ACKs stall keep-alive.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if self.server.verbose:
            super().log_message(format, *args)

    def parse_request(self) -> bool:
        """The stdlib's ``parse_request``, with the header block read by ``read_headers``.

        The request line, the version rules, the header limits, ``Connection`` and
        ``Expect: 100-continue`` are handled as in ``http.server``, answer for answer.
        """
        self.command = None  # type: ignore[assignment]  # set in case of error on the first line
        self.request_version = version = self.default_request_version
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            number = _version_number(version)
            if number is None:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            if number >= (1, 1) and self.protocol_version >= "HTTP/1.1":
                self.close_connection = False
            if number >= (2, 0):
                base = version.split("/", 1)[1]
                self.send_error(
                    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({base})"
                )
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
                return False
        self.command, self.path = command, path
        # As the stdlib does (gh-87389): "//path" would read as a host to some clients.
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        try:
            self.headers = read_headers(self.rfile)  # type: ignore[assignment]
        except http.client.LineTooLong as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", str(err))
            return False
        except http.client.HTTPException as err:
            status = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            self.send_error(status, "Too many headers", str(err))
            return False
        conntype = (self.headers.get("Connection") or "").lower()
        if conntype == "close":
            self.close_connection = True
        elif conntype == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expect = (self.headers.get("Expect") or "").lower()
        if (
            expect == "100-continue"
            and self.protocol_version >= "HTTP/1.1"
            and self.request_version >= "HTTP/1.1"
        ):
            return self.handle_expect_100()
        return True

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header's text, formatted once per second rather than per reply."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        second = int(time.time())
        cached = _Handler._date
        if cached[0] != second:
            cached = _Handler._date = (second, super().date_time_string(second))
        return cached[1]

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed request lines and headers get an API envelope, not an HTML page: the
        # v2 ErrorEnvelope when the path (if it was parsed at all) is a v2 one, else v1's.
        status = code if code >= 400 else 400
        # From this request's own line: ``self.path`` may still hold the previous request's.
        words = (getattr(self, "raw_requestline", b"") or b"").split()
        target = words[1].decode("latin-1") if len(words) > 1 else ""
        if v2.is_v2(urlsplit(target).path):
            response = wire_v2.error(status, wire_v2.INVALID_ARGUMENT, [f"{message or code}"])
        else:
            body = json.dumps(
                {"code": 4000, "message": f"Invalid request: {message or code}", "data": None}
            ).encode()
            response = Response(status, body)
        self.close_connection = True
        try:
            self._send(response)
        except OSError:
            pass

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        body, problem = self._read_body()
        request = Request(
            method=self.command,
            path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
            body_error=problem,
            client=self.client_address[0] if self.client_address else "",
        )
        response = self.server.app.handle(request)
        if problem:
            # The unread rest of the body would be taken for the next request.
            self.close_connection = True
        if response.action == "reset":
            self._reset()
            return
        self._send(response, truncate=response.action == "truncated")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def _read_body(self) -> tuple[bytes, str | None]:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b"", None
        try:
            length = int(length_text)
        except ValueError:
            return b"", "Content-Length is not a number"
        if length < 0:
            return b"", "Content-Length is negative"
        if length > MAX_BODY:
            if length <= DRAIN_LIMIT:
                while length > 0:
                    length -= len(self.rfile.read(min(length, 65536)) or b"x" * length)
            return b"", f"request body too large ({length_text} bytes; the limit is {MAX_BODY})"
        return self.rfile.read(length), None

    def _read_chunked(self) -> tuple[bytes, str | None]:
        parts: list[bytes]
        parts, total = [], 0
        try:
            while True:
                size = int(self.rfile.readline(64).split(b";")[0].strip() or b"x", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    return b"".join(parts), None
                total += size
                if size < 0 or total > MAX_BODY:
                    return b"", f"request body too large (the limit is {MAX_BODY} bytes)"
                parts.append(self.rfile.read(size))
                self.rfile.readline(8)
        except ValueError:
            return b"", "malformed chunked request body"

    def _send(self, response: Response, *, truncate: bool = False) -> None:
        # Replies are written by hand (not send_response), so --verbose logs them here.
        self.log_request(response.status)
        body = response.body
        reason = self.responses.get(response.status, ("",))[0]
        head = [
            f"{self.protocol_version} {response.status} {reason}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {response.content_type}",
        ]
        head += [f"{name}: {value}" for name, value in response.headers.items()]
        if self.close_connection:
            head.append("Connection: close")
        if isinstance(body, bytes):
            head.append(f"Content-Length: {len(body)}")
            payload = b"" if self.command == "HEAD" else body
            if truncate:
                payload = payload[: len(payload) // 2]
                self.close_connection = True
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
            return
        head.append("Transfer-Encoding: chunked")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        for chunk in body:
            if chunk:
                self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
            if truncate:
                self.close_connection = True
                return
        self.wfile.write(b"0\r\n\r\n")

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send RST: the client sees a connection reset.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def _version_number(version: str) -> tuple[int, int] | None:
    """``HTTP/x.y`` as ``(x, y)``, or None when the stdlib would refuse it (RFC 2145)."""
    if not version.startswith("HTTP/"):
        return None
    numbers = version.split("/", 1)[1].split(".")
    if len(numbers) != 2 or any(not n.isdigit() or len(n) > 10 for n in numbers):
        return None
    try:  # isdigit() also passes "²", which int() refuses
        return int(numbers[0]), int(numbers[1])
    except ValueError:
        return None


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server bound to one ``App``; tracks connections to close them on stop."""

    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 made a burst of 60 connects wait about 1 s each
    # (SYN retries): a results_df page pool plus a notebook easily opens that many.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, *, verbose: bool = False) -> None:
        self.app = app
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, alive: bool) -> None:
        """Remember (or forget) an open client connection."""
        with self._conn_lock:
            if alive:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open keep-alive connection so handler threads end."""
        with self._conn_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Drop per-connection errors (client went away) silently unless verbose."""
        if self.verbose:
            super().handle_error(request, client_address)
