"""The notebook API's saved tasks, schedules, run queue and Workers: ``cc.create_task`` etc.

Thin helpers over the default :class:`~coreclaw_pandas.client.Client` (or ``client=``).
All of these are API v2 calls: on v1 they raise a ``ConfigurationError`` saying how to
switch (``cc.configure(api_version="v2")``). Wherever a task is meant, a
:class:`~coreclaw_pandas.tasks.Task` or its slug is accepted; wherever a queue item,
a :class:`~coreclaw_pandas.tasks.QueueItem` or its ``queue_ref``.

The platform does not say which run a task started: run records carry no task
(docs/platform.md §3.4, §7.1). So :func:`task_runs_df` lists the runs of the task's
Worker since the task was saved, which includes that Worker's other runs; the frame's
``attrs`` say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from .. import _clock, frames
from ..client import Client
from ..exceptions import InputError
from ..models import ATTRS_KEY, Run
from ..tasks import QueueItem, Schedule, Task
from .default import resolve_client

__all__ = [
    "TaskLike",
    "activate",
    "create_task",
    "delete_task",
    "last_task_run",
    "my_workers_df",
    "queue_df",
    "queue_run",
    "release",
    "task",
    "task_runs_df",
    "tasks_df",
    "update_task",
]

#: Wherever a saved task is meant, a Task or its slug.
TaskLike = Task | str
#: Wherever a queue item is meant, a QueueItem or its queue_ref.
QueueLike = QueueItem | str
#: What tasks_df shows, in this order.
TASK_COLUMNS = ("title", "slug", "worker", "schedule", "next_run", "last_run_status", "run_count")
#: Runs read at most to find the tasks' last runs in tasks_df.
_HISTORY_LIMIT = 1000
_RUNS_CAVEAT = (
    "CoreClaw does not record which task started a run: these are the runs of the task's "
    "Worker since the task was saved, which may include runs started otherwise."
)


def task_slug_of(task: TaskLike) -> str:
    """The slug of a Task or of a task slug string (stripped).

    Raises:
        InputError: ``task`` is neither.
    """
    if isinstance(task, Task):
        return task.slug
    if isinstance(task, str) and task.strip():
        return task.strip()
    raise InputError([f"expected a Task or a task slug string, got {task!r}"])


def create_task(
    scraper_slug: str,
    custom: Mapping[str, Any] | None = None,
    *,
    title: str,
    description: str = "",
    schedule: Schedule | None = None,
    system: Mapping[str, Any] | None = None,
    version: str | None = None,
    client: Client | None = None,
) -> Task:
    """Save a task: a Worker, its input (checked like ``cc.run_worker``'s) and a schedule.

    Args:
        scraper_slug: The Worker's id or ``owner/name`` path.
        custom: The Worker's own input; omitted fields take their defaults.
        title: The task's title.
        description: Free text.
        schedule: ``cc.Schedule.daily("08:30")``, ``.weekly("mon", "08:30")``,
            ``.monthly(1, "08:30")`` or ``.once(...)``; times are Beijing time.
        system: System parameters to save with it.
        version: Pin a Worker version; default is its current one.
        client: The client to use instead of the default.

    Example:
        >>> t = cc.create_task("coreclaw/web-page-scraper", {"startURLs": [...]},
        ...                    title="Shop pages", schedule=cc.Schedule.weekly("mon", "08:30"))
    """
    return resolve_client(client).create_task(
        scraper_slug,
        custom,
        title=title,
        description=description,
        system=system,
        version=version,
        schedule=schedule,
    )


def task(task: TaskLike, *, client: Client | None = None) -> Task:
    """A saved task's detail: its Worker, version, input (the Worker's ``custom``), schedule."""
    return resolve_client(client).task(task_slug_of(task))


def update_task(
    task: TaskLike,
    *,
    title: str | None = None,
    description: str | None = None,
    custom: Mapping[str, Any] | None = None,
    schedule: Schedule | None | Literal["keep"] = "keep",
    version: str | None = None,
    client: Client | None = None,
) -> Task:
    """Change a saved task; what is not given stays as it is.

    Args:
        task: The task.
        title: A new title.
        description: A new description.
        custom: New Worker input, checked against the Worker's schema.
        schedule: A new schedule; None switches the schedule off.
        version: Pin a Worker version.
        client: The client to use instead of the default.

    Returns:
        The task as the platform now reports it.
    """
    return resolve_client(client).update_task(
        task_slug_of(task),
        title=title,
        description=description,
        custom=custom,
        schedule=schedule,
        version=version,
    )


def delete_task(task: TaskLike, *, client: Client | None = None) -> None:
    """Delete a saved task (its past runs stay in the run history)."""
    resolve_client(client).delete_task(task_slug_of(task))


def tasks_df(
    worker: str | None = None, *, keyword: str = "", client: Client | None = None
) -> pd.DataFrame:
    """Saved tasks as a DataFrame, newest first.

    Columns: title, slug, worker, schedule (in words, with its zone), next_run (UTC),
    last_run_status, run_count. The task list reports only a schedule's kind, so each
    scheduled task's detail is read too; the last run is the newest run of the task's
    Worker since it was saved (the platform does not link runs to tasks).

    Args:
        worker: Only tasks of this Worker (id or ``owner/name``).
        keyword: Only tasks whose title or slug holds these words.
        client: The client to use instead of the default.
    """
    c = resolve_client(client)
    tasks = [
        c.task(t.slug) if t.schedule and not t.schedule.complete else t
        for t in c.iter_tasks(scraper_slug=worker, keyword=keyword)
    ]
    latest = _latest_runs(c, [t for t in tasks if t.run_times])
    now = _clock.utc_now()
    rows = []
    for t in tasks:
        next_run = t.schedule.next_run(now) if t.schedule else None
        last = latest.get(t.slug)
        rows.append(
            {
                "title": t.title,
                "slug": t.slug,
                "worker": t.worker_path or t.scraper_slug,
                "schedule": t.schedule.describe() if t.schedule else "",
                "next_run": pd.Timestamp(next_run) if next_run else pd.NaT,
                "last_run_status": last.status.label if last else "",
                "run_count": t.run_times,
            }
        )
    df = pd.DataFrame(rows, columns=list(TASK_COLUMNS))
    df["next_run"] = pd.to_datetime(df["next_run"], utc=True)
    df["run_count"] = df["run_count"].astype("int64")
    for name in ("title", "slug", "worker", "schedule", "last_run_status"):
        df[name] = df[name].astype("string")
    return df


def _task_runs(c: Client, t: Task, limit: int | None = None) -> list[Run]:
    runs = c.iter_runs(scraper_slug=t.scraper_slug, since=t.created_at, limit=limit)
    return list(runs)


def _latest_runs(c: Client, tasks: Sequence[Task]) -> dict[str, Run]:
    if not tasks:
        return {}
    since = min((t.created_at for t in tasks if t.created_at), default=None)
    latest: dict[str, Run] = {}
    for run in c.iter_runs(since=since, limit=_HISTORY_LIMIT):  # newest first
        for t in tasks:
            started = run.started_at
            fresh = not t.created_at or (started is not None and started >= t.created_at)
            if run.scraper_slug == t.scraper_slug and fresh and t.slug not in latest:
                latest[t.slug] = run
    return latest


def task_runs_df(task: TaskLike, *, client: Client | None = None) -> pd.DataFrame:
    """Runs of the task's Worker since the task was saved, newest first (see the module)."""
    c = resolve_client(client)
    df = frames.runs_to_frame(_task_runs(c, c.task(task_slug_of(task))))
    df.attrs[ATTRS_KEY] = {"task": task_slug_of(task), "note": _RUNS_CAVEAT}
    return df


