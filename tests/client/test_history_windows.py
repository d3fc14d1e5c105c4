"""v2 history windows, as pure functions: the client's month windows against the platform's rule.

The rule (the vendor's audited run-list page): a query covers ``[start_time, end_time +
86400)``, ``end_time`` names a day at 00:00 Beijing time, and the range may not cross a
Beijing month. The emulator's ``run_time_range`` implements that rule independently, so
every window the client makes is fed to it here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from coreclaw_pandas import _config
from coreclaw_pandas.client.paging import month_windows
from coreclaw_pandas.emulator.clock import month_start
from coreclaw_pandas.emulator.v2.params import run_time_range
from coreclaw_pandas.emulator.v2.wire import ApiError

BEIJING = timezone(timedelta(hours=8))
DAY = 86_400


def _covered(windows, *, now):
    """The ``[low, high)`` ranges the platform reads, checked against its rule."""
    return [run_time_range(start, end, now=now) for start, end in windows]


def _assert_partition(windows, since, until):
    ranges = _covered(windows, now=until.timestamp())
    # Newest first, back to back: each range starts where the older one ends.
    for newer, older in zip(ranges, ranges[1:], strict=False):
        assert older[1] == newer[0], (older, newer)
    low, high = ranges[-1][0], ranges[0][1]
    assert low <= since.timestamp() and until.timestamp() <= high
    # Never more than a day of slack on either side: the client trims to the exact times.
    assert since.timestamp() - low < DAY and high - until.timestamp() <= DAY
    for low, high in ranges:
        assert month_start(low) == month_start(high - 1)


def test_platform_zone_is_beijing_time():
    assert _config.PLATFORM_ZONE.utcoffset(None) == timedelta(hours=8)


def test_windows_for_a_year_back_partition_the_history(calendar_instant):
    since = calendar_instant - timedelta(days=365)
    windows = month_windows(since, calendar_instant)
    assert 12 <= len(windows) <= 14
    _assert_partition(windows, since, calendar_instant)


def test_a_month_edge_in_beijing_time_starts_a_new_window(calendar_instant):
    until = calendar_instant
    since = until - timedelta(days=3)
    windows = month_windows(since, until)
    _assert_partition(windows, since, until)
    last = (until - timedelta(microseconds=1)).astimezone(BEIJING)
    months = {(d.year, d.month) for d in (since.astimezone(BEIJING), last)}
    assert len(windows) == len(months)


def test_the_day_runs_of_the_first_of_the_month_are_asked_once():
    """The bug of 2026-12-01: the November window also covered all of 1 December."""
    until = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 18:00 on 1 December in Beijing
    since = datetime(2026, 11, 20, tzinfo=UTC)
    windows = month_windows(since, until)
    december, november = windows
    first_december = datetime(2026, 12, 1, tzinfo=BEIJING).timestamp()
    assert december == (first_december, first_december)
    assert november[1] == datetime(2026, 11, 30, tzinfo=BEIJING).timestamp()
    assert run_time_range(*november, now=0)[1] == first_december


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # 31 Dec 23:30 UTC is already 1 Jan in Beijing: January and December, once each.
        (
            datetime(2026, 12, 31, 12, tzinfo=UTC),
            datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
            [("2027-01-01", "2027-01-01"), ("2026-12-31", "2026-12-31")],
        ),
        # A leap February is 29 days long, its last day a window of its own end.
        (
            datetime(2028, 2, 27, tzinfo=UTC),
            datetime(2028, 3, 1, 3, tzinfo=UTC),
            [("2028-03-01", "2028-03-01"), ("2028-02-27", "2028-02-29")],
        ),
        # Mid-month: one window, from the day of `since` to the day before `until` ends.
        (
            datetime(2026, 12, 10, 5, tzinfo=UTC),
            datetime(2026, 12, 15, 12, tzinfo=UTC),
            [("2026-12-10", "2026-12-15")],
        ),
        # `until` exactly at a Beijing midnight: that day is not asked for.
        (
            datetime(2026, 11, 25, tzinfo=UTC),
            datetime(2026, 11, 30, 16, tzinfo=UTC),
            [("2026-11-25", "2026-11-30")],
        ),
    ],
)
def test_windows_at_edges(since, until, expected):
    def day(seconds):
        return datetime.fromtimestamp(seconds, BEIJING).strftime("%Y-%m-%d")

    windows = month_windows(since, until)
    assert [(day(a), day(b)) for a, b in windows] == expected
    _assert_partition(windows, since, until)


def test_an_empty_or_reversed_range_asks_nothing():
    moment = datetime(2026, 12, 3, tzinfo=UTC)
    assert month_windows(moment, moment) == []
    assert month_windows(moment, moment - timedelta(days=1)) == []


def test_the_platform_refuses_what_the_old_windows_sent():
    """The pre-fix window for November ended at 30 Nov 23:59:59 UTC: it crosses into December."""
    start = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    end = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC).timestamp()
    with pytest.raises(ApiError, match="cannot cross months"):
        run_time_range(int(start), int(end), now=0)
