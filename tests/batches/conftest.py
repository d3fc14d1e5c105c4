"""Fixtures for the batch tests: emulators in their own process, clients of each API version."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc

from .helpers import FAST_POLL, EmulatorProcess


def _client(emu, api_version: str) -> cc.Client:
    return cc.Client(emu.api_key, base_url=emu.url, api_version=api_version, poll=FAST_POLL,
                     backoff_factor=0.01)  # fmt: skip


@pytest.fixture
def v2_client(emu):
    """A client of the session emulator over API v2 that polls quickly."""
    client = _client(emu, "v2")
    yield client
    client.close()


@pytest.fixture(params=["v1", "v2"])
def versioned_client(emu, request):
    """A client of the session emulator over each API version in turn."""
    client = _client(emu, request.param)
    yield client
    client.close()


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
