"""The platform state without a server: Workers, search, seeded tasks."""

from __future__ import annotations

from coreclaw_pandas.emulator.backend.state import State

from ..helpers import COUNTER


def test_state_search_and_worker_replacement():
    replacement = type(COUNTER)(
        **{**COUNTER.__dict__, "slug": "01TESTREPLACEMENT000000000", "title": "Replaced"}
    )
    state = State([COUNTER, replacement])
    assert [w.title for w in state.workers.values()] == ["Replaced"]
    assert state.find_worker("TESTS/COUNTER").title == "Replaced"
    assert state.search_workers("replaced", 10) and not state.search_workers("nothing here", 10)
    assert len(state.tasks) == 1
