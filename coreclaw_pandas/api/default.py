"""The default client behind every ``cc.*`` helper, built lazily and replaceable.

Nothing happens at import time: the client is built from :func:`configure` or,
on first use, from the environment (``CORECLAW_API_KEY``, ``CORECLAW_BASE_URL``,
``CORECLAW_API_VERSION``). :func:`reset_client` forgets it, for tests and for
notebooks that switch platforms.
"""

from __future__ import annotations

import threading
from typing import Any

from ..client import Client
from ..exceptions import InputError
from ..models import Run

__all__ = [
    "RunLike",
    "configure",
    "default_client",
    "reset_client",
    "resolve_client",
    "run_slug_of",
]

#: Wherever a run is meant, a Run or its run_slug.
RunLike = Run | str

_default: Client | None = None
_default_lock = threading.Lock()


def configure(
    api_key: str | None = None,
    *,
    base_url: str | None = None,
    api_version: str | None = None,
    **options: Any,
) -> Client:
    """Set the default client used by every ``cc.*`` helper.

    Args:
        api_key: The API key (default: ``CORECLAW_API_KEY``).
        base_url: The API root (default: ``CORECLAW_BASE_URL``, then the platform).
        api_version: ``"v1"`` (default: ``CORECLAW_API_VERSION``, then v1).
        **options: Any other :class:`Client` option (timeout, max_retries, poll, ...).

    Returns:
        The new default client.

    Example:
        >>> cc.configure(base_url=emu.url, api_key=emu.api_key)
    """
    global _default
    client = Client(api_key, base_url=base_url, api_version=api_version, **options)
    with _default_lock:
        old, _default = _default, client
    if old is not None:
        old.close()
    return client


def reset_client() -> None:
    """Forget the default client; the next helper call builds one from the environment."""
    global _default
    with _default_lock:
        old, _default = _default, None
    if old is not None:
        old.close()


def default_client() -> Client:
    """The default client, built from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Client()
        return _default


def resolve_client(client: Client | None) -> Client:
    """``client`` itself, or the default client when it is None."""
    return client if client is not None else default_client()


def run_slug_of(run: RunLike) -> str:
    """The run_slug of a Run or of a run_slug string (stripped).

    Raises:
        InputError: ``run`` is neither.
    """
    if isinstance(run, Run):
        return run.slug
    if isinstance(run, str) and run.strip():
        return run.strip()
    raise InputError([f"expected a Run or a run_slug string, got {run!r}"])
