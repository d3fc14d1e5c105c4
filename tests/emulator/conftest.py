"""Fixtures for the emulator's own tests: a running emulator and an HTTP helper."""

from __future__ import annotations

import pytest

from coreclaw_pandas.emulator import Emulator

from .helpers import COUNTER, Api


@pytest.fixture
def emu():
    with Emulator(workers=[COUNTER], abort_delay=0.5) as emulator:
        yield emulator


@pytest.fixture
def api(emu: Emulator) -> Api:
    return Api(emu)

