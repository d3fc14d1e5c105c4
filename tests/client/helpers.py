"""A scripted HTTP server on 127.0.0.1 for replies the emulator never produces."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
