"""cc.Schedule without a server: building, words with the zone, wire fields, next start."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.tasks import PLATFORM_ZONE, Schedule


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        (Schedule.daily("8:05"), "every day at 08:05, Beijing time (UTC+8)"),
        (Schedule.weekly("mon", "08:30"), "every Monday at 08:30, Beijing time (UTC+8)"),
        (Schedule.weekly(7, "23:00"), "every Sunday at 23:00, Beijing time (UTC+8)"),
        (Schedule.monthly(1, "00:00"), "on day 1 of every month at 00:00, Beijing time (UTC+8)"),
        (
            Schedule.once("2026-08-01", "09:00"),
            "once, on 2026-08-01 at 09:00, Beijing time (UTC+8)",
        ),
    ],
)
def test_words_name_the_zone(schedule, words):
    assert str(schedule) == schedule.describe() == words


def test_wire_fields_and_back():
    for schedule in (
        Schedule.daily("07:00"),
        Schedule.weekly("Friday", "18:45"),
        Schedule.monthly(31, "12:00"),
        Schedule.once(date(2027, 1, 1), "00:01"),
    ):
        fields = schedule.fields()
        assert fields["schedule_enabled"] == 1
        assert Schedule.from_fields(fields) == schedule
    assert Schedule.weekly("tue", "10:00").fields() == {
        "schedule_enabled": 1,
        "schedule_type": 2,
        "schedule_time": "10:00",
        "schedule_weekday": 2,
    }


def test_a_list_item_reports_only_the_kind():
    partial = Schedule.from_fields({"schedule_enabled": 1, "schedule_type": 2})
    assert partial is not None and not partial.complete
    assert partial.describe().startswith("weekly (")
    assert partial.next_run(datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert Schedule.from_fields({"schedule_enabled": 0, "schedule_type": 2}) is None
    assert Schedule.from_fields({"schedule_enabled": 1, "schedule_type": 9}) is None


def test_once_from_a_datetime_converts_to_the_platform_zone():
    assert Schedule.once(datetime(2026, 7, 31, 20, 0, tzinfo=UTC)) == Schedule.once(
        "2026-08-01", "04:00"
    )
    naive = Schedule.once(datetime(2026, 7, 31, 20, 0))  # naive means UTC
    assert naive.on == date(2026, 8, 1) and naive.time == "04:00"
    paris = timezone(timedelta(hours=2))
    assert Schedule.once(datetime(2026, 8, 1, 9, 0, tzinfo=paris)).time == "15:00"


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: Schedule.daily("24:00"), "HH:MM"),
        (lambda: Schedule.daily("noon"), "HH:MM"),
        (lambda: Schedule.weekly("someday", "08:00"), "day name"),
        (lambda: Schedule.weekly(0, "08:00"), "day name"),
        (lambda: Schedule.monthly(32, "08:00"), "1 to 31"),
        (lambda: Schedule.once("2026-02-30", "08:00"), "YYYY-MM-DD"),
        (lambda: Schedule.once("2026-02-03"), "at='HH:MM'"),
    ],
)
def test_bad_schedules_say_what_to_write(build, words):
    with pytest.raises(cc.InputError, match=words):
        build()


def test_next_run_across_the_beijing_midnight():
    # 15:59:59 UTC on Sunday 2026-11-29 is 23:59:59 Sunday in Beijing.
    just_before = datetime(2026, 11, 29, 15, 59, 59, tzinfo=UTC)
    monday = Schedule.weekly("mon", "00:00").next_run(just_before)
    assert monday == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
    assert monday.astimezone(PLATFORM_ZONE).strftime("%A %H:%M") == "Monday 00:00"
    assert Schedule.daily("00:00").next_run(monday) == monday + timedelta(days=1)


def test_next_run_of_day_31_skips_short_months():
    after = datetime(2027, 2, 1, tzinfo=UTC)
    due = Schedule.monthly(31, "09:00").next_run(after)
    assert due is not None and due.astimezone(PLATFORM_ZONE).date() == date(2027, 3, 31)


def test_a_past_one_time_schedule_has_no_next_run():
    once = Schedule.once("2026-08-01", "09:00")
    assert once.next_run(datetime(2026, 8, 1, 0, 59, tzinfo=UTC)) == datetime(
        2026, 8, 1, 1, 0, tzinfo=UTC
    )
    assert once.next_run(datetime(2026, 8, 1, 1, 0, tzinfo=UTC)) is None


def test_next_run_at_the_calendar_edges(calendar_instant):
    due = Schedule.daily("00:00").next_run(calendar_instant)
    assert due is not None and calendar_instant < due <= calendar_instant + timedelta(days=1)
    assert due.astimezone(PLATFORM_ZONE).strftime("%H:%M") == "00:00"
