"""Helpers for the client tests: scripted servers for replies the emulator never produces,
and a search for a secret in tracebacks."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class _Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with an error that echoes the credential it was sent."""

    mode = "json"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        key = self.headers.get("api-key") or self.headers.get("Authorization") or ""
        if self.mode == "json":
            status, kind = 500, "application/json"
            body = f'{{"code": 5000, "message": "key {key} is not valid", "data": "{key}"}}'
        elif self.mode == "html":
            status, kind = 502, "text/html"
            body = f"<html><body><h1>502 Bad Gateway</h1><p>request key={key}</p></body></html>"
        else:
            status, kind = 400, "text/plain"
            body = f"Bad request: header api-key: {key}"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@contextmanager
def echo_server(mode: str) -> Iterator[str]:
    """A server on 127.0.0.1:0 that echoes the key back in ``mode`` ("json", "html", "text")."""
    handler = type("Echo", (_Echo,), {"mode": mode})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def frames_holding(exc: BaseException, secret: str) -> list[str]:
    """Frames of ``exc`` and its chain with a local whose repr shows ``secret``.

    What an IPython ``%xmode Verbose`` or an error reporter that records locals would print.
    """
    found: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            for name, value in frame.f_locals.items():
                try:
                    shown = repr(value)
                except Exception:  # a broken repr shows nothing
                    continue
                if secret in shown:
                    found.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}:{name}")
            tb = tb.tb_next
        todo += [current.__cause__, current.__context__]
    return found


def verbose_traceback(exc: BaseException) -> str:
    """The traceback with every frame's locals, as ``capture_locals=True`` formats it."""
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


#: Writes one reply on the accepted socket; ``stop`` is set when the test is over.
Script = Callable[[socket.socket, threading.Event], None]


@contextmanager
def scripted_server(script: Script) -> Iterator[str]:
    """Serve ``script`` to every connection on 127.0.0.1, port 0; yields the base URL.

    The request is read up to the end of its headers (bodies are small JSON and
    ignored). On exit every connection is closed and the thread ends, whatever
    the script was doing.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    open_sockets: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            open_sockets.append(conn)
            threading.Thread(target=_answer, args=(conn, script, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        for conn in open_sockets:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        thread.join(5)


def _answer(conn: socket.socket, script: Script, stop: threading.Event) -> None:
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        script(conn, stop)
    except OSError:
        pass  # the client went away, as it should when it gives up


@contextmanager
def page_server(
    total: int, *, first_row: Callable[[int, int], int] | None = None, close_each: bool = False
) -> Iterator[str]:
    """v1 result pages of ``total`` rows (``id-<i>``, ``index: i``) on 127.0.0.1; yields the URL.

    Args:
        total: Rows in the run.
        first_row: ``(page_index, page_size)`` to the first row a page serves (default:
            where the page belongs), to serve some page's rows in the wrong place.
        close_each: Close each connection after its reply without saying so, as a server
            does to a kept-alive connection once it has been idle too long.
    """

    class Pages(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            index, size = asked["page_index"], asked["page_size"]
            start = first_row(index, size) if first_row else (index - 1) * size
            rows = [{"__coreclaw_data_id__": f"id-{i}", "index": i}
                    for i in range(start, min(start + size, total))]  # fmt: skip
            data = {"count": total, "list": rows}
            body = json.dumps({"code": 0, "message": "ok", "data": data}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = close_each  # and no "Connection: close" header

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
