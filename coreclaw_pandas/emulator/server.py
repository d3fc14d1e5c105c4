"""The socket side: a ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive.

The handler reads a bounded body (Content-Length or chunked), hands a
``Request`` to ``App.handle`` and writes the ``Response`` (headers and body in
one ``sendall`` for small replies, chunked transfer encoding for streamed ones).
It also carries out the socket-level faults: ``reset`` closes with an RST, and
``truncated`` promises a full body and sends half.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import v2
from .app import App
from .messages import Request, Response
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
