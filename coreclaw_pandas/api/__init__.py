"""The notebook façade: ``cc.*`` helpers over a lazily built default :class:`Client`.

Every helper accepts ``client=``; without it the default client is built from
:func:`configure` or the environment (``CORECLAW_API_KEY``, ``CORECLAW_BASE_URL``).
"""

from .arrow import iter_results_df, results_arrow, results_polars, to_parquet
from .default import (
    RunLike,
    configure,
    default_client,
    reset_client,
    resolve_client,
    run_slug_of,
)
from .exports import export, read_export
from .follow import MAX_REQUESTS_PER_MINUTE
from .results import (
    IncompleteResultsError,
    IncompleteResultsWarning,
    PartialResultsWarning,
    clear_cache,
    log,
    results_df,
    runs_df,
)
from .runs import (
    abort,
    account,
    last_run,
    parse_callback,
    rerun,
    run_task,
    run_worker,
    search_workers,
    wait,
    worker,
)
from .scale import results_dask
from .stream import ChunkDtypeWarning, follow_frame, stream_log, stream_results
from .tasks import (
    TaskLike,
    activate,
    create_task,
    delete_task,
    my_workers_df,
    queue_df,
    queue_run,
    release,
    task,
    task_runs_df,
    tasks_df,
    update_task,
)

__all__ = [
    "ChunkDtypeWarning",
    "MAX_REQUESTS_PER_MINUTE",
    "IncompleteResultsError",
    "IncompleteResultsWarning",
    "PartialResultsWarning",
    "RunLike",
    "abort",
    "account",
    "clear_cache",
    "configure",
    "default_client",
    "export",
    "follow_frame",
    "last_run",
    "log",
    "parse_callback",
    "read_export",
    "rerun",
    "reset_client",
    "resolve_client",
    "results_df",
    "iter_results_df",
    "results_arrow",
    "results_polars",
    "results_dask",
    "to_parquet",
    "run_slug_of",
    "run_task",
    "run_worker",
    "runs_df",
    "search_workers",
    "stream_log",
    "stream_results",
    "wait",
    "worker",
    "TaskLike",
    "activate",
    "create_task",
    "delete_task",
    "my_workers_df",
    "queue_df",
    "queue_run",
    "release",
    "task",
    "task_runs_df",
    "tasks_df",
    "update_task",
]
