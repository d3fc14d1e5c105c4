"""The emulator's built-in Workers.

Each Worker is one module defining ``WORKER``; adding a Worker means writing the
module and listing it in ``_MODULES``.
"""

from __future__ import annotations

from importlib import import_module

from .base import RunAborted, RunContext, WorkerFailed, WorkerSpec

__all__ = ["RunAborted", "RunContext", "WorkerFailed", "WorkerSpec", "builtin_workers"]

_MODULES = (
    "web_page",
    "catalogue",
    "failing",
    "slow",
    "captcha",
)


def builtin_workers() -> list[WorkerSpec]:
    """Return every built-in Worker, in store order.

    Returns:
        A new list of the ``WORKER`` specs of the modules in ``_MODULES``.

    Example:
        >>> [worker.path for worker in builtin_workers()][:2]
        ['coreclaw/web-page-scraper', 'coreclaw/catalogue-generator']
    """
    return [import_module(f"{__name__}.{name}").WORKER for name in _MODULES]
