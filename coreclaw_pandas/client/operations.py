"""Which :class:`~coreclaw_pandas.client.Client` method calls each v2 operation.

Keyed by the v2 OpenAPI ``operationId``; a test walks the spec and fails when an
operation has no entry here, or an entry names no method. Where one method serves
two operations, its ``scraper_slug`` picks the account's (None) or a Worker's ``/last``;
``worker`` reads the public input schema when the detail has none (always without a key),
and ``update_task`` changes a task's fields, its input, or both.
"""

from __future__ import annotations

__all__ = ["V2_OPERATIONS"]

#: operationId -> Client method (docs/platform.md §1.4).
V2_OPERATIONS: dict[str, str] = {
    "listProxyRegions": "proxy_regions",
    "listStore": "search_workers",
    "getAccount": "account",
    "listWorkerRuns": "runs_page",
    "getLastWorkerRun": "last_run",
    "abortLastWorkerRun": "abort_last",
    "exportLastWorkerRunResults": "last_export_url",
    "getLastWorkerRunLog": "last_log",
    "rerunLastWorkerRun": "rerun_last",
    "listLastWorkerRunResults": "last_results_page",
    "getWorkerRun": "run",
    "abortWorkerRun": "abort",
    "getWorkerRunLog": "log",
    "rerunWorkerRun": "rerun",
    "listWorkerRunResults": "results_page",
    "exportWorkerRunResults": "export_url",
    "listWorkerTasks": "tasks_page",
    "createWorkerTask": "create_task",
    "deleteWorkerTask": "delete_task",
    "getWorkerTask": "task",
    "updateWorkerTask": "update_task",
    "getWorkerTaskInput": "task_input",
    "updateWorkerTaskInput": "update_task",
    "runWorkerTask": "run_task",
    "listWorkers": "my_workers",
    "getWorker": "worker",
    "getWorkerInputSchema": "worker",
    "runWorker": "start_run",
    "getWorkerLastRun": "last_run",
    "abortWorkerLastRun": "abort_last",
    "exportWorkerLastRunResults": "last_export_url",
    "getWorkerLastRunLog": "last_log",
    "rerunWorkerLastRun": "rerun_last",
    "listWorkerLastRunResults": "last_results_page",
    "listRunQueueItems": "queue_page",
    "activateRunQueueItems": "activate",
    "releaseRunQueueItems": "release",
    "releaseRunQueueItem": "release_one",
    "queuedRunWorker": "queue_run",
}
