"""The live poll loop's budget: at most 15 detail+result requests a minute per run (issue 18)."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.api.follow import Pacer

from .helpers import SLOW
from .stream_helpers import QuickClock


def test_the_pacer_never_lets_more_than_the_budget_into_any_window():
    clock = QuickClock(real_step=0)
    pacer = Pacer(max_requests=15, window=60.0, clock=clock)
    sent = []
    for _ in range(100):
        pacer.call(lambda: sent.append(clock.monotonic()))
    for i, first in enumerate(sent):
        assert sum(1 for t in sent[i:] if t < first + 60.0) <= 15


def test_the_pacer_refuses_a_budget_below_one():
    with pytest.raises(ValueError, match="at least 1"):
        Pacer(max_requests=0, window=60.0, clock=QuickClock())


class _StampingClock(QuickClock):
    """Notes how many detail and result requests the emulator had seen at each virtual instant."""

    def __init__(self, emu) -> None:
        super().__init__()
        self.emu = emu
        self.marks: list[tuple[float, int]] = [(0.0, 0)]

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.marks.append((self.now, len(_run_calls(self.emu))))


def _run_calls(emu) -> list:
    return emu.calls("/api/v1/run/detail") + emu.calls("/api/v1/run/result/list")


def test_a_live_run_is_polled_within_the_budget(emu, client, monkeypatch):
    # 80 rows over 8 s in pages of 10: more pages than the budget allows while the run
    # goes, so the loop must space its polls (on its clock) rather than exceed it.
    emu.configure(max_page_size=10)
    client.page_size = 10
    run = client.start_run(SLOW, {"duration_seconds": 8, "rows_per_second": 10})
    emu.clear_requests()
    clock = _StampingClock(emu)
    # Which requests came before the loop knew the run had ended (the real call goes on).
    live: list[int] = []
    detail = client.run

    def noting_the_end(slug):
        seen = detail(slug)
        if seen.is_terminal and not live:
            live.append(len(_run_calls(emu)))
        return seen

    monkeypatch.setattr(client, "run", noting_the_end)
    chunks = list(cc.stream_results(run, client=client, clock=clock))
    assert sum(len(chunk) for chunk in chunks) == 80
    clock.marks.append((clock.now, len(_run_calls(emu))))
    # A request made after the mark at t and before the next one was made at t: virtual
    # time only moves while the loop sleeps.
    stamps: list[float] = []
    for (when, before), (_, after) in zip(clock.marks, clock.marks[1:], strict=False):
        stamps += [when] * (after - before)
    assert len(stamps) == len(_run_calls(emu))
    # Reading the rest of an ended run is not polling, and not held to the budget.
    polling = stamps[: live[0]]
    busiest = max(sum(t < first + 60.0 for t in polling[i:]) for i, first in enumerate(polling))
    assert busiest <= 15, f"{busiest} requests in one minute"
    assert clock.now > 60.0, "the run needed more than a minute's budget"
