"""Fixtures for the api tests: the cc.* default client on the session emulator."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc


@pytest.fixture(params=["v1", "v2"])
def configured(request, emu):
    """The default client of the cc.* helpers, on the emulator, in each API version."""
    return cc.configure(
        api_key=emu.api_key,
        base_url=emu.url,
        api_version=request.param,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )
