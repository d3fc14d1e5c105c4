"""Saved tasks, their schedules and run-queue items, as typed objects.

A :class:`Schedule` is what a saved task's ``schedule_*`` fields say (docs/platform.md
§7.1): daily, weekly, monthly or once, at an ``HH:MM`` time. The platform does not
state the zone those times are read in; its run-list months are cut at midnight
Beijing time (§4.3), so this module reads schedule times as Beijing time (UTC+8) and
says so wherever a schedule is shown. :class:`Task` is one saved task and
:class:`QueueItem` one deferred start of the run queue (§7.2).

Example:
    >>> str(Schedule.weekly("mon", "08:30"))
    'every Monday at 08:30, Beijing time (UTC+8)'
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as wall_time
from typing import Any, Literal

from .exceptions import InputError

__all__ = ["PLATFORM_ZONE", "QueueItem", "Schedule", "Task"]

#: The zone schedule times are read in: the platform's own (docs/platform.md §4.3), assumed.
PLATFORM_ZONE = timezone(timedelta(hours=8), "Beijing time")
_ZONE_WORDS = "Beijing time (UTC+8)"
ScheduleKind = Literal["daily", "weekly", "monthly", "once"]
#: The wire's ``schedule_type`` numbers (docs/platform.md §7.1).
KIND_CODES: dict[ScheduleKind, int] = {"daily": 1, "weekly": 2, "monthly": 3, "once": 4}
_DAYS = list(calendar.day_name)  # Monday first, as the wire's 1..7
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _clock_time(value: str | wall_time) -> str:
    text = value.strftime("%H:%M") if isinstance(value, wall_time) else str(value).strip()
    if len(text) == 4 and text[1] == ":":
        text = "0" + text  # "8:30" is what people write
    if not _TIME.fullmatch(text):
        raise InputError([f"a schedule time must be HH:MM (00:00 to 23:59), got {value!r}"])
    return text


def _weekday(value: str | int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7:
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        for number, name in enumerate(_DAYS, start=1):
            if len(word) >= 3 and name.lower().startswith(word):
                return number
    raise InputError(
        [f"a weekday must be a day name ('mon', 'Monday') or 1 (Monday) to 7, got {value!r}"]
    )


@dataclass(frozen=True)
class Schedule:
    """When the platform starts a saved task by itself.

    Build one with :meth:`daily`, :meth:`weekly`, :meth:`monthly` or :meth:`once`.
    Times are wall-clock times in the platform's zone, taken to be Beijing time.

    Attributes:
        kind: ``"daily"``, ``"weekly"``, ``"monthly"`` or ``"once"``.
        time: ``HH:MM``; empty when the platform did not report it.
        weekday: 1 (Monday) to 7 (Sunday), for weekly schedules.
        day: Day of the month (1 to 31), for monthly schedules.
        on: The date of a one-time schedule.
    """

    kind: ScheduleKind
    time: str = ""
    weekday: int | None = None
    day: int | None = None
    on: date | None = None

    @classmethod
    def daily(cls, at: str | wall_time) -> Schedule:
        """Every day at ``at`` (``"08:30"``)."""
        return cls("daily", _clock_time(at))

    @classmethod
    def weekly(cls, weekday: str | int, at: str | wall_time) -> Schedule:
        """Every week on ``weekday`` (``"mon"``, ``"Monday"`` or 1..7) at ``at``."""
        return cls("weekly", _clock_time(at), weekday=_weekday(weekday))

    @classmethod
    def monthly(cls, day: int, at: str | wall_time) -> Schedule:
        """Every month on ``day`` (1 to 31) at ``at``."""
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            raise InputError([f"a monthly schedule's day must be 1 to 31, got {day!r}"])
        return cls("monthly", _clock_time(at), day=day)

    @classmethod
    def once(cls, when: datetime | date | str, at: str | wall_time | None = None) -> Schedule:
        """One run at a date and time.

        Args:
            when: A ``datetime`` (naive means UTC, as everywhere in this library; it is
                converted to the platform's zone), or a date (``"2026-08-01"``) with ``at``
                as a platform-zone time.
            at: The time on that date, when ``when`` is a date.
        """
        if isinstance(when, datetime):
            if at is not None:
                raise InputError(["pass the time inside the datetime, or a date with at="])
            local = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(PLATFORM_ZONE)
            return cls("once", local.strftime("%H:%M"), on=local.date())
        try:
            day = when if isinstance(when, date) else date.fromisoformat(str(when).strip())
        except ValueError:
            raise InputError(
                [f"a one-time schedule's date must be YYYY-MM-DD, got {when!r}"]
            ) from None
        if at is None:
            raise InputError(["a one-time schedule on a date needs at='HH:MM' (Beijing time)"])
        return cls("once", _clock_time(at), on=day)

    # -- The wire ----------------------------------------------------------------------------

    def fields(self) -> dict[str, Any]:
        """The ``schedule_*`` fields a task create or update sends, switched on."""
        sent: dict[str, Any] = {"schedule_enabled": 1, "schedule_type": KIND_CODES[self.kind]}
        if self.time:
            sent["schedule_time"] = self.time
        if self.weekday is not None:
            sent["schedule_weekday"] = self.weekday
        if self.day is not None:
            sent["schedule_day"] = self.day
        if self.on is not None:
            sent["schedule_once_date"] = self.on.isoformat()
        return sent

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Schedule | None:
        """The schedule a task reply describes, or None when it is switched off.

        Fields the reply leaves out (the task list reports only the kind) stay empty.
        """
        if _int(data.get("schedule_enabled")) != 1:
            return None
        kinds = {code: kind for kind, code in KIND_CODES.items()}
        kind = kinds.get(_int(data.get("schedule_type")) or 0)
        if kind is None:
            return None
        clock = data.get("schedule_time")
        weekday = _int(data.get("schedule_weekday")) if kind == "weekly" else None
        day = _int(data.get("schedule_day")) if kind == "monthly" else None
        on = None
        if kind == "once" and isinstance(data.get("schedule_once_date"), str):
            try:
                on = date.fromisoformat(data["schedule_once_date"])
            except ValueError:
                on = None
        return cls(kind, clock if isinstance(clock, str) else "", weekday, day, on)

    # -- Words and times ---------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        """True when every field its kind needs is known (the list reports only the kind)."""
        needs = {"weekly": self.weekday, "monthly": self.day, "once": self.on}
        return bool(self.time) and (self.kind == "daily" or needs[self.kind] is not None)

    def describe(self) -> str:
        """The schedule in words, naming the zone: ``every Monday at 08:30, Beijing time``."""
        if not self.complete:
            return f"{self.kind} (details not reported in this listing)"
        at = f"at {self.time}, {_ZONE_WORDS}"
        if self.kind == "daily":
            return f"every day {at}"
        if self.kind == "weekly":
            return f"every {_DAYS[(self.weekday or 1) - 1]} {at}"
        if self.kind == "monthly":
            return f"on day {self.day} of every month {at}"
        return f"once, on {self.on} {at}"

    def __str__(self) -> str:
        return self.describe()

    def next_run(self, after: datetime) -> datetime | None:
        """The first scheduled start after ``after``, in UTC; None if there is none.

        The platform's own rules (missed runs, day 31 in a short month) are not part
        of its contract; this skips months without the day, which may differ.

        Args:
            after: An aware instant (naive means UTC).
        """
        if not self.complete:
            return None
        now = (after if after.tzinfo else after.replace(tzinfo=UTC)).astimezone(PLATFORM_ZONE)
        hour, minute = (int(part) for part in self.time.split(":"))
        at = wall_time(hour, minute, tzinfo=PLATFORM_ZONE)
        if self.kind == "once":
            moment = datetime.combine(self.on or now.date(), at)
            return moment.astimezone(UTC) if moment > now else None
        for offset in range(0, 400):
            day = now.date() + timedelta(days=offset)
            moment = datetime.combine(day, at)
            if moment <= now:
                continue
            if (
                self.kind == "daily"
                or (self.kind == "weekly" and day.isoweekday() == self.weekday)
                or (self.kind == "monthly" and day.day == self.day)
            ):
                return moment.astimezone(UTC)
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


@dataclass(frozen=True)
class Task:
    """A saved task: a Worker, its version and input, and maybe a schedule.

    Attributes:
        slug: The task's slug (``workerTaskId``).
        title: Its title.
        scraper_slug: The Worker it runs.
        worker_path: The Worker's ``owner/name``.
        worker_title: The Worker's title.
        version: The Worker version it runs.
        custom: The Worker input it saves (its ``custom``), unwrapped.
        schedule: Its schedule, or None when switched off.
        run_times: How many runs it has started.
        description: Free text (the task list has it; a task's detail does not).
        created_at: When it was saved (UTC).
        updated_at: When it last changed (UTC).
        extra: Fields the platform sent that this class does not model.
    """

    slug: str
    title: str = ""
    scraper_slug: str = ""
    worker_path: str = ""
    worker_title: str = ""
    version: str = ""
    custom: dict[str, Any] = field(default_factory=dict)
    schedule: Schedule | None = None
    run_times: int = 0
    description: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __repr__(self) -> str:
        when = self.schedule.describe() if self.schedule else "no schedule"
        return f"Task({self.slug!r}, {self.title!r}, worker={self.worker_path!r}, {when})"


@dataclass(frozen=True)
class QueueItem:
    """One deferred start in the run queue (docs/platform.md §7.2).

    Attributes:
        ref: The ``queue_ref``.
        status: ``"waiting"`` or ``"inactive"`` (activated or released).
        run_slug: The run it became, when the platform says.
        extra: Fields the platform sent that this class does not model.
    """

    ref: str
    status: str = "waiting"
    run_slug: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
