"""What IPython shows for this package's errors (issue 16 #2).

Each test runs a cell in an in-process IPython shell, as a notebook kernel does,
and reads what the shell printed. A typo in a slug shows the message, the hint and
the closest Workers, not nine library frames; ``%xmode Verbose`` still shows the
whole trace; Ctrl-C while waiting shows how to reattach, without a traceback.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import threading

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

from .helpers import CATALOGUE, SLOW

InteractiveShell = pytest.importorskip("IPython.core.interactiveshell").InteractiveShell


@pytest.fixture
def shell():
    """The process's IPython shell, in its default exception mode, with ``cc`` imported."""
    ipython = InteractiveShell.instance()
    ipython.run_line_magic("colors", "nocolor")
    ipython.run_line_magic("xmode", "Context")
    ipython.user_ns["cc"] = cc
    yield ipython
    ipython.run_line_magic("xmode", "Context")


def run_cell(shell, code: str) -> tuple[str, object]:
    """Run one cell; return everything it printed and its result."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        result = shell.run_cell(code)
    return out.getvalue(), result


def test_a_typo_in_a_slug_shows_the_message_the_hint_and_the_closest_workers(shell, configured):
    shown, result = run_cell(shell, 'cc.worker("coreclaw/catalog-generater")')
    assert isinstance(result.error_in_exec, cc.WorkerNotFoundError)
    lines = shown.strip().splitlines()
    assert lines[0].startswith("WorkerNotFoundError: CoreClaw error ")
    assert "Traceback" not in shown and "File " not in shown and "site-packages" not in shown
    assert "Did you mean" in shown and "Product Catalogue Generator" in shown
    if configured.api_version == "v2":
        assert "'coreclaw/catalogue-generator'" in shown
    assert "Slow Worker" not in shown and "Failing Worker" not in shown
    assert "%xmode Verbose" in lines[-1]
    assert len(lines) <= 5, shown


def test_xmode_verbose_still_shows_the_full_trace(shell, configured):
    shell.run_line_magic("xmode", "Verbose")
    shown, result = run_cell(shell, 'cc.worker("coreclaw/nope")')
    assert isinstance(result.error_in_exec, cc.WorkerNotFoundError)
    assert "Traceback" in shown
    assert "transport.py" in shown  # the frame that raised, deep in the library
    assert "WorkerNotFoundError" in shown


def test_a_plain_python_traceback_is_unchanged(configured):
    import traceback

    try:
        cc.worker("coreclaw/nope")
    except cc.WorkerNotFoundError as exc:
        text = "".join(traceback.format_exception(exc))
    assert text.startswith("Traceback") and "transport.py" in text


def _interrupt_once_waiting(emu, path: str) -> threading.Thread:
    """Send Ctrl-C (SIGINT) to this process once the waiter has polled the run twice."""

    def watch() -> None:
        while len(emu.calls(path)) < 2:
            threading.Event().wait(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def v1(emu):
    return cc.configure(
        api_key=emu.api_key,
        base_url=emu.url,
        api_version="v1",
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
    )


def test_ctrl_c_shows_the_reattach_message_without_a_traceback(shell, emu, v1):
    run = cc.run_worker(SLOW, {"duration_seconds": 60, "interval_seconds": 0.1}, wait=False)
    emu.clear_requests()
    shell.user_ns["slug"] = run.slug
    watcher = _interrupt_once_waiting(emu, "/api/v1/run/detail")
    shown, result = run_cell(shell, "cc.wait(slug, progress=False)")
    watcher.join()
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert isinstance(result.error_in_exec, cc.RunInterrupted)
    assert shown.strip() == (
        f"Interrupted: run {run.slug} keeps running on CoreClaw. "
        f"Reattach with cc.wait({run.slug!r}) or stop it with cc.abort({run.slug!r})."
    )
    assert v1.run(run.slug).status is RunStatus.RUNNING
    cc.abort(run)


def test_ctrl_c_in_plain_python_is_still_a_keyboard_interrupt(emu, v1):
    run = cc.run_worker(SLOW, {"duration_seconds": 60, "interval_seconds": 0.1}, wait=False)
    emu.clear_requests()
    watcher = _interrupt_once_waiting(emu, "/api/v1/run/detail")
    with pytest.raises(KeyboardInterrupt) as info:
        cc.wait(run, progress=False)
    watcher.join()
    assert info.value.run_slug == run.slug and not info.value.aborting
    assert f"cc.wait({run.slug!r})" in str(info.value)
    cc.abort(run)


def test_an_unknown_slug_with_nothing_alike_gets_the_usual_hint(configured):
    with pytest.raises(cc.WorkerNotFoundError) as info:
        cc.run_worker("zzqx/qqqq", progress=False)
    assert "Did you mean" not in str(info.value)
    assert "cc.search_workers" in str(info.value)


def test_search_workers_shows_the_path_beside_the_id(configured):
    found = cc.search_workers("catalogue")
    assert list(found.columns) == ["slug", "path", "title", "description"]
    row = found.iloc[0]
    assert len(row["slug"]) == 26
    if configured.api_version == "v2":
        assert row["path"] == "coreclaw/catalogue-generator"
        assert cc.worker(row["path"]).slug == row["path"]
    else:  # v1's store does not send it
        assert found["path"].isna().all()
    assert CATALOGUE
