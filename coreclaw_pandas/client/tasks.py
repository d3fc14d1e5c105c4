"""Saved tasks, schedules, the run queue and your Workers: the v2-only client methods.

Split from :mod:`.client` to keep each module readable; :class:`TaskCalls` holds
only methods and is mixed into :class:`~coreclaw_pandas.client.Client`. On API v1,
which has none of these calls (docs/platform.md §1.4), each raises a
``ConfigurationError`` saying how to switch to v2.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from .. import _config
from ..exceptions import ConfigurationError, InputError
from ..models import WorkerSummary
from ..tasks import QueueItem, Schedule, Task
from . import replies, starts
from .starts import require_slug
from .transport import Transport
from .v2_tasks import SCHEDULE_OFF, V2Tasks, wrap_input

if TYPE_CHECKING:
    from ..models import Worker

__all__ = ["TaskCalls", "require_v2"]

_QUEUE_STATUSES = ("waiting", "inactive")
#: Pages read at most by the iterators: a guard against a server that never runs out.
_MAX_PAGES = 10_000


def require_v2(api_version: str, what: str) -> None:
    """Raise ConfigurationError unless the client speaks API v2.

    Args:
        api_version: The client's version.
        what: The call, for the message ("Saved-task CRUD").
    """
    if api_version != "v2":
        raise ConfigurationError(
            f"{what} needs CoreClaw API v2; this client speaks {api_version}, which has no "
            "such call. Switch with cc.configure(api_version='v2'), "
            "Client(api_version='v2') or the environment variable CORECLAW_API_VERSION=v2."
        )


class TaskCalls:
    """The task, queue and Worker-list endpoints of :class:`~coreclaw_pandas.client.Client`."""

    _http: Transport
    api_version: str
    page_size: int

    if TYPE_CHECKING:

        def worker(self, scraper_slug: str, *, refresh: bool = False) -> Worker:
            """Provided by Client."""
            ...

    def _tasks_wire(self, what: str) -> V2Tasks:
        require_v2(self.api_version, what)
        return V2Tasks(self._http)

    def _checked_input(
        self,
        scraper_slug: str,
        custom: Mapping[str, Any] | None,
        system: Mapping[str, Any] | None,
        version: str | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(wrapped input, version fields)``, checked like a run start's input."""
        worker = self.worker(scraper_slug)
        _, merged, built = starts.prepare(worker, custom, system=system, version=version)
        # Only the system parameters asked for are saved: the rest follow the Worker.
        chosen = {name: merged[name] for name in system or {}}
        fields = {"version": version} if version and version.lower() != "latest" else {}
        return wrap_input(built, chosen), fields

    # -- Saved tasks ---------------------------------------------------------------------

    def tasks_page(
        self,
        *,
        page_index: int = 1,
        page_size: int | None = None,
        scraper_slug: str | None = None,
        keyword: str = "",
    ) -> tuple[int, list[Task]]:
        """One page of saved tasks, newest first: ``(total count, tasks)``.

        The list reports a schedule's kind only; :meth:`task` has its day and time.
        """
        return self._tasks_wire("Listing saved tasks").tasks_page(
            page_index=page_index,
            page_size=page_size or self.page_size,
            scraper_slug=scraper_slug,
            keyword=keyword.strip(),
        )

    def iter_tasks(
        self, *, scraper_slug: str | None = None, keyword: str = "", limit: int | None = None
    ) -> Iterator[Task]:
        """Every saved task, newest first, page by page (at most ``limit``)."""
        seen = 0
        for page_index in range(1, _MAX_PAGES + 1):
            total, tasks = self.tasks_page(
                page_index=page_index, scraper_slug=scraper_slug, keyword=keyword
            )
            for task in tasks:
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield task
            if not tasks or seen >= total:
                return

    def task(self, task_slug: str) -> Task:
        """A saved task's detail: Worker, version, input (its ``custom``) and schedule."""
        require_slug("task_slug", task_slug)
        return self._tasks_wire("Reading a saved task").task(task_slug)

    def create_task(
        self,
        scraper_slug: str,
        custom: Mapping[str, Any] | None = None,
        *,
        title: str,
        description: str = "",
        system: Mapping[str, Any] | None = None,
        version: str | None = None,
        schedule: Schedule | None = None,
    ) -> Task:
        """Save a task: a Worker with its input, and optionally a schedule.

        The input is the Worker's ``custom``, checked against its schema like a run
        start's, and sent in production's wrapped form. Not repeated after an unclear
        failure (a second create would save a second task).

        Raises:
            InputError: The input or title is wrong; nothing was sent.
        """
        wire = self._tasks_wire("Saving a task")
        require_slug("scraper_slug", scraper_slug)
        require_slug("title", title)
        wrapped, fields = self._checked_input(scraper_slug, custom, system, version)
        body: dict[str, Any] = {
            "worker_id": scraper_slug.replace("/", "~"),
            "title": title.strip(),
            "input": wrapped,
            **fields,
        }
        if description:
            body["description"] = description
        if schedule is not None:
            body.update(schedule.fields())
        return self.task(wire.create_task(body))

    def update_task(
        self,
        task_slug: str,
        *,
        title: str | None = None,
        description: str | None = None,
        schedule: Schedule | None | Literal["keep"] = "keep",
        custom: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        version: str | None = None,
    ) -> Task:
        """Change a saved task; what is not given stays as it is.

        Args:
            task_slug: The task.
            title: A new title.
            description: A new description.
            schedule: A new :class:`~coreclaw_pandas.tasks.Schedule`; None switches it
                off; ``"keep"`` (the default) leaves it as it is.
            custom: New Worker input, checked against the Worker's schema.
            system: System parameters to save with a new ``custom``.
            version: Pin a Worker version (with or without a new input).

        Returns:
            The task as the platform now reports it.
        """
        wire = self._tasks_wire("Changing a saved task")
        require_slug("task_slug", task_slug)
        body: dict[str, Any] = {}
        if title is not None:
            require_slug("title", title)
            body["title"] = title.strip()
        if description is not None:
            body["description"] = description
        if schedule is None:
            body.update(SCHEDULE_OFF)
        elif isinstance(schedule, Schedule):
            body.update(schedule.fields())
        if custom is not None or system is not None or version is not None:
            saved = wire.task(task_slug)
            base = saved.custom if custom is None else custom
            wrapped, fields = self._checked_input(saved.scraper_slug, base, system, version)
            wire.update_task_input(task_slug, wrapped, fields.get("version", ""))
        if body:
            wire.update_task(task_slug, body)
        return wire.task(task_slug)

    def task_input(self, task_slug: str) -> tuple[dict[str, Any], str]:
        """A saved task's input (its ``custom``, unwrapped) and version."""
        require_slug("task_slug", task_slug)
        return self._tasks_wire("Reading a task's input").task_input(task_slug)

    def delete_task(self, task_slug: str) -> None:
        """Delete a saved task (its past runs stay in the run history)."""
        require_slug("task_slug", task_slug)
        self._tasks_wire("Deleting a saved task").delete_task(task_slug)

    # -- The run queue -------------------------------------------------------------------

    def queue_run(
        self,
        scraper_slug: str,
        custom: Mapping[str, Any] | None = None,
        *,
        system: Mapping[str, Any] | None = None,
        version: str | None = None,
        callback_url: str | None = None,
    ) -> QueueItem:
        """Queue a run without starting it; :meth:`activate` starts it later.

        The body is a start's, checked the same way (docs/platform.md §7.2).
        """
        wire = self._tasks_wire("The run queue")
        require_slug("scraper_slug", scraper_slug)
        worker = self.worker(scraper_slug)
        version, merged, built = starts.prepare(worker, custom, system=system, version=version)
        body = replies.start_body(merged, built, is_async=True, callback_url=callback_url)
        if version and version.lower() != "latest":
            body["version"] = version
        return wire.queue_run(scraper_slug, body)

    def queue_page(
        self, *, status: str | None = None, page_index: int = 1, page_size: int | None = None
    ) -> tuple[int, list[QueueItem]]:
        """One page of the run queue, oldest first: ``(total count, items)``.

        Args:
            status: ``"waiting"`` or ``"inactive"``; None lists both.
            page_index: The page, from 1.
            page_size: Items per page (at most 100).
        """
        if status is not None and status not in _QUEUE_STATUSES:
            raise InputError([f"`status` must be 'waiting' or 'inactive', got {status!r}"])
        return self._tasks_wire("The run queue").queue_page(
            status=status, page_index=page_index, page_size=page_size or self.page_size
        )

    def iter_queue(self, *, status: str | None = None) -> Iterator[QueueItem]:
        """Every run-queue item, oldest first, page by page."""
        seen = 0
        for page_index in range(1, _MAX_PAGES + 1):
            total, items = self.queue_page(status=status, page_index=page_index)
            yield from items
            seen += len(items)
            if not items or seen >= total:
                return

    def activate(self, refs: Sequence[str]) -> dict[str, bool]:
        """Start queued runs: ``{queue_ref: started}``. Sent once, never repeated.

        ``False`` means the item was no longer waiting, or its start was refused
        (balance, plan slots) and it is still waiting.
        """
        wire = self._tasks_wire("The run queue")
        chosen = _refs(refs)
        return starts.once(lambda: wire.activate(chosen), what=f"queue items {', '.join(chosen)}")

    def release(self, refs: Sequence[str], *, reason: str | None = None) -> dict[str, bool]:
        """Drop queued runs so they never start: ``{queue_ref: released}``."""
        return self._tasks_wire("The run queue").release(_refs(refs), reason)

    def release_one(self, ref: str, *, reason: str | None = None) -> bool:
        """Drop one queued run (an unknown ref raises NotFoundError)."""
        require_slug("ref", ref)
        outcome = self._tasks_wire("The run queue").release_one(ref, reason)
        return outcome.get(ref, False)

    # -- Your Workers --------------------------------------------------------------------

    def my_workers(
        self, keyword: str = "", *, limit: int = _config.STORE_LIMIT
    ) -> list[WorkerSummary]:
        """The Workers available to your account (``GET /workers``), at most ``limit``."""
        wire = self._tasks_wire("Listing your Workers")
        found: list[WorkerSummary] = []
        for page_index in range(1, _MAX_PAGES + 1):
            page = wire.my_workers(
                keyword=keyword.strip(), page_index=page_index, page_size=min(limit, 100)
            )
            found.extend(page[: limit - len(found)])
            if len(page) < min(limit, 100) or len(found) >= limit:
                return found
        return found


def _refs(refs: Sequence[str] | str) -> list[str]:
    chosen = [refs] if isinstance(refs, str) else list(refs)
    if not chosen or not all(isinstance(ref, str) and ref.strip() for ref in chosen):
        raise InputError([f"queue refs must be non-empty strings, got {refs!r}"])
    return [ref.strip() for ref in chosen]
