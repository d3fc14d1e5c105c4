"""Fixtures for the emulator's own tests: a running emulator and an HTTP helper."""

from __future__ import annotations

import pytest
from emu_helpers import COUNTER, REFERENCE, Api

from coreclaw_pandas.emulator import Emulator


@pytest.fixture
def emu():
    with Emulator(workers=[COUNTER], abort_delay=0.5) as emulator:
        yield emulator


@pytest.fixture
def api(emu: Emulator) -> Api:
    return Api(emu)


@pytest.fixture(scope="session")
def reference():
    if not REFERENCE.is_dir():
        pytest.skip(f"shared reference folder not found at {REFERENCE}")
    return REFERENCE
