"""Fixtures for the tracking tests: cc.* on the emulator."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc


@pytest.fixture
def configured(emu):
    """The default client of the cc.* helpers, on the emulator."""
    return cc.configure(
        api_key=emu.api_key,
        base_url=emu.url,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )
