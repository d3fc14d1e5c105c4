"""The v2-only operations on the wire: saved tasks, the run queue, your Workers.

v1 has none of these (docs/platform.md §1.4), so they are not part of the
:class:`~.wire.Wire` protocol; :class:`V2Tasks` speaks them over the same
transport as :class:`~.v2.V2`. Task input goes on the wire in production's
wrapped form, ``{"parameters": {"custom": {...}}}``, and is read back in either
form, since the input endpoint's example is still flat (docs/platform.md §7.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..models import WorkerSummary
from ..tasks import QueueItem, Schedule, Task
from . import replies
from .transport import Transport
from .v2 import MAX_LIMIT
from .wire import Policy

_READ = Policy(
    idempotent=True, retry_codes=frozenset({13000, 10000}), refused_codes=frozenset({13000})
)
# Creating, changing, deleting, queueing and releasing are not repeated after an unclear
# failure: a second create would save a second task, a second delete or release would
# answer as if the first had failed. Only a refusal ("too many requests") is retried.
_WRITE = Policy(idempotent=False, retry_codes=frozenset(), refused_codes=frozenset({13000}))
#: Task fields :class:`~coreclaw_pandas.tasks.Task` models (the rest go to ``extra``).
_TASK_FIELDS = frozenset(
    {"slug", "title", "worker_slug", "worker_path", "worker_title", "version", "input"}
    | {"run_times", "description", "created_at", "updated_at"}
)
#: Sent to switch a schedule off: the platform keeps the other fields.
SCHEDULE_OFF = {"schedule_enabled": 0}


def _task_id(task_slug: str) -> str:
    return quote(task_slug, safe="")


def wrap_input(custom: Mapping[str, Any], system: Mapping[str, Any] | None) -> dict[str, Any]:
    """A task's ``input`` as production stores it (docs/platform.md §7.1)."""
    parameters: dict[str, Any] = {"custom": dict(custom)}
    if system:
        parameters["system"] = dict(system)
    return {"parameters": parameters}


def unwrap_input(raw: Any) -> dict[str, Any]:
    """The Worker's ``custom`` from a task ``input``, wrapped or flat."""
    if not isinstance(raw, Mapping):
        return {}
    parameters = raw.get("parameters")
    if isinstance(parameters, Mapping) and set(raw) == {"parameters"}:
        custom = parameters.get("custom")
        return dict(custom) if isinstance(custom, Mapping) else {}
    return dict(raw)  # the flat form of the input endpoint's example


def task(data: Mapping[str, Any]) -> Task:
    """A Task from a task-list item or a task detail."""
    return Task(
        slug=str(data.get("slug") or ""),
        title=str(data.get("title") or ""),
        scraper_slug=str(data.get("worker_slug") or ""),
        worker_path=str(data.get("worker_path") or "").replace("~", "/"),
        worker_title=str(data.get("worker_title") or ""),
        version=str(data.get("version") or ""),
        custom=unwrap_input(data.get("input")),
        schedule=Schedule.from_fields(data),
        run_times=int(replies.number(data.get("run_times"))),
        description=str(data.get("description") or ""),
        created_at=replies.seconds(data.get("created_at")),
        updated_at=replies.seconds(data.get("updated_at")),
        extra={k: v for k, v in data.items() if k not in _TASK_FIELDS},
    )


def queue_item(data: Mapping[str, Any]) -> QueueItem:
    """A QueueItem from a queue-list item or a queued-run reply."""
    known = ("queue_ref", "queue_status", "run_slug")
    return QueueItem(
        ref=str(data.get("queue_ref") or ""),
        status=str(data.get("queue_status") or ""),
        run_slug=str(data.get("run_slug") or ""),
        extra={k: v for k, v in data.items() if k not in known},
    )


def outcomes(data: Mapping[str, Any]) -> dict[str, bool]:
    """``{queue_ref: success}`` from an activate or release reply."""
    return {
        str(item.get("queue_ref")): item.get("success") is True
        for item in data.get("results") or []
        if isinstance(item, Mapping)
    }


