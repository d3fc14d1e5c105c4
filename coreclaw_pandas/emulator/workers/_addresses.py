"""Which addresses the web page scraper may connect to (server-side request forgery).

A run's start URLs come from whoever can call the API, and a page's links and
redirects from whoever runs the site. Left alone, the scraper would fetch cloud
metadata (``169.254.169.254``), the router's admin page or another local service
and hand the answer back as rows. So every connection is checked where it is made:
the host name is resolved once, each address is checked, and the socket goes to
that checked address (no second lookup a rebinding DNS server could answer
differently). Redirects open new connections through the same check.

Refused: every address that is not globally routable (private 10/8, 172.16/12,
192.168/16, loopback, link-local 169.254/16 and fe80::/10, unique-local fc00::/7,
shared, reserved) and multicast. Always allowed: the emulator's own address and
port, so the demo site it serves keeps working. The emulator's
``allow_private_networks`` knob lifts the rule. Proxies from the environment are
not used: a proxy would make the connection, and the check, somewhere else.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

__all__ = ["BlockedAddress", "Guard"]


class BlockedAddress(OSError):
    """A URL's host resolves only to addresses the scraper must not connect to."""


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 reaches 10.0.0.1
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` for a TCP connection; an IP literal is parsed, never looked up."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


class Guard:
    """Opens connections only to allowed addresses, for one run.

    Args:
        base_url: The emulator's own base URL: its address and port are always allowed.
        allow_private: Allow every address (the ``allow_private_networks`` knob).
    """

    def __init__(self, base_url: str, *, allow_private: bool = False) -> None:
        self.allow_private = allow_private
        self._own: set[tuple[str, int]] = set()
        parts = urlsplit(base_url)
        if parts.hostname and parts.port:
            try:
                infos = _resolve(parts.hostname, parts.port)
            except OSError:
                infos = []
            self._own = {(_address(info), parts.port) for info in infos}

    def allowed(self, address: str, port: int) -> bool:
        """Whether a connection to ``address`` (an IP) on ``port`` may be made."""
        return (
            self.allow_private
            or (address, port) in self._own
            or _is_public(ipaddress.ip_address(address))
        )

    def connect(
        self, host: str, port: int, timeout: float | None, source: tuple[str, int] | None
    ) -> socket.socket:
        """Resolve ``host`` and connect to its first allowed address.

        Raises:
            BlockedAddress: Every address of ``host`` is refused; nothing was connected.
            OSError: Resolving or connecting failed.
        """
        infos = _resolve(host, port)
        allowed = [info for info in infos if self.allowed(_address(info), port)]
        if not allowed:
            shown = ", ".join(sorted({_address(info) for info in infos}))
            raise BlockedAddress(
                f"{host} is {shown}, a private, loopback or link-local address; the web page "
                "scraper fetches only public addresses and the emulator's own pages "
                "(the emulator's allow_private_networks knob allows them)"
            )
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in allowed:
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                if source is not None:
                    sock.bind(source)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        assert error is not None
        raise error

    def opener(self) -> urllib.request.OpenerDirector:
        """A ``urllib`` opener whose every connection, redirects included, goes through here."""
        return urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _HTTPHandler(self), _HTTPSHandler(self)
        )


def _address(info: tuple[Any, ...]) -> str:
    # An IPv6 link-local sockaddr may carry a zone ("fe80::1%eth0").
    return str(info[4][0]).split("%")[0]


class _GuardedConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, guard: Guard | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard

    def connect(self) -> None:
        if self.guard is None:
            raise BlockedAddress("no address guard was given for this connection")
        source = getattr(self, "source_address", None)  # set by HTTPConnection, untyped
        self.sock = self.guard.connect(self.host, self.port, self.timeout, source)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _GuardedTLSConnection(http.client.HTTPSConnection, _GuardedConnection):
    """HTTPS: ``HTTPSConnection.connect`` opens the socket through the guard, then wraps it."""

    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, guard: Guard) -> None:
        super().__init__()
        self.guard = guard

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedConnection, req, guard=self.guard)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, guard: Guard) -> None:
        super().__init__()
        self.guard = guard

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)

    def _connection(self, host: str, /, **kwargs: Any) -> http.client.HTTPConnection:
        return _GuardedTLSConnection(host, guard=self.guard, **kwargs)
