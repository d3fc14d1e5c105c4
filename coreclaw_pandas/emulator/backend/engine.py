"""Run Workers in background threads and keep their run records up to date.

``Engine.create_run`` makes every run, for both API versions: it checks the balance
and the plan's limit and creates the run under one lock, so two racing starts cannot
both take the last slot. Each run gets one thread that calls
``worker.run(ctx, custom)``. The context (``_Context``) implements the ``RunContext``
protocol of ``workers.base``: it encodes rows once as JSON bytes, charges the account
per row, counts traffic, writes log lines and turns abort, timeout and spend caps
into ``RunAborted`` at the Worker's next ``push``/``checkpoint``/``sleep``. Ending a
run is idempotent (``Engine.finish``), so a watchdog timer, an abort timer and the
Worker thread can all try and only the first one counts.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from .. import clock
from ..workers.base import RunAborted, WorkerFailed, WorkerSpec
from .admission import BalanceTooLow, StartRefused, TooManyRuns, admit
from .ids import DATA_ID_KEY, data_id, encode_row, new_slug
from .regions import DEFAULT_REGION
from .state import LogEntry, Run, RunStatus, State
from .validation import first_missing

# The refusals are part of this module's interface: the API packages catch them.
__all__ = ["BalanceTooLow", "Engine", "StartRefused", "TooManyRuns"]

_log = logging.getLogger(__name__)
#: Longest wait honoured (a year): larger timeouts overflow the platform's timers.
MAX_WAIT_SECONDS = 365 * 24 * 3600.0
#: Time a run spends in Ready before its Worker starts (scaled by run speed).
READY_SECONDS = 0.05
ABORTED_MESSAGE = "The run was aborted by the user."
BALANCE_MESSAGE = "The run was stopped because the account balance ran out."


def _now_ms() -> int:
    return int(clock.now() * 1000)


class _StopRun(RunAborted):
    """Raised into the Worker when the run must end early for a platform reason."""


class _Context:
    """The ``RunContext`` a Worker receives; see ``workers.base.RunContext``."""

    def __init__(self, engine: Engine, run: Run, base_url: str, deadline: float | None) -> None:
        self._engine = engine
        self._state = engine.state
        self._run = run
        self._deadline = deadline
        self._push_lock = threading.Lock()
        self.run_slug, self.base_url = run.slug, base_url
        self.allow_private_networks = engine.private_networks()
        price = Decimal(str(run.worker.price_per_row))
        self._price = price if price > 0 else Decimal(0)
        cap = run.system.get("max_total_charge") or 0
        self._charge_cap = Decimal(str(cap)) if cap else None

    def set_headers(self, headers: Iterable[Mapping[str, str]]) -> None:
        """Declare result columns: items of ``{"key", "label", "format"}``."""
        cleaned = [
            {
                "label": str(header.get("label") or header["key"]),
                "key": str(header["key"]),
                "format": str(header.get("format") or "text"),
            }
            for header in headers
        ]
        with self._state.lock:
            self._run.headers = cleaned

    def push(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Append result rows; charges the account and enforces the spend caps."""
        self.checkpoint()
        rows = list(rows)
        if not rows:
            return
        run = self._run
        # One writer per run at a time, so row indexes (and ids) never collide.
        with self._push_lock:
            base = len(run.rows)
            slug = run.slug
            encoded = [encode_row(row, data_id(slug, base + i)) for i, row in enumerate(rows)]
            with self._state.lock:
                if run.stop.is_set():
                    raise RunAborted("the run is stopping")
                allowed, reason = self._affordable(len(encoded))
                if not run.headers:
                    run.headers = _headers_from(rows)
                run.rows.extend(encoded[:allowed] if allowed < len(encoded) else encoded)
                cost = self._price * allowed
                run.usage += cost
                self._state.account.balance -= cost
                total = len(run.rows)
        self._engine.count_rows(run, total)
        if reason is not None:
            self._engine.stop_for(run, reason)
            raise _StopRun(reason)

    def _affordable(self, wanted: int) -> tuple[int, str | None]:
        """Return how many of ``wanted`` rows fit under the caps, and why not all do."""
        if self._price == 0:
            return wanted, None
        run, account = self._run, self._state.account
        allowed, reason = wanted, None
        if self._charge_cap is not None:
            room = int(((self._charge_cap - run.usage) / self._price).to_integral(ROUND_FLOOR))
            if room < allowed:
                allowed, reason = max(room, 0), "charge"
        room = int((account.balance / self._price).to_integral(ROUND_FLOOR))
        if room < allowed:
            allowed, reason = max(room, 0), "balance"
        return allowed, reason

    def log(self, level: int, content: str) -> None:
        """Add a log entry; level 1 Debug, 2 Info, 3 Warn, 4 Error (others clamp)."""
        level = min(4, max(1, int(level)))
        self._engine.log(self._run, level, str(content))

    def checkpoint(self) -> None:
        """Raise RunAborted when the run is aborting, timed out or otherwise stopping."""
        if self._deadline is not None and clock.now() >= self._deadline:
            self._engine.time_out(self._run)
        if self._run.stop.is_set():
            raise RunAborted("the run is stopping")

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` divided by the run-speed knob; wakes early on abort."""
        self.checkpoint()
        wait = min(max(0.0, float(seconds)) / self._engine.run_speed(), MAX_WAIT_SECONDS)
        if self._deadline is not None:
            wait = min(wait, max(0.0, self._deadline - clock.now()))
        self._run.stop.wait(wait)
        self.checkpoint()

    def add_traffic(self, nbytes: int) -> None:
        """Count traffic used by the run (bytes); also drawn from the account quota."""
        nbytes = max(0, int(nbytes))
        with self._state.lock:
            self._run.traffic += nbytes
            account = self._state.account
            account.traffic_quota = max(0, account.traffic_quota - nbytes)


def _headers_from(rows: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    # A Worker that declares no columns still gets headers: the keys in first-seen order.
    keys: dict[str, None] = {}
    for row in rows[:50]:
        if isinstance(row, Mapping):
            keys.update((str(k), None) for k in row if k != DATA_ID_KEY)
    return [{"label": key, "key": key, "format": "text"} for key in keys]


class Engine:
    """Starts runs, and finishes them on success, failure, abort, timeout or cap.

    Args:
        state: The shared platform state.
        run_speed: Callable returning the current speed multiplier (> 0).
        abort_delay: Callable returning seconds a run stays Aborting (None: for good).
        max_active: Callable returning the unfinished runs the plan allows (None: any).
        private_networks: Callable: may the web page scraper fetch private addresses.
        on_status: Called with a run each time its status changes to running and once
            it is terminal (the callbacks page: "after the run status changes or
            finishes"); it must not block.
    """

    def __init__(
        self,
        state: State,
        *,
        run_speed: Callable[[], float],
        abort_delay: Callable[[], float | None],
        max_active: Callable[[], int | None] = lambda: None,
        private_networks: Callable[[], bool] = lambda: False,
        count_lag: Callable[[], float] = lambda: 0.0,
        on_status: Callable[[Run], None],
    ) -> None:
        self.state = state
        self.run_speed, self.private_networks = run_speed, private_networks
        self._abort_delay = abort_delay
        self._max_active = max_active
        self._count_lag = count_lag
        self._on_status = on_status
        self._notify = True
        # Timeout watchdogs by run slug, cancelled when the run ends first.
        self._watchdogs: dict[str, threading.Timer] = {}

    def log(self, run: Run, level: int, content: str) -> None:
        """Append a log line to ``run`` in its subtask group."""
        entry = LogEntry(level, run.group, content, _now_ms())
        with self.state.lock:
            run.logs.append(entry)

    def count_rows(self, run: Run, total: int) -> None:
        """Show ``total`` rows in the run record, at once or ``count_lag`` seconds later."""
        def show(lag: float = 0.0) -> None:
            threading.Event().wait(lag)  # a daemon thread's wait: never holds the process
            with self.state.lock:
                run.counted = max(run.counted, total)

        if (lag := self._count_lag()) <= 0:
            return show()
        threading.Thread(target=show, args=(lag,), daemon=True).start()

    def _system(self, run: Run, level: int, text: str) -> None:
        self.log(run, level, f"SYSTEM: Subtask-[{run.group}] - {text}")

    def create_run(
        self,
        worker: WorkerSpec,
        *,
        custom: Mapping[str, Any],
        system: Mapping[str, Any],
        version: str | None = None,
        origin: str,
        api_version: str,
        callback_url: str | None = None,
        task_slug: str | None = None,
        base_url: str,
    ) -> Run:
        """Create and start a run if the account may; the only way runs are made.

        v1 and v2 starts, reruns and task runs all come here, so they are refused
        for the same reasons.

        Args:
            worker: The Worker to run.
            custom: Worker input (copied: the caller's object stays untouched).
            system: System parameters over the Worker's defaults.
            version: Worker version; the Worker's current one when None.
            origin: Where the run came from, as run details show it.
            api_version: ``"v1"`` or ``"v2"``: the API that formats its callback.
            callback_url: URL to notify when the run ends.
            task_slug: The saved task the run was started from, if any.
            base_url: Base URL the Worker may use to reach the emulator.

        Raises:
            BalanceTooLow: The balance cannot pay for one row.
            TooManyRuns: The plan's limit of unfinished runs is reached.
        """
        state = self.state
        # Held across the checks and the start, so two racing starts cannot both
        # take the last slot.
        with state.lock:
            admit(state, worker, self._max_active())
            run = Run(
                slug=new_slug(),
                worker=worker,
                version=version or worker.version,
                # A private copy: the decoded request body is also kept by the request recorder.
                custom=copy.deepcopy(dict(custom)),
                system={"proxy_region": DEFAULT_REGION, **worker.system, **system},
                origin=origin,
                callback_url=callback_url,
                api_version=api_version,
                task_slug=task_slug,
            )
            self._launch(run, base_url=base_url)
        return run

    def _launch(self, run: Run, *, base_url: str) -> None:
        """Register ``run`` and execute its Worker in a daemon thread."""
        self.state.add_run(run)
        self._system(run, 2, "Preparing the execution environment.")
        limit = run.system.get("execute_limit_time_seconds") or 0
        # Limits beyond a year are as good as none (and would overflow the timer).
        deadline = run.started_at + float(limit) if 0 < limit <= MAX_WAIT_SECONDS else None
        if deadline is not None:
            watchdog = threading.Timer(float(limit), self.time_out, args=(run,))
            watchdog.daemon = True
            with self.state.lock:
                self._watchdogs[run.slug] = watchdog
            watchdog.start()
        ctx = _Context(self, run, base_url, deadline)
        thread = threading.Thread(
            target=self._execute, args=(run, ctx), name=f"emulator-run-{run.slug}", daemon=True
        )
        thread.start()

    def _execute(self, run: Run, ctx: _Context) -> None:
        try:
            run.stop.wait(READY_SECONDS / self.run_speed())
            with self.state.lock:
                if run.status is not RunStatus.READY:
                    return
                run.status = RunStatus.RUNNING
            if self._notify:
                self._on_status(run)
            self._system(run, 2, f"Starting {run.worker.title} {run.version}.")
            # Starts are validated, but a task saved with flat input reaches here with
            # an empty custom: the Worker refuses it the way production's do.
            missing = first_missing(run.worker.input_schema, run.custom)
            if missing is not None:
                raise WorkerFailed(f"{missing} is required")
            # A copy, so a Worker that edits its input cannot change what a rerun sends.
            run.worker.run(ctx, copy.deepcopy(run.custom))
        except RunAborted:
            # Whoever stopped the run (abort, timeout, cap) finishes it; this only
            # covers a Worker that raised RunAborted on its own.
            if not run.stop.is_set():
                self.finish(run, RunStatus.FAILED, ABORTED_MESSAGE)
        except WorkerFailed as exc:
            self.finish(run, RunStatus.FAILED, str(exc) or "The Worker failed.")
        except Exception as exc:  # a Worker bug must end the run, never the emulator
            _log.debug("Worker %s crashed", run.worker.slug, exc_info=True)
            self.finish(run, RunStatus.FAILED, f"Worker error: {type(exc).__name__}: {exc}")
        else:
            self.finish(run, RunStatus.SUCCEEDED, "")

    def finish(self, run: Run, status: RunStatus, err_msg: str) -> bool:
        """Make ``run`` terminal with ``status``; False when it already was."""
        with self.state.lock:
            if run.status.terminal:
                return False
            run.status = status
            run.err_msg = err_msg
            run.finished_at = clock.now()
            run.stop.set()
            watchdog = self._watchdogs.pop(run.slug, None)
        if watchdog is not None:
            watchdog.cancel()
        if status is RunStatus.SUCCEEDED:
            self._system(run, 2, "Subtask finished successfully.")
            self.log(
                run,
                2,
                "All subtasks have completed execution! Total 1 subtasks: 1 succeeded, 0 failed.",
            )
        else:
            self._system(run, 4, f"Subtask failed: {err_msg}")
            self.log(
                run,
                4,
                "All subtasks have completed execution! Total 1 subtasks: 0 succeeded, 1 failed.",
            )
        run.done.set()
        if self._notify:
            self._on_status(run)
        return True

    def abort(self, run: Run) -> bool:
        """Move ``run`` to Aborting and end it as Failed after the abort delay.

        Returns:
            False when the run had already finished (nothing to abort).
        """
        with self.state.lock:
            if run.status.terminal:
                return False
            already = run.status is RunStatus.ABORTING
            run.status = RunStatus.ABORTING
            run.stop.set()
        if already:
            return True
        self._system(run, 3, "Abort requested; stopping the subtask.")
        delay, end = self._abort_delay(), (run, RunStatus.FAILED, ABORTED_MESSAGE)
        # None holds the run in Aborting, as production may (docs/platform.md §3.3).
        if delay is not None and delay <= 0:
            self.finish(*end)
        elif delay is not None:
            timer = threading.Timer(delay, self.finish, args=end)
            timer.daemon = True
            timer.start()
        return True

    def time_out(self, run: Run) -> None:
        """End ``run`` as Failed because it exceeded ``execute_limit_time_seconds``."""
        limit = run.system.get("execute_limit_time_seconds")
        self.finish(
            run,
            RunStatus.FAILED,
            f"The run timed out: it exceeded execute_limit_time_seconds ({limit} s).",
        )

    def stop_for(self, run: Run, reason: str) -> None:
        """End ``run`` early because a spend cap ("charge") or the balance ran out."""
        if reason == "charge":
            cap = run.system.get("max_total_charge")
            self._system(run, 3, f"Stopped: the maximum total charge of ${cap} was reached.")
            self.finish(run, RunStatus.SUCCEEDED, "")
        else:
            self.finish(run, RunStatus.FAILED, BALANCE_MESSAGE)

    def stop_all(self, reason: str, *, notify: bool = False) -> None:
        """Fail every unfinished run (used by reset and shutdown), without callbacks."""
        self._notify = notify
        try:
            for run in self.state.list_runs():
                self.finish(run, RunStatus.FAILED, reason)
        finally:
            self._notify = True