class V2Tasks:
    """Saved tasks, the run queue and the account's Workers, over a v2 transport."""

    def __init__(self, http: Transport) -> None:
        self.http = http

    def _get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        return self.http.call("GET", path, policy=_READ, params=params, **kw) or {}

    # -- Saved tasks ---------------------------------------------------------------------

    def tasks_page(
        self, *, page_index: int, page_size: int, scraper_slug: str | None, keyword: str
    ) -> tuple[int, list[Task]]:
        """GET /api/v2/worker-tasks: ``(total count, tasks on this page)``."""
        params: dict[str, Any] = {"offset": page_index, "limit": min(page_size, MAX_LIMIT)}
        if scraper_slug:
            params["worker_id"] = scraper_slug.replace("/", "~")
        if keyword:
            params["keyword"] = keyword
        data = self._get("/api/v2/worker-tasks", params, context={"scraper_slug": scraper_slug})
        items = [task(item) for item in data.get("list") or [] if isinstance(item, Mapping)]
        return int(replies.number(data.get("count"))), items

    def task(self, task_slug: str) -> Task:
        """GET /api/v2/worker-tasks/{id}."""
        path = f"/api/v2/worker-tasks/{_task_id(task_slug)}"
        return task(self._get(path, context={"task_slug": task_slug}) or {"slug": task_slug})

    def create_task(self, body: Mapping[str, Any]) -> str:
        """POST /api/v2/worker-tasks: the new task's slug."""
        data = self.http.post(
            "/api/v2/worker-tasks",
            body,
            policy=_WRITE,
            context={"scraper_slug": str(body.get("worker_id") or "")},
        )
        return str(data.get("slug") or "")

    def update_task(self, task_slug: str, body: Mapping[str, Any]) -> None:
        """PUT /api/v2/worker-tasks/{id} (title, description, schedule; partial)."""
        path = f"/api/v2/worker-tasks/{_task_id(task_slug)}"
        self.http.call(
            "PUT", path, policy=_WRITE, body=dict(body), context={"task_slug": task_slug}
        )

    def delete_task(self, task_slug: str) -> None:
        """DELETE /api/v2/worker-tasks/{id}.

        Not repeated after an unclear failure: a repeat of a delete that did arrive would
        answer "not found" and hide that it worked.
        """
        path = f"/api/v2/worker-tasks/{_task_id(task_slug)}"
        self.http.call("DELETE", path, policy=_WRITE, context={"task_slug": task_slug})

    def task_input(self, task_slug: str) -> tuple[dict[str, Any], str]:
        """GET /api/v2/worker-tasks/{id}/input: ``(custom, version)``."""
        path = f"/api/v2/worker-tasks/{_task_id(task_slug)}/input"
        data = self._get(path, context={"task_slug": task_slug})
        return unwrap_input(data.get("input")), str(data.get("version") or "")

    def update_task_input(self, task_slug: str, wrapped: Mapping[str, Any], version: str) -> None:
        """PUT /api/v2/worker-tasks/{id}/input."""
        body: dict[str, Any] = {"input": dict(wrapped)}
        if version:
            body["version"] = version
        path = f"/api/v2/worker-tasks/{_task_id(task_slug)}/input"
        self.http.call("PUT", path, policy=_WRITE, body=body, context={"task_slug": task_slug})

    # -- The run queue -------------------------------------------------------------------

    def queue_run(self, scraper_slug: str, body: Mapping[str, Any]) -> QueueItem:
        """POST /api/v2/workers/{id}/queued-runs: the item, usually ``waiting``."""
        wid = quote(scraper_slug.replace("/", "~"), safe="~")
        data = self.http.post(
            f"/api/v2/workers/{wid}/queued-runs",
            body,
            policy=_WRITE,
            context={"scraper_slug": scraper_slug},
        )
        return queue_item(data)

    def queue_page(
        self, *, status: str | None, page_index: int, page_size: int
    ) -> tuple[int, list[QueueItem]]:
        """GET /api/v2/run-queue/items: ``(total count, items on this page)``."""
        params: dict[str, Any] = {"offset": page_index, "limit": min(page_size, MAX_LIMIT)}
        if status:
            params["status"] = status
        data = self._get("/api/v2/run-queue/items", params)
        items = [queue_item(i) for i in data.get("list") or [] if isinstance(i, Mapping)]
        return int(replies.number(data.get("count"))), items

    def activate(self, refs: Sequence[str]) -> dict[str, bool]:
        """POST /api/v2/run-queue/items/activate: starts runs, so never repeated."""
        body = {"queue_refs": list(refs)}
        return outcomes(self.http.post("/api/v2/run-queue/items/activate", body, policy=_WRITE))

    def release(self, refs: Sequence[str], reason: str | None) -> dict[str, bool]:
        """POST /api/v2/run-queue/items/release (not repeated: a repeat would answer false)."""
        body: dict[str, Any] = {"queue_refs": list(refs)}
        if reason:
            body["reason"] = reason
        return outcomes(self.http.post("/api/v2/run-queue/items/release", body, policy=_WRITE))

    def release_one(self, ref: str, reason: str | None) -> dict[str, bool]:
        """POST /api/v2/run-queue/items/{queueId}/release."""
        body = {"reason": reason} if reason else {}
        path = f"/api/v2/run-queue/items/{quote(ref, safe='')}/release"
        return outcomes(self.http.post(path, body, policy=_WRITE))

    # -- Your Workers --------------------------------------------------------------------

    def my_workers(self, *, keyword: str, page_index: int, page_size: int) -> list[WorkerSummary]:
        """GET /api/v2/workers: the Workers available to the key's account."""
        params: dict[str, Any] = {"offset": page_index, "limit": min(page_size, MAX_LIMIT)}
        if keyword:
            params["keyword"] = keyword
        return replies.worker_summaries(self._get("/api/v2/workers", params))
