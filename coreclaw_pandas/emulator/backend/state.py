"""The emulated platform's state: Workers, runs, saved tasks, the account and exports.

No HTTP and no wire names live here: statuses are an enum, times are floats,
money is ``Decimal``. The ``v1`` and ``v2`` packages each turn these objects into
their own wire format; identifiers come from ``ids``. Every mutation happens under
``State.lock``; readers copy what they need under the lock and format outside it,
so a page of results costs a list slice while the lock is held.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import itertools
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import clock
from ..workers.base import WorkerSpec
from .ids import SlugKind, new_slug, stable_slug
from .run_queue import RunQueue

#: Starting balance in USD when none is given: enough for a few million rows at $0.0001.
DEFAULT_BALANCE = Decimal("100.0000")
#: Starting traffic quota in bytes (5 GiB), and its validity.
DEFAULT_TRAFFIC_QUOTA = 5 * 1024**3
_TRAFFIC_VALIDITY_SECONDS = 30 * 24 * 3600
#: Validity of the starting balance (v2 reports it as ``balance_expiration_at``).
_BALANCE_VALIDITY_SECONDS = 365 * 24 * 3600


class RunStatus(enum.Enum):
    """Lifecycle of a run; each API version maps it to its own wire values."""

    READY = "ready"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTING = "aborting"

    @property
    def terminal(self) -> bool:
        """True once the run can no longer change (Succeeded or Failed)."""
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One run log line.

    Attributes:
        level: 1 Debug, 2 Info, 3 Warn, 4 Error.
        group: Subtask id the line belongs to (a numeric string).
        content: The text.
        timestamp_ms: Unix time in milliseconds.
    """

    level: int
    group: str
    content: str
    timestamp_ms: int


@dataclass(eq=False)
class Run:
    """A run record and its results.

    ``rows`` holds each result row as UTF-8 JSON bytes with ``DATA_ID_KEY``
    already added, so serving a page is a join of stored bytes.
    """

    slug: str
    worker: WorkerSpec
    version: str
    custom: dict[str, Any]
    system: dict[str, Any]
    origin: str = "api"
    callback_url: str | None = None
    #: The API version that created the run, ``"v1"`` or ``"v2"`` (it formats the callback).
    api_version: str = "v1"
    task_slug: str | None = None
    status: RunStatus = RunStatus.READY
    err_msg: str = ""
    started_at: float = field(default_factory=clock.now)
    finished_at: float = 0.0
    headers: list[dict[str, str]] = field(default_factory=list)
    rows: list[bytes] = field(default_factory=list)
    #: Rows the run record shows (``results``); trails ``rows`` by the count-lag knob.
    counted: int = 0
    logs: list[LogEntry] = field(default_factory=list)
    usage: Decimal = Decimal(0)
    traffic: int = 0
    #: Subtask id shown in log lines; one subtask per run in the emulator.
    group: str = field(default_factory=lambda: str(secrets.randbelow(9 * 10**8) + 10**8))
    #: Set when the run must stop (abort, timeout, cap, reset): wakes sleeping Workers.
    stop: threading.Event = field(default_factory=threading.Event)
    #: Set once the run is terminal.
    done: threading.Event = field(default_factory=threading.Event)

    def duration(self, now: float | None = None) -> float:
        """Seconds from start to finish, or to now while the run is not finished."""
        end = self.finished_at or (clock.now() if now is None else now)
        return max(0.0, end - self.started_at)


@dataclass(frozen=True)
class Task:
    """A saved task: a Worker plus the input to start it with.

    Attributes:
        slug: The task_slug (ULID-like).
        worker_slug: Slug of the Worker it starts.
        custom: Worker input.
        system: System parameters.
        title: Shown in lists.
        description: Free text.
        version: Worker version to run; None means the Worker's current version.
        schedule: Schedule settings as given by the caller (the emulator runs no schedules).
        number: Numeric id, unique and increasing (v2 shows it as ``id``).
        saved_input: ``input`` as a v2 caller saved it, echoed verbatim (None: not saved so).
        created_at: Unix seconds when it was saved; ``updated_at``: of its last change.
    """

    slug: str
    worker_slug: str
    custom: dict[str, Any]
    system: dict[str, Any]
    title: str
    description: str = ""
    version: str | None = None
    schedule: dict[str, Any] = field(default_factory=dict)
    number: int = 0
    saved_input: Any = None
    created_at: float = field(default_factory=clock.now)
    updated_at: float = field(default_factory=clock.now)


