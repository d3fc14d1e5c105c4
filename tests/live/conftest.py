"""Fixtures for the live tests: the cc.* default client on the session emulator."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc

#: A budget that lets a test's short runs be followed closely (the default is 15).
FAST_BUDGET = 600


@pytest.fixture
def configured(emu):
    """The default client of the cc.* helpers, on the emulator."""
    return cc.configure(api_key=emu.api_key, base_url=emu.url, backoff_factor=0.01)
