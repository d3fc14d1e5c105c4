"""The emulator's calendar: one reading of the wall clock and the platform's months.

Production keeps its calendar in Beijing time (UTC+8): a v2 run list covers one
month of it and ``end_time`` names a day there. The zone is a knob
(``month_utc_offset_hours``), so a test can also check a client against a UTC
calendar. "Now" is read here only, so a test can move the process clock
(``time-machine``) or pass an instant to the pure functions.
"""

from __future__ import annotations

import datetime
import time

#: Production's calendar: Beijing time, which keeps no daylight saving.
PLATFORM_UTC_OFFSET_HOURS = 8.0
SECONDS_PER_DAY = 86_400


def now() -> float:
    """Return the current Unix time in seconds."""
    return time.time()


def _zone(offset_hours: float) -> datetime.timezone:
    return datetime.timezone(datetime.timedelta(hours=offset_hours))


def month_start(when: float, offset_hours: float = PLATFORM_UTC_OFFSET_HOURS) -> int:
    """Return the Unix time of 00:00 on the first day of ``when``'s month in the zone."""
    zone = _zone(offset_hours)
    moment = datetime.datetime.fromtimestamp(when, zone)
    return int(datetime.datetime(moment.year, moment.month, 1, tzinfo=zone).timestamp())


def next_month_start(when: float, offset_hours: float = PLATFORM_UTC_OFFSET_HOURS) -> int:
    """Return the Unix time of 00:00 on the first day of the month after ``when``'s."""
    zone = _zone(offset_hours)
    moment = datetime.datetime.fromtimestamp(when, zone)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return int(datetime.datetime(year, month, 1, tzinfo=zone).timestamp())


def day_label(when: float, offset_hours: float = PLATFORM_UTC_OFFSET_HOURS) -> str:
    """Return ``when`` as a ``YYYY-MM-DD HH:MM:SS`` reading in the zone, for messages."""
    moment = datetime.datetime.fromtimestamp(when, _zone(offset_hours))
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC%z")
