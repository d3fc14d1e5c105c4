"""What a built-in Worker is: a spec plus a plain callable that does the work.

A Worker module defines one ``WorkerSpec`` named ``WORKER``; ``workers/__init__.py``
lists the modules. The engine calls ``spec.run(ctx, custom)`` in a background
thread; the callable reports everything through ``ctx`` and never touches HTTP
state directly. It is version-neutral: nothing here knows v1 or v2 wire names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class RunAborted(Exception):
    """Raised inside a Worker by ``ctx.checkpoint()`` once the run is being aborted."""


class WorkerFailed(Exception):
    """Raised by a Worker to end its run as Failed; the message becomes ``err_msg``."""


class RunContext(Protocol):
    """What the engine hands a running Worker."""

    run_slug: str
    #: Base URL of the emulator serving this run (for example to crawl the demo site).
    base_url: str

    def set_headers(self, headers: Iterable[Mapping[str, str]]) -> None:
        """Declare result columns: items of ``{"key", "label", "format"}``."""

    def push(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Append result rows (JSON-serialisable dicts); visible to readers at once."""

    def log(self, level: int, content: str) -> None:
        """Add a log entry; level 1 Debug, 2 Info, 3 Warn, 4 Error."""

    def checkpoint(self) -> None:
        """Raise RunAborted if the run is being aborted or timed out; call it often."""

    def sleep(self, seconds: float) -> None:
        """Wait, scaled by the emulator's run-speed knob; raises RunAborted on abort."""

    def add_traffic(self, nbytes: int) -> None:
        """Count traffic used (bytes), for example the size of a fetched page."""


@dataclass(frozen=True)
class WorkerSpec:
    """A built-in Worker.

    Attributes:
        slug: 26-character ULID-like id (Crockford base32, upper case).
        path: ``owner/name`` form, also accepted as scraper_slug.
        title: Shown in the store.
        description: Shown in the store; store search matches words in title and description.
        version: Current version string such as ``"v1.0.0"``.
        readme: Markdown.
        input_schema: The ``custom`` descriptor in the platform's format:
            ``{"description", "b" or "concurrency", "properties": [...]}``.
        system: Default system parameters (cpus, memory, execute_limit_time_seconds,
            max_total_charge, max_total_traffic).
        run: ``run(ctx, custom) -> None``; returns normally to succeed, raises
            WorkerFailed to fail, lets RunAborted propagate on abort.
        price_per_row: USD charged per result row (usage grows as rows appear).
    """

    slug: str
    path: str
    title: str
    description: str
    version: str
    readme: str
    input_schema: dict[str, Any]
    run: Callable[[RunContext, dict[str, Any]], None]
    system: dict[str, Any] = field(
        default_factory=lambda: {
            "cpus": 0.125,
            "memory": 512,
            "execute_limit_time_seconds": 1800,
            "max_total_charge": 0,
            "max_total_traffic": 0,
        }
    )
    price_per_row: float = 0.0001