@dataclass(frozen=True)
class Export:
    """A prepared download of a run's rows (a snapshot taken when it was requested)."""

    token: str
    run_slug: str
    fmt: str
    filter_keys: tuple[str, ...]
    headers: tuple[Mapping[str, str], ...]
    rows: tuple[bytes, ...] | list[bytes]
    expires_at: float


@dataclass
class Account:
    """The single emulated account."""

    balance: Decimal = DEFAULT_BALANCE
    traffic_quota: int = DEFAULT_TRAFFIC_QUOTA
    traffic_expiration_at: int = field(
        default_factory=lambda: int(clock.now()) + _TRAFFIC_VALIDITY_SECONDS
    )
    balance_expiration_at: int = field(
        default_factory=lambda: int(clock.now()) + _BALANCE_VALIDITY_SECONDS
    )


def default_custom(worker: WorkerSpec) -> dict[str, Any]:
    """Return ``custom`` built from the defaults of a Worker's input schema."""
    custom: dict[str, Any] = {}
    for prop in worker.input_schema.get("properties", []):
        if isinstance(prop, Mapping) and "name" in prop and prop.get("default") is not None:
            custom[prop["name"]] = prop["default"]
    return custom


class State:
    """Everything the emulated platform knows, guarded by one lock.

    Args:
        workers: The Workers to offer, later ones replacing earlier ones with the
            same slug or path.
        balance: Starting account balance in USD.
    """

    def __init__(self, workers: Iterable[WorkerSpec], *, balance: Decimal = DEFAULT_BALANCE):
        self.lock = threading.RLock()
        self.workers: dict[str, WorkerSpec] = {}
        for worker in workers:
            self._add_worker(worker)
        self.account = Account(balance=balance)
        self.runs: dict[str, Run] = {}
        self.tasks: dict[str, Task] = {}
        self.exports: dict[str, Export] = {}
        self._task_numbers = itertools.count(1)
        self.queue = RunQueue()
        self.seed_tasks()

    def _add_worker(self, worker: WorkerSpec) -> None:
        for slug, existing in list(self.workers.items()):
            if existing.slug == worker.slug or existing.path == worker.path:
                del self.workers[slug]
        self.workers[worker.slug] = worker

    # Workers, tasks, runs -------------------------------------------------

    def find_worker(self, ident: str) -> WorkerSpec | None:
        """Return the Worker whose slug (ULID) or ``owner/name`` path is ``ident``."""
        worker = self.workers.get(ident)
        if worker is not None:
            return worker
        lowered = ident.lower()
        for candidate in self.workers.values():
            if candidate.path.lower() == lowered:
                return candidate
        return None

    def slug_kind(self, slug: str) -> SlugKind | None:
        """Say which kind of identifier ``slug`` is, or None when it is unknown."""
        with self.lock:
            if slug in self.runs:
                return SlugKind.RUN
            if slug in self.tasks:
                return SlugKind.TASK
        if self.find_worker(slug) is not None:
            return SlugKind.WORKER
        return None

    def search_workers(self, text: str, limit: int) -> list[WorkerSpec]:
        """Return Workers whose title, description or path contain every word of ``text``."""
        words = text.lower().split()
        found = []
        for worker in self.workers.values():
            haystack = f"{worker.title} {worker.description} {worker.path}".lower()
            if all(word in haystack for word in words):
                found.append(worker)
        return found[:limit]

    def seed_tasks(self) -> None:
        """Create one saved task per Worker with the Worker's default input.

        Seeded task slugs are derived from the Worker slug, so they are the same on
        every start and after every reset.
        """
        with self.lock:
            for worker in self.workers.values():
                slug = stable_slug(f"task:{worker.slug}")
                self.tasks[slug] = Task(
                    slug=slug,
                    worker_slug=worker.slug,
                    custom=default_custom(worker),
                    system=dict(worker.system),
                    title=f"{worker.title} (example task)",
                    number=next(self._task_numbers),
                )

    def add_task(
        self,
        worker: WorkerSpec,
        custom: Mapping[str, Any],
        *,
        system: Mapping[str, Any] | None = None,
        title: str | None = None,
        description: str = "",
        version: str | None = None,
        schedule: Mapping[str, Any] | None = None,
        saved_input: Any = None,
    ) -> Task:
        """Save a task for ``worker`` and return it."""
        with self.lock:
            task = Task(
                slug=new_slug(),
                worker_slug=worker.slug,
                custom=dict(custom),
                system={**worker.system, **(system or {})},
                title=title or f"{worker.title} task",
                description=description,
                version=version,
                schedule=dict(schedule or {}),
                number=next(self._task_numbers),
                saved_input=copy.deepcopy(saved_input),
            )
            self.tasks[task.slug] = task
        return task

    def update_task(self, slug: str, **changes: Any) -> Task | None:
        """Replace fields of task ``slug`` (see ``Task``); None when there is no such task."""
        with self.lock:
            task = self.tasks.get(slug)
            if task is None:
                return None
            task = dataclasses.replace(task, **{"updated_at": clock.now(), **changes})
            self.tasks[slug] = task
        return task

    def delete_task(self, slug: str) -> bool:
        """Forget task ``slug``; False when there is no such task."""
        with self.lock:
            return self.tasks.pop(slug, None) is not None

    def add_run(self, run: Run) -> None:
        """Register a new run (its slug must be unused)."""
        with self.lock:
            while run.slug in self.runs:
                run.slug = new_slug()
            self.runs[run.slug] = run

    def list_runs(
        self, *, status: RunStatus | None = None, worker_slug: str | None = None
    ) -> list[Run]:
        """Return runs newest first, optionally filtered by status and Worker."""
        with self.lock:
            runs = list(self.runs.values())
        runs.reverse()
        return [
            run
            for run in runs
            if (status is None or run.status is status)
            and (worker_slug is None or run.worker.slug == worker_slug)
        ]

    def backdate_run(self, slug: str, started_at: float) -> None:
        """Move a finished run's start (and with it its end and log times) to ``started_at``.

        Raises:
            KeyError: No run has that slug.
            ValueError: The run is not finished yet.
        """
        with self.lock:
            run = self.runs[slug]
            if not run.status.terminal:
                raise ValueError(f"run {slug} is not finished; only finished runs can be moved")
            shift = started_at - run.started_at
            run.started_at = started_at
            run.finished_at += shift
            millis = int(shift * 1000)
            run.logs = [
                dataclasses.replace(entry, timestamp_ms=entry.timestamp_ms + millis)
                for entry in run.logs
            ]

    def page(
        self, run: Run, offset: int, limit: int
    ) -> tuple[int, list[dict[str, str]], list[bytes]]:
        """Return ``(total rows, headers, rows[offset:offset+limit])`` consistently."""
        with self.lock:
            return len(run.rows), list(run.headers), run.rows[offset : offset + limit]

    # Account ---------------------------------------------------------------

    def set_balance(self, balance: Decimal) -> None:
        """Set the account balance in USD."""
        with self.lock:
            self.account.balance = balance

    # Exports ---------------------------------------------------------------

    def create_export(
        self, run: Run, fmt: str, filter_keys: Iterable[str], *, lifetime: float
    ) -> Export:
        """Snapshot ``run``'s rows into a download valid for ``lifetime`` seconds."""
        with self.lock:
            export = Export(
                token=secrets.token_urlsafe(24),
                run_slug=run.slug,
                fmt=fmt,
                filter_keys=tuple(filter_keys),
                headers=tuple(dict(h) for h in run.headers),
                rows=run.rows[:],
                expires_at=clock.now() + lifetime,
            )
            self._drop_expired_exports()
            self.exports[export.token] = export
        return export

    def get_export(self, token: str) -> Export | None:
        """Return the export for ``token`` (expired ones too, so callers can say so)."""
        with self.lock:
            return self.exports.get(token)

    def _drop_expired_exports(self) -> None:
        # Keep expired exports for a while so a late download gets "expired", not "unknown".
        horizon = clock.now() - 3600
        for token in [t for t, e in self.exports.items() if e.expires_at < horizon]:
            del self.exports[token]

    # Reset -----------------------------------------------------------------

    def clear(self, *, balance: Decimal = DEFAULT_BALANCE) -> None:
        """Forget runs, tasks and exports, reset the account, and re-seed tasks."""
        with self.lock:
            self.runs.clear()
            self.tasks.clear()
            self.exports.clear()
            self.account = Account(balance=balance)
            self._task_numbers = itertools.count(1)
            self.queue.clear()
        self.seed_tasks()
