"""Platform times, as pure functions: seconds vs milliseconds, "not yet", and edges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coreclaw_pandas.client.replies import millis, run, seconds


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC),  # last second of November in Beijing
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2028, 2, 29, 12, 0, 0, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),  # one second past a signed 32-bit time
    ],
)
def test_seconds_and_milliseconds_name_the_same_instant(instant):
    s = int(instant.timestamp())
    assert seconds(s) == seconds(str(s)) == millis(s * 1000) == instant
    # The other unit by mistake still gives the right instant, not the year 58000 or 1970.
    assert seconds(s * 1000) == instant and millis(s) == instant


@pytest.mark.parametrize("nothing", [0, "0", None, "", "soon", -5, 10**20, float("nan")])
def test_not_yet_or_no_instant_is_none(nothing):
    assert seconds(nothing) is None and millis(nothing) is None


def test_a_run_summary_keeps_its_times_in_utc():
    summary = {"slug": "r", "status": 3, "started_at": 1_798_732_800, "finished_at": 0}
    parsed = run(summary)
    assert parsed.started_at == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 1 Jan in Beijing
    assert parsed.finished_at is None
