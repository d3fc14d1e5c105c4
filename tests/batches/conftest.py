"""Fixtures for the batch tests: a private data folder, and emulators in their own process."""

from __future__ import annotations

import pytest

from .helpers import EmulatorProcess


@pytest.fixture
def emulator_process():
    """Start emulators in child processes (``emulator_process("--flag", ...)``); stops them."""
    started: list[EmulatorProcess] = []

    def start(*flags: str) -> EmulatorProcess:
        proc = EmulatorProcess(*flags)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
