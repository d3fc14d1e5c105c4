"""Read CoreClaw API v2 requests: query parameters, paging, time windows and bodies.

The v2 counterpart of ``params``: every reader raises ``ApiError`` 11000 naming
the field, HTTP 400 for a query or path parameter and 422 for a JSON body that
parses but breaks its schema. ``Body`` reads a body field by field and collects
every problem, so one 422 lists them all in ``details``. Paging follows the
``v2_offset_mode`` knob: ``offset`` is a 1-based page number ("page", the spec and
the Aug 2026 docs) or a zero-based row offset ("row", the July 2026 live probe).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import clock, params
from ..backend.validation import check_custom, check_system, short
from ..messages import Request, Response
from ..params import BadRequest
from ..workers.base import WorkerSpec
from .wire import VERSION_UNAVAILABLE, ApiError, bad_body, bad_request

if TYPE_CHECKING:
    from ..app import App

#: ``limit`` bounds of every paged v2 endpoint (the spec's default and maximum).
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
OFFSET_MODES = ("page", "row")
#: Largest Unix time accepted in a query (year 3000): beyond it dates overflow.
MAX_UNIX = 32_503_680_000
#: Body fields each request schema defines (the spec forbids others).
RUN_FIELDS = ("callback_url", "input", "is_async", "limit", "offset", "version")
RERUN_FIELDS = ("callback_url", "is_async", "limit", "offset")
SCHEDULE_FIELDS = (
    "schedule_day",
    "schedule_enabled",
    "schedule_once_date",
    "schedule_time",
    "schedule_type",
    "schedule_weekday",
)
CREATE_FIELDS = ("description", "input", "title", "version", "worker_id", *SCHEDULE_FIELDS)
UPDATE_FIELDS = ("description", "title", *SCHEDULE_FIELDS)
INPUT_FIELDS = ("input", "version")
#: Integer schedule fields and their (inclusive) ranges.
_SCHEDULE_RANGES = {
    "schedule_day": (1, 31),
    "schedule_enabled": (0, 1),
    "schedule_type": (1, 4),
    "schedule_weekday": (1, 7),
}
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class Call:
    """One routed request: the request, its decoded path parameters and JSON body."""

    request: Request
    params: dict[str, str]
    body: dict[str, Any]

    @property
    def query(self) -> dict[str, list[str]]:
        """Decoded query parameters."""
        return self.request.query


Handler = Callable[["App", Call], Response]


# Request readers ---------------------------------------------------------------


def query_str(query: Mapping[str, list[str]], name: str) -> str | None:
    """Return the first value of query parameter ``name``; None when absent or blank."""
    values = query.get(name)
    return values[0] if values and values[0].strip() else None


def query_int(
    query: Mapping[str, list[str]],
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    reason: str = "",
) -> int | None:
    """Return integer query parameter ``name`` within bounds (``default`` when absent).

    Raises:
        ApiError: 11000 (HTTP 400) naming the parameter.
    """
    text = query_str(query, name)
    if text is None:
        return default
    if not _INTEGER.fullmatch(text.strip()):
        raise bad_request(f"{name} must be an integer, got {short(text)}")
    try:
        return params.check_bounds(name, int(text), minimum, maximum, reason)
    except BadRequest as exc:
        raise bad_request(str(exc)) from None


# Paging and time windows -------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Which rows a paged request asks for, and what the reply echoes.

    Attributes:
        start: Index of the first row.
        limit: Rows per page.
        page_index: The 1-based page echoed as ``page_index``.
    """

    start: int
    limit: int
    page_index: int


