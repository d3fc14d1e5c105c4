"""The public surface is explicit, pinned, and importing has no side effects."""

import subprocess
import sys

import coreclaw_pandas as cc

EXPECTED = {
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
}


def test_all_is_pinned():
    assert set(cc.__all__) == EXPECTED
    assert len(cc.__all__) == len(set(cc.__all__))
    for name in cc.__all__:
        assert getattr(cc, name) is not None


def test_every_error_shares_one_root():
    errors = [getattr(cc, n) for n in cc.__all__ if n.endswith("Error")]
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