def last_task_run(task: TaskLike, *, client: Client | None = None) -> Run | None:
    """The newest run of the task's Worker since the task was saved; None if it never ran."""
    c = resolve_client(client)
    t = c.task(task_slug_of(task))
    if not t.run_times:
        return None  # the platform's own count: this task has started nothing yet
    runs = _task_runs(c, t, limit=1)
    return runs[0] if runs else None


def queue_run(
    scraper_slug: str,
    custom: Mapping[str, Any] | None = None,
    *,
    system: Mapping[str, Any] | None = None,
    version: str | None = None,
    callback_url: str | None = None,
    client: Client | None = None,
) -> QueueItem:
    """Queue a run without starting it (it waits, for example for balance).

    ``cc.activate(item)`` starts it later; ``cc.release(item)`` drops it.
    """
    return resolve_client(client).queue_run(
        scraper_slug, custom, system=system, version=version, callback_url=callback_url
    )


def queue_df(status: str | None = "waiting", *, client: Client | None = None) -> pd.DataFrame:
    """The run queue as a DataFrame (queue_ref, status, run_slug), oldest first.

    Args:
        status: ``"waiting"`` (default), ``"inactive"``, or None for both.
        client: The client to use instead of the default.
    """
    items = list(resolve_client(client).iter_queue(status=status))
    rows = [{"queue_ref": i.ref, "status": i.status, "run_slug": i.run_slug} for i in items]
    return pd.DataFrame(rows, columns=["queue_ref", "status", "run_slug"]).astype("string")


def _refs(items: QueueLike | Sequence[QueueLike] | Literal["all"], c: Client) -> list[str]:
    if items == "all":
        return [i.ref for i in c.iter_queue(status="waiting")]
    chosen = [items] if isinstance(items, QueueItem | str) else list(items)
    refs = [i.ref if isinstance(i, QueueItem) else i for i in chosen]
    if not refs or not all(isinstance(r, str) and r.strip() for r in refs):
        raise InputError([f"expected queue items, queue refs or 'all', got {items!r}"])
    return refs


def activate(
    items: QueueLike | Sequence[QueueLike] | Literal["all"], *, client: Client | None = None
) -> dict[str, bool]:
    """Start queued runs: one item, a list, or ``"all"`` waiting items.

    Returns:
        ``{queue_ref: started}``; False means it was no longer waiting, or its start was
        refused (balance, plan slots) and it still waits. Sent once, never repeated.
    """
    c = resolve_client(client)
    refs = _refs(items, c)
    return c.activate(refs) if refs else {}


def release(
    items: QueueLike | Sequence[QueueLike] | Literal["all"],
    *,
    reason: str | None = None,
    client: Client | None = None,
) -> dict[str, bool]:
    """Drop queued runs so they never start: ``{queue_ref: released}``."""
    c = resolve_client(client)
    refs = _refs(items, c)
    return c.release(refs, reason=reason) if refs else {}


def my_workers_df(keyword: str = "", *, client: Client | None = None) -> pd.DataFrame:
    """The Workers available to your account (``GET /workers``): slug, title, path, description."""
    workers = resolve_client(client).my_workers(keyword, limit=100)
    rows = [
        {
            "slug": w.slug,
            "title": w.title,
            "path": str(w.extra.get("path") or "").replace("~", "/"),
            "description": w.description,
        }
        for w in workers
    ]
    return pd.DataFrame(rows, columns=["slug", "title", "path", "description"]).astype("string")