def window(offset: int, limit: int, mode: str) -> Window:
    """Turn ``offset``/``limit`` into rows under the offset reading ``mode``.

    ``"page"`` reads ``offset`` as a 1-based page number (0 also means page 1);
    ``"row"`` reads it as a zero-based row offset and echoes the page holding that row.
    """
    if mode == "row":
        return Window(offset, limit, offset // limit + 1)
    page = max(offset, 1)
    return Window((page - 1) * limit, limit, page)


def default_offset(mode: str) -> int:
    """Return the ``offset`` assumed when a paged query sends none (spec default: 1)."""
    return 0 if mode == "row" else 1


def run_time_range(
    start_time: int | None,
    end_time: int | None,
    *,
    now: float,
    offset_hours: float = clock.PLATFORM_UTC_OFFSET_HOURS,
) -> tuple[int, int]:
    """Return ``[low, high)`` Unix seconds of the runs a run list may show.

    Production's rules (its audited run-list page): without times, the current
    calendar month; with them, both are needed, ``end_time`` names a day and the
    platform adds 86,400 s so the whole day is included, and the resulting range
    may not cross a month (11000). Months are read in the platform's zone (Beijing
    time unless the ``month_utc_offset_hours`` knob says otherwise).

    Raises:
        ApiError: Only one bound, a reversed range, or a range over two months.
    """
    if start_time is None and end_time is None:
        return clock.month_start(now, offset_hours), clock.next_month_start(now, offset_hours)
    if start_time is None or end_time is None:
        missing = "end_time" if end_time is None else "start_time"
        raise bad_request(f"{missing} is required too: give both bounds (Unix seconds, one month)")
    if start_time > end_time:
        raise bad_request(f"start_time ({start_time}) must not be after end_time ({end_time})")
    high = end_time + clock.SECONDS_PER_DAY
    if clock.month_start(start_time, offset_hours) != clock.month_start(high - 1, offset_hours):
        raise bad_request(
            "run list time range cannot cross months: start_time is "
            f"{clock.day_label(start_time, offset_hours)} and end_time + 86400 s reaches "
            f"{clock.day_label(high, offset_hours)}; pass the last day at 00:00:00"
        )
    return start_time, high


def query_window(app: App, query: Mapping[str, list[str]]) -> Window:
    """Return the page asked for by ``offset``/``limit`` under the offset-mode knob."""
    mode = app.settings.v2_offset_mode
    offset = query_int(query, "offset", default=default_offset(mode), minimum=0)
    limit = query_int(
        query, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT, reason="the maximum"
    )
    assert offset is not None and limit is not None
    return window(offset, limit, mode)


# Bodies ------------------------------------------------------------------------


class Body:
    """A JSON request body read field by field, collecting every problem for one 422.

    Args:
        data: The decoded body (an object).
        allowed: Field names the request schema defines; others are problems.
    """

    def __init__(self, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
        self.data = data
        known = set(allowed)
        self.problems = [f"unknown field {short(k)}" for k in data if k not in known]

    def get(self, reader: Callable[..., Any], name: str, **options: Any) -> Any:
        """Return ``reader(data, name, **options)``; on a problem note it and return None."""
        try:
            return reader(self.data, name, **options)
        except BadRequest as exc:
            self.problems.append(str(exc))
            return None

    def check(self) -> None:
        """Raise the 422 listing every problem noted so far, if any.

        Raises:
            ApiError: 11000 (HTTP 422).
        """
        if self.problems:
            raise bad_body(self.problems)


@dataclass(frozen=True)
class StartOptions:
    """How a start wants its reply: async or not, callback, and the sync result window."""

    is_async: bool
    callback_url: str | None
    window: Window


def start_options(app: App, body: Body) -> StartOptions:
    """Read ``is_async``, ``callback_url``, ``offset`` and ``limit`` of a start body."""
    is_async = body.get(params.get_bool, "is_async", required=False)
    callback_url = None
    if body.data.get("callback_url") != "":  # an empty callback_url means none
        callback_url = body.get(params.get_url, "callback_url", required=False)
    offset = body.get(params.get_int, "offset", required=False, default=0, minimum=0)
    limit = body.get(
        params.get_int,
        "limit",
        required=False,
        default=DEFAULT_LIMIT,
        minimum=1,
        maximum=MAX_LIMIT,
        maximum_reason="the maximum",
    )
    page = window(offset or 0, limit or DEFAULT_LIMIT, app.settings.v2_offset_mode)
    return StartOptions(is_async is not False, callback_url, page)


def read_input(worker: WorkerSpec, raw: Any) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Return ``(custom, system overrides, problems)`` of a start ``input``.

    ``input`` is ``{"parameters": {"custom": {...}, "system": {...}?}}``. System
    overrides are checked merged over the Worker's defaults.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return {}, {}, [f"input must be an object, got {type(raw).__name__}"]
    problems = [
        f"input: unknown field {short(k)} (the Worker input goes in input.parameters.custom)"
        for k in raw
        if k != "parameters"
    ]
    parameters = raw.get("parameters")
    parameters = {} if parameters is None else parameters
    if not isinstance(parameters, dict):
        return {}, {}, [*problems, "input.parameters must be an object"]
    problems += [
        f"input.parameters: unknown field {short(k)}"
        for k in parameters
        if k not in ("custom", "system")
    ]
    custom = parameters.get("custom")
    custom = {} if custom is None else custom
    system = parameters.get("system")
    system = {} if system is None else system
    if isinstance(system, dict):
        merged = {**worker.system, **system}
        problems += [f"input.parameters.system: {p}" for p in check_system(merged)]
    else:
        problems.append("input.parameters.system must be an object")
    problems += [f"input.parameters.custom: {p}" for p in check_custom(worker.input_schema, custom)]
    return custom, system, problems


def check_version(worker: WorkerSpec, version: str | None) -> None:
    """Accept a missing version or the Worker's current one.

    Raises:
        ApiError: 50003 (HTTP 400) for any other value, ``"latest"`` included.
    """
    if version is not None and version != worker.version:
        raise ApiError(
            400,
            VERSION_UNAVAILABLE,
            [f"version {short(version)} is not available; the current version is {worker.version}"],
        )


def read_schedule(body: Body) -> dict[str, Any]:
    """Read the schedule fields of a task body (the emulator stores them, runs nothing).

    Args:
        body: The task body; problems are noted on it.

    Returns:
        The schedule fields given, validated.
    """
    schedule: dict[str, Any] = {}
    for name, (low, high) in _SCHEDULE_RANGES.items():
        value = body.get(params.get_int, name, required=False, minimum=low, maximum=high)
        if value is not None:
            schedule[name] = value
    clock = body.get(params.get_str, "schedule_time", required=False, allow_empty=True)
    if clock is not None and clock and not _TIME.fullmatch(clock):
        body.problems.append(f"schedule_time must be HH:mm, got {short(clock)}")
    elif clock is not None:
        schedule["schedule_time"] = clock
    day = body.get(params.get_str, "schedule_once_date", required=False, allow_empty=True)
    if day is not None and day and not _is_date(day):
        body.problems.append(f"schedule_once_date must be a YYYY-MM-DD date, got {short(day)}")
    elif day is not None:
        schedule["schedule_once_date"] = day
    return schedule


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True
