"""API v2 run list: newest first, filters, paging in both offset modes, the month window."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine

from coreclaw_pandas.emulator import Emulator

from ..helpers import COUNTER
from ..v2_helpers import COUNTER_ID, V2

DAY = 86400
BEIJING = timezone(timedelta(hours=8))


def _month_start(year: int, month: int) -> int:
    """00:00 Beijing time (the platform's calendar) on the first of the month."""
    return int(datetime(year, month, 1, tzinfo=BEIJING).timestamp())


@pytest.fixture(autouse=True)
def _mid_december():
    """Every test here runs on 2026-12-15 (moved clock): the previous month is November."""
    with time_machine.travel(datetime(2026, 12, 15, 12, tzinfo=UTC), tick=True):
        yield


def _previous_month() -> tuple[int, int]:
    return 2026, 11


@pytest.fixture
def v2(emu: Emulator) -> V2:
    return V2(emu)


@pytest.fixture
def three(v2: V2) -> list[str]:
    """Three finished runs, oldest first: succeeded, failed, succeeded."""
    slugs = []
    for custom in ({"rows": 1}, {"rows": 1, "fail": "nope"}, {"rows": 2}):
        slugs.append(v2.start(custom))
        v2.wait(slugs[-1])
    return slugs


def _slugs(v2: V2, **params) -> list[str]:
    return [item["slug"] for item in v2.ok("GET", "/worker-runs", params=params)["list"]]


def test_runs_are_listed_newest_first_with_a_count(v2, three):
    data = v2.ok("GET", "/worker-runs")
    assert set(data) == {"count", "list"} and data["count"] == 3
    assert [item["slug"] for item in data["list"]] == three[::-1]
    assert data["list"][1]["status"] == "failed"


def test_status_and_worker_filters(v2, three):
    assert _slugs(v2, status="failed") == [three[1]]
    assert _slugs(v2, status="succeeded") == [three[2], three[0]]
    assert _slugs(v2, status="aborting") == []
    details = v2.fail("GET", "/worker-runs", 11000, 400, params={"status": "4"})
    assert "succeeded" in details[0]
    assert _slugs(v2, worker_id=COUNTER_ID) == _slugs(v2, worker_id=COUNTER.slug) == three[::-1]
    assert _slugs(v2, worker_id="coreclaw~slow-worker") == []
    assert _slugs(v2, worker_id="nobody~nothing") == []
    details = v2.fail("GET", "/worker-runs", 11000, 400, params={"worker_id": COUNTER.path})
    assert "owner~name" in details[0]


def test_paging_with_page_numbers_and_with_row_offsets(v2, three):
    newest = three[::-1]
    assert _slugs(v2, limit=2) == _slugs(v2, limit=2, offset=1) == newest[:2]
    assert _slugs(v2, limit=2, offset=0) == newest[:2]
    assert _slugs(v2, limit=2, offset=2) == newest[2:]
    assert _slugs(v2, limit=2, offset=3) == []
    v2.emu.configure(v2_offset_mode="row")
    assert _slugs(v2, limit=2) == newest[:2]
    assert _slugs(v2, limit=2, offset=1) == newest[1:]
    assert _slugs(v2, limit=1, offset=2) == newest[2:]
    assert v2.ok("GET", "/worker-runs", params={"offset": 1})["count"] == 3


def test_default_window_is_the_current_month(v2, three):
    year, month = _previous_month()
    v2.emu.backdate_run(three[0], started_at=_month_start(year, month) + 5 * DAY)
    assert _slugs(v2) == [three[2], three[1]]
    assert v2.ok("GET", "/worker-runs")["count"] == 2
    moved = v2.run(three[0])
    assert moved["started_at"] == _month_start(year, month) + 5 * DAY
    assert moved["finished_at"] >= moved["started_at"]
    assert v2.ok("GET", "/worker-runs/last")["slug"] == three[2]


def test_a_window_in_one_month_finds_backdated_runs(v2, three):
    year, month = _previous_month()
    first = _month_start(year, month)
    v2.emu.backdate_run(three[0], started_at=first + 5 * DAY + 3600)
    v2.emu.backdate_run(three[1], started_at=first + 9 * DAY)
    window = {"start_time": first, "end_time": first + 5 * DAY}
    assert _slugs(v2, **window) == [three[0]]  # the end day is included whole
    assert _slugs(v2, start_time=first, end_time=first + 9 * DAY) == [three[1], three[0]]
    last_day = _month_start(2026, 12) - DAY
    assert _slugs(v2, start_time=first + 6 * DAY, end_time=last_day) == [three[1]]
    assert _slugs(v2, start_time=first, end_time=last_day, status="failed") == [three[1]]
    # Production needs both bounds: one alone is refused, naming the missing one.
    assert "end_time" in v2.fail("GET", "/worker-runs", 11000, 400, params={"start_time": first})[0]
    assert "start_time" in v2.fail("GET", "/worker-runs", 11000, 400, params={"end_time": first})[0]


def test_a_window_over_two_months_or_reversed_is_refused(v2):
    year, month = _previous_month()
    first = _month_start(year, month)
    now = int(time.time())
    details = v2.fail(
        "GET", "/worker-runs", 11000, 400, params={"start_time": first, "end_time": now}
    )
    assert "cannot cross months" in details[0]
    details = v2.fail(
        "GET", "/worker-runs", 11000, 400, params={"start_time": first + DAY, "end_time": first}
    )
    assert "start_time" in details[0]
    for bad in (
        {"start_time": "yesterday", "end_time": first},
        {"start_time": first, "end_time": -5},
        {"start_time": 10**17, "end_time": first},
    ):
        v2.fail("GET", "/worker-runs", 11000, 400, params=bad)


def test_backdate_needs_a_finished_known_run(v2):
    running = v2.start({"rows": 1, "interval": 5})
    with pytest.raises(ValueError):
        v2.emu.backdate_run(running, started_at=1_700_000_000)
    with pytest.raises(KeyError):
        v2.emu.backdate_run("01ZZZZZZZZZZZZZZZZZZZZZZZZ", started_at=1_700_000_000)


def test_backdated_log_times_move_with_the_run(v2, three):
    before = v2.ok("GET", f"/worker-runs/{three[2]}/log")["list"]
    v2.emu.backdate_run(three[2], started_at=v2.run(three[2])["started_at"] - 10 * DAY)
    after = v2.ok("GET", f"/worker-runs/{three[2]}/log")["list"]
    shifts = {b["timestamp"] - a["timestamp"] for a, b in zip(after, before, strict=True)}
    assert len(shifts) == 1 and 10 * DAY * 1000 - 1000 < shifts.pop() <= 10 * DAY * 1000 + 1000


def test_the_last_day_of_a_month_must_be_passed_at_beijing_midnight(v2, three):
    """end_time + 86400 s may reach the next month's first second, and no further."""
    first, following = _month_start(2026, 11), _month_start(2026, 12)
    v2.emu.backdate_run(three[0], started_at=following - 1)  # 30 Nov 23:59:59 in Beijing
    v2.emu.backdate_run(three[1], started_at=following)  # 1 Dec 00:00:00 in Beijing
    assert _slugs(v2, start_time=first, end_time=following - DAY) == [three[0]]
    details = v2.fail(
        "GET",
        "/worker-runs",
        11000,
        400,
        params={"start_time": first, "end_time": following - DAY + 1},
    )
    assert "cannot cross months" in details[0]
    # The UTC reading of the month is not the platform's: 30 Nov 16:00 UTC is December.
    utc_last_day = int(datetime(2026, 11, 30, tzinfo=UTC).timestamp())
    v2.fail(
        "GET", "/worker-runs", 11000, 400, params={"start_time": first, "end_time": utc_last_day}
    )


@pytest.mark.parametrize(
    ("instant", "month"),
    [
        (datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), (2026, 11)),  # 23:59:59 in Beijing
        (datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC), (2026, 12)),  # 00:00:00 in Beijing
        (datetime(2026, 12, 31, 16, 0, 0, tzinfo=UTC), (2027, 1)),
        (datetime(2028, 2, 29, 15, 59, 59, tzinfo=UTC), (2028, 2)),
    ],
)
def test_the_default_window_is_the_current_beijing_month(v2, instant, month):
    with time_machine.travel(instant, tick=True):
        run = v2.start({"rows": 1})
        v2.wait(run)
        start = v2.run(run)["started_at"]
        assert _month_start(*month) <= start and _slugs(v2) == [run]
        v2.emu.backdate_run(run, started_at=_month_start(*month) - 1)
        assert _slugs(v2) == []


def test_the_calendar_zone_is_a_knob(v2):
    with time_machine.travel(datetime(2026, 11, 30, 20, tzinfo=UTC), tick=True):
        late, early = v2.start({"rows": 1}), v2.start({"rows": 1})
        v2.wait(late), v2.wait(early)
        v2.emu.backdate_run(early, started_at=datetime(2026, 11, 30, 10, tzinfo=UTC).timestamp())
        assert _slugs(v2) == [late]  # 1 Dec 04:00 in Beijing; `early` is still November
        v2.emu.configure(month_utc_offset_hours=0)
        assert _slugs(v2) == [late, early]  # both 30 Nov in UTC
        with pytest.raises(ValueError, match="month_utc_offset_hours"):
            v2.emu.configure(month_utc_offset_hours=99)
