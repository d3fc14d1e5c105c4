"""The public surface is explicit, pinned, and importing has no side effects."""

import importlib
import importlib.metadata
import subprocess
import sys

import pandas as pd
import pytest

import coreclaw_pandas as cc

EXPECTED = {
    "Collection",
    "Diff",
    "Verdict",
    "VerdictStatus",
    "diff",
    "verify",
    "ErrorRowsError",
    "ErrorRowsWarning",
    "APIError",
    "Account",
    "AuthenticationError",
    "Client",
    "ConfigurationError",
    "CoreClawError",
    "ExportError",
    "ExportWarning",
    "IncompleteResultsError",
    "IncompleteResultsWarning",
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
    "RunAbortingError",
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
    "read_export",
    "rerun",
    "reset_client",
    "results_df",
    "iter_results_df",
    "results_arrow",
    "results_polars",
    "results_dask",
    "to_parquet",
    "run_task",
    "run_worker",
    "runs_df",
    "search_workers",
    "wait",
    "worker",
    "worker_form",
    # issue 21
    "QueueItem",
    "Schedule",
    "Task",
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
    # issue 17
    "Batch",
    "BatchInterrupted",
    "batches_df",
    "run_batch",
    "BatchAbortWarning",
    # issue 18
    "ChunkDtypeWarning",
    "Job",
    "JobError",
    "jobs",
    "start",
    "stream_log",
    "stream_results",
    "watch",
}


def test_all_is_pinned():
    assert set(cc.__all__) == EXPECTED
    assert len(cc.__all__) == len(set(cc.__all__))
    for name in cc.__all__:
        assert getattr(cc, name) is not None


def test_every_error_shares_one_root():
    errors = [getattr(cc, n) for n in cc.__all__ if n.endswith("Error")]
    # The one exception outside it: Ctrl-C stays a KeyboardInterrupt.
    assert issubclass(cc.RunInterrupted, KeyboardInterrupt)
    assert all(issubclass(e, cc.CoreClawError) for e in errors)


def test_import_reads_no_environment_and_loads_no_widgets():
    code = (
        "import os, sys\n"
        "class Spy(dict):\n"
        "    def __getitem__(self, k):\n"
        "        if k.startswith('CORECLAW'): raise SystemExit('read ' + k)\n"
        "        return super().__getitem__(k)\n"
        "    def get(self, k, d=None):\n"
        "        if k.startswith('CORECLAW'): raise SystemExit('read ' + k)\n"
        "        return super().get(k, d)\n"
        "os.environ = Spy(os.environ)\n"
        "import coreclaw_pandas\n"
        "heavy = [m for m in ('ipywidgets', 'openpyxl', 'xlsxwriter', 'coreclaw_pandas.emulator')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


#: Each subpackage's public names: its ``__init__.__all__`` (ARCHITECTURE.md).
SUBPACKAGE_ALL = {
    "client": {"Client", "PollPolicy", "ReadTally", "SyncReply"},
    "schema": {"MISSING", "Field", "InputSchema", "Option", "ParamColumn", "parse_input_schema"},
    "frames": {
        "ATTRS_KEY",
        "ERROR_ROW_POLICIES",
        "ErrorRowsError",
        "ErrorRowsWarning",
        "apply_error_rows",
        "error_row_mask",
        "ID_COLUMN",
        "PROVENANCE_KEYS",
        "FrameBuilder",
        "InexactColumnError",
        "PageDecoder",
        "ParquetParts",
        "StableDtypes",
        "explode_nested",
        "flatten_columns",
        "frame_to_arrow",
        "log_to_frame",
        "provenance_of",
        "run_provenance",
        "read_json_lines",
        "rows_to_frame",
        "runs_to_frame",
        "set_provenance",
        "with_arrow_dtypes",
        },
    "writers": {"ExportError", "ExportWarning", "atomic_path", "to_csv", "to_excel"},
    "api": {
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
        "wait",
        "worker",
        # issue 21
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
        # issue 18
        "ChunkDtypeWarning",
        "MAX_REQUESTS_PER_MINUTE",
        "follow_frame",
        "stream_log",
        "stream_results",
    },
    "forms": {"WorkerForm", "worker_form"},
    "tracking": {
        "Collection",
        "CollectionLockTimeout",
        "Diff",
        "TrackingError",
        "UpdateReport",
        "Verdict",
        "VerdictStatus",
        "diff",
        "quality",
        "verify",
    },
    "batches": {"Batch", "BatchAbortWarning", "BatchInterrupted", "batches_df", "run_batch"},
    "live": {"Job", "JobError", "jobs", "start", "watch"},
}


@pytest.mark.parametrize("name", sorted(SUBPACKAGE_ALL))
def test_each_subpackage_all_is_pinned(name):
    module = importlib.import_module(f"coreclaw_pandas.{name}")
    assert set(module.__all__) == SUBPACKAGE_ALL[name]
    assert len(module.__all__) == len(set(module.__all__))
    for public in module.__all__:
        assert getattr(module, public) is not None


def test_the_helpers_are_the_subpackages_own_objects():
    # cc.* re-exports, never copies: one object per name, whichever path it is read from.
    for package, names in SUBPACKAGE_ALL.items():
        module = importlib.import_module(f"coreclaw_pandas.{package}")
        for name in names & set(cc.__all__):
            assert getattr(cc, name) is getattr(module, name), name


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("coreclaw_pandas.emulator", "Emulator"),
        ("coreclaw_pandas.writers", "to_excel"),
        ("coreclaw_pandas.writers", "to_csv"),
        ("coreclaw_pandas.writers", "atomic_path"),
        ("coreclaw_pandas.forms", "WorkerForm"),
        ("coreclaw_pandas.forms", "worker_form"),
        ("coreclaw_pandas.schema", "parse_input_schema"),
        ("coreclaw_pandas.schema", "InputSchema"),
        ("coreclaw_pandas.models", "Run"),
        ("coreclaw_pandas.models", "ID_COLUMN"),
        ("coreclaw_pandas.models", "ATTRS_KEY"),
        ("coreclaw_pandas.exceptions", "CoreClawError"),
        ("coreclaw_pandas.client", "Client"),
    ],
)
def test_documented_module_paths_keep_working(module, name):
    assert getattr(importlib.import_module(module), name) is not None


def test_the_version_comes_from_the_package_metadata():
    assert cc.__version__ == importlib.metadata.version("coreclaw-pandas")


def test_the_accessor_is_registered():
    assert hasattr(pd.DataFrame(), "coreclaw")
