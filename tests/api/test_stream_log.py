"""cc.stream_log: entries as they arrive, by timestamp, once each, filtered by a regex."""

from __future__ import annotations

import coreclaw_pandas as cc

from .helpers import CATALOGUE, FAILING
from .stream_helpers import QuickClock


def test_entries_come_once_each_in_time_order_until_the_end(emu, client):
    run = client.start_run(CATALOGUE, {"rows": 400, "rows_per_second": 400, "notes": "hello"})
    entries = list(cc.stream_log(run, client=client, clock=QuickClock()))
    keys = [(e.timestamp, e.content) for e in entries]
    assert len(keys) == len(set(keys))
    assert [e.timestamp for e in entries] == sorted(e.timestamp for e in entries)
    contents = [e.content for e in entries]
    assert any("Run notes: hello" in text for text in contents)
    assert any("All subtasks have completed" in text for text in contents)


def test_grep_keeps_only_matching_entries(emu, client):
    run = client.start_run(FAILING, {"fail_after": 2, "row_interval_seconds": 0})
    entries = list(cc.stream_log(run, grep="Simulated|403", client=client, clock=QuickClock()))
    assert entries and all("Simulated" in e.content or "403" in e.content for e in entries)
