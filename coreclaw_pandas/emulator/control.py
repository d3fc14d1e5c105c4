"""``Emulator``: start and stop the local server, and turn its knobs from Python.

Example:
    >>> from coreclaw_pandas.emulator import Emulator
    >>> with Emulator() as emu:                       # doctest: +SKIP
    ...     print(emu.url, emu.api_key)
    http://127.0.0.1:54321 emu-3q9Xv...
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast

from .app import CHOICES, App, RecordedRequest, Settings, new_api_key
from .backend.state import DEFAULT_BALANCE
from .callbacks import CallbackAttempt
from .faults import Fault
from .server import EmulatorHTTPServer
from .workers import builtin_workers
from .workers.base import WorkerSpec


class Emulator:
    """A local CoreClaw API server (v1 and v2 over the same runs) in a daemon thread.

    Args:
        host: Interface to bind; 127.0.0.1 unless you mean to expose it.
        port: TCP port; 0 picks a free one.
        api_key: The key clients must send; by default a random one made for this
            emulator (read it from ``api_key``; it survives ``reset``).
        api_keys: Several accepted keys instead of one (the first is ``api_key``).
        workers: Extra Workers; one with the slug or path of a built-in replaces it.
        builtin: Offer the built-in Workers as well.
        balance: Starting account balance in USD.
        verbose: Log each request to stderr (quiet by default).
        **knobs: Initial values of the ``Settings`` knobs (``latency_ms``,
            ``max_page_size``, ``rate_limit``, ``retry_after``, ``run_speed``,
            ``sync_wait_cap``, ``abort_delay``, ``export_ttl``, ``max_concurrent_runs``,
            ``v2_offset_mode``, ``v2_log_format``, ``month_utc_offset_hours``,
            ``v2_detail_err_msg``, ``abort_hold``, ``v1_empty_search_lists``,
            ``allow_private_networks``, ``count_lag``).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        api_keys: Iterable[str] | None = None,
        workers: Iterable[WorkerSpec] | None = None,
        builtin: bool = True,
        balance: Decimal | float | str = DEFAULT_BALANCE,
        verbose: bool = False,
        **knobs: Any,
    ) -> None:
        keys = tuple(api_keys) if api_keys is not None else (api_key or new_api_key(),)
        if not keys or not all(isinstance(k, str) and k for k in keys):
            raise ValueError("api keys must be non-empty strings")
        self._initial_settings = Settings(api_keys=keys)
        _apply(self._initial_settings, knobs)
        self._initial_balance = Decimal(str(balance))
        self._host, self._port = host, port
        self._verbose = verbose
        chosen = (list(builtin_workers()) if builtin else []) + list(workers or [])
        self._app = App(chosen, dataclasses.replace(self._initial_settings), self._initial_balance)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle ---------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        server = EmulatorHTTPServer((self._host, self._port), self._app, verbose=self._verbose)
        host, port = cast(tuple[str, int], server.server_address[:2])  # bound to a str host
        shown = f"[{host}]" if ":" in str(host) else host
        self._app.base_url = f"http://{shown}:{port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="coreclaw-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end unfinished runs and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._app.engine.stop_all("The emulator was stopped.")
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start (if needed) and block until interrupted (Ctrl-C)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    @property
    def url(self) -> str:
        """Base URL such as ``http://127.0.0.1:54321``.

        Raises:
            RuntimeError: The emulator is not started.
        """
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start() or use `with`")
        return self._app.base_url

    @property
    def api_key(self) -> str:
        """The (first) accepted API key."""
        return self._app.settings.api_keys[0]

    # Knobs -------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The live knobs (read them here; change them with ``configure``)."""
        return self._app.settings

    def configure(self, **knobs: Any) -> None:
        """Change knobs while running, e.g. ``emu.configure(latency_ms=50, rate_limit=5)``.

        Raises:
            TypeError: An unknown knob name.
            ValueError: A knob value outside its choices.
        """
        _apply(self._app.settings, knobs)

    @property
    def balance(self) -> Decimal:
        """Current account balance in USD."""
        return self._app.state.account.balance

    def set_balance(self, usd: Decimal | float | str) -> None:
        """Set the account balance (0 makes every start fail with 30001)."""
        self._app.state.set_balance(Decimal(str(usd)))

    # Workers, tasks, runs ------------------------------------------------------------

    @property
    def workers(self) -> list[WorkerSpec]:
        """The Workers on offer."""
        return list(self._app.state.workers.values())

    def add_task(
        self,
        scraper_slug: str,
        custom: Mapping[str, Any],
        *,
        system: Mapping[str, Any] | None = None,
        title: str | None = None,
    ) -> str:
        """Save a task for a Worker (slug or ``owner/name``) and return its task_slug.

        Raises:
            KeyError: No Worker has that slug or path.
        """
        worker = self._app.state.find_worker(scraper_slug)
        if worker is None:
            raise KeyError(f"no Worker {scraper_slug!r}")
        return self._app.state.add_task(worker, custom, system=system, title=title).slug

    @property
    def tasks(self) -> list[dict[str, Any]]:
        """Saved tasks as ``{task_slug, scraper_slug, title, custom}`` dicts."""
        with self._app.state.lock:
            tasks = list(self._app.state.tasks.values())
        return [
            {
                "task_slug": t.slug,
                "scraper_slug": t.worker_slug,
                "title": t.title,
                "custom": dict(t.custom),
            }
            for t in tasks
        ]

    def backdate_run(self, run_slug: str, *, started_at: float) -> None:
        """Move a finished run back (or forward) in time, e.g. into last month.

        Its start becomes ``started_at`` (Unix seconds); its end and log times move by
        the same amount. Useful to test the v2 run list, which shows one calendar
        month at a time.

        Raises:
            KeyError: No run has that slug.
            ValueError: The run is not finished.
        """
        self._app.state.backdate_run(run_slug, float(started_at))

    def wait_for_run(self, run_slug: str, timeout: float = 30.0) -> bool:
        """Block until the run is finished; False on timeout or unknown run."""
        run = self._app.state.runs.get(run_slug)
        return run is not None and run.done.wait(timeout)

    # Faults, recording, reset ----------------------------------------------------------

    def inject_fault(
        self,
        path: str,
        kind: str,
        *,
        count: int | None = None,
        fraction: float | None = None,
        seed: int | None = 0,
        delay: float = 2.0,
        rows: int = 100,
        page: int | None = None,
    ) -> Fault:
        """Make calls to ``path`` misbehave; see ``faults.FAULT_KINDS``.

        Args:
            path: Request path such as ``/api/v1/run/detail``, or a prefix ending in ``*``.
            kind: ``server_error``, ``rate_limit``, ``reset``, ``truncated``, ``slow``,
                ``server_error_after``, ``trickle``, a proxy's HTML page after processing:
                ``gateway_after`` (502), ``gateway_503_after``, ``gateway_504_after``,
                ``html_429_after``, or a test-only result-page slip: ``short_page``,
                ``empty_page``, ``null_data``, ``repeat_page``, ``skip_rows``.
            count: Fault the next ``count`` calls (1 when neither this nor fraction is given).
            fraction: Fault this share of calls, drawn from a ``random.Random(seed)``.
            seed: Seed for ``fraction``.
            delay: Seconds of delay for ``slow``, or between bytes for ``trickle``.
            rows: Rows skipped by ``skip_rows``.
            page: Aim a page kind, or ``slow``, at this result page index only (counted
                per hit of that page).

        Returns:
            The planned fault (its ``fired`` attribute counts uses).
        """
        return self._app.faults.add(
            path, kind, count=count, fraction=fraction, seed=seed, delay=delay, rows=rows, page=page
        )

    def clear_faults(self) -> None:
        """Remove all planned faults."""
        self._app.faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Recent requests, oldest first (method, path, query, json, has_auth, status, fault)."""
        return list(self._app.recorded)

    def calls(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests to ``path`` (optionally only with ``method``)."""
        return [r for r in self.requests if r.path == path and method in (None, r.method)]

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        self._app.recorded.clear()

    @property
    def callbacks(self) -> list[CallbackAttempt]:
        """Callback delivery attempts so far."""
        return list(self._app.deliveries.attempts)

    def reset(self) -> None:
        """Return to a clean state, as just after construction.

        Unfinished runs end (without callbacks) and all runs are forgotten; tasks are
        re-seeded; the balance, knobs, faults, rate-limit history, recorded requests and
        callbacks go back to their initial values.
        """
        app = self._app
        app.engine.stop_all("The emulator was reset.")
        app.state.clear(balance=self._initial_balance)
        for knob in dataclasses.fields(Settings):
            setattr(app.settings, knob.name, getattr(self._initial_settings, knob.name))
        app.faults.clear()
        app.limiter.clear()
        app.recorded.clear()
        app.deliveries.clear()


