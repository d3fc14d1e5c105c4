"""Run CoreClaw scraping Workers from Python and get the rows as pandas DataFrames.

Example:
    >>> import coreclaw_pandas as cc
    >>> run = cc.run_worker("coreclaw/catalogue-generator", {"rows": 1000})
    >>> df = cc.results_df(run)
    >>> df.coreclaw.to_excel("results.xlsx")

Importing registers the ``df.coreclaw`` accessor and nothing else: no network,
no environment reads, no output.
"""

from . import accessor as _accessor  # noqa: F401  (registers df.coreclaw)
from ._config import VERSION as __version__
from .api import (
    PartialResultsWarning,
    abort,
    account,
    clear_cache,
    configure,
    default_client,
    export,
    last_run,
    log,
    parse_callback,
    rerun,
    reset_client,
    results_df,
    run_task,
    run_worker,
    runs_df,
    search_workers,
    wait,
    worker,
)
from .client import Client, PollPolicy
from .exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    CoreClawError,
    InputError,
    InvalidRequestError,
    NotFoundError,
    QuotaError,
    RateLimitError,
    RunFailedError,
    RunInterrupted,
    RunNotFoundError,
    RunStateError,
    RunTimeoutError,
    ServerError,
    TaskNotFoundError,
    TransportError,
    WorkerNotFoundError,
)
from .forms import WorkerForm, worker_form
from .models import (
    Account,
    LogEntry,
    LogLevel,
    ProxyRegion,
    ResultHeader,
    ResultPage,
    Run,
    RunLog,
    RunStatus,
    Worker,
    WorkerSummary,
)
from .writers import ExportError, ExportWarning

__all__ = [
    "APIError",
    "Account",
    "AuthenticationError",
    "Client",
    "ConfigurationError",
    "CoreClawError",
    "ExportError",
    "ExportWarning",
    "InputError",
    "InvalidRequestError",
    "LogEntry",
    "LogLevel",
    "NotFoundError",
    "PartialResultsWarning",
    "PollPolicy",
    "ProxyRegion",
    "QuotaError",
    "RateLimitError",
    "ResultHeader",
    "ResultPage",
    "Run",
    "RunFailedError",
    "RunInterrupted",
    "RunLog",
    "RunNotFoundError",
    "RunStateError",
    "RunStatus",
    "RunTimeoutError",
    "ServerError",
    "TaskNotFoundError",
    "TransportError",
    "Worker",
    "WorkerForm",
    "WorkerNotFoundError",
    "WorkerSummary",
    "__version__",
    "abort",
    "account",
    "clear_cache",
    "configure",
    "default_client",
    "export",
    "last_run",
    "log",
    "parse_callback",
    "rerun",
    "reset_client",
    "results_df",
    "run_task",
    "run_worker",
    "runs_df",
    "search_workers",
    "wait",
    "worker",
    "worker_form",
]
