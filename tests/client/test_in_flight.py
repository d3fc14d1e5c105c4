"""The pages-in-flight window: grows with quick replies, shrinks when they queue, halves on 4290."""

from __future__ import annotations

from coreclaw_pandas.client.window import MAX_IN_FLIGHT, MIN_IN_FLIGHT, InFlight


def test_replies_as_quick_as_the_quickest_grow_the_window_to_its_cap():
    window = InFlight(8)
    for _ in range(500):
        window.record(0.050)  # a 50 ms path, no queueing: more in flight fills it
    assert window.size == MAX_IN_FLIGHT and window.peak == MAX_IN_FLIGHT


def test_queued_replies_shrink_it_and_a_refusal_halves_it():
    window = InFlight(8)
    window.record(0.001)
    for _ in range(20):
        window.record(0.010)  # ten times the quickest: replies wait in a queue
    assert window.size == MIN_IN_FLIGHT
    grown = InFlight(64)
    grown.refused()
    assert grown.size == 32 and grown.refusals == 1
    for _ in range(10):
        grown.refused()
    assert grown.size == MIN_IN_FLIGHT


def test_the_first_window_is_bounded():
    assert InFlight(0).size == MIN_IN_FLIGHT
    assert InFlight(10_000).size == MAX_IN_FLIGHT