#: Knobs that switch from production's behaviour (False) to the spec's (True).
_BOOLEAN_KNOBS = frozenset(
    {"v2_detail_err_msg", "abort_hold", "v1_empty_search_lists", "allow_private_networks"}
)


def _apply(settings: Settings, knobs: Mapping[str, Any]) -> None:
    names = {f.name for f in dataclasses.fields(Settings)}
    for name, value in knobs.items():
        if name not in names:
            raise TypeError(f"unknown emulator knob {name!r}; knobs are {sorted(names)}")
        if name == "api_keys":
            value = tuple(value)
        if name in CHOICES and value not in CHOICES[name]:
            raise ValueError(f"{name} must be one of {CHOICES[name]}, got {value!r}")
        if (
            name == "max_concurrent_runs"
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, int) or value < 1)
        ):
            raise ValueError(f"max_concurrent_runs must be None or an integer >= 1, got {value!r}")
        if name in _BOOLEAN_KNOBS and not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        if name == "month_utc_offset_hours" and (
            isinstance(value, bool) or not isinstance(value, int | float) or not -12 <= value <= 14
        ):
            raise ValueError(f"month_utc_offset_hours must be from -12 to 14, got {value!r}")
        if name == "count_lag" and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 60
        ):
            raise ValueError(f"count_lag must be from 0 to 60 seconds, got {value!r}")
        setattr(settings, name, value)
