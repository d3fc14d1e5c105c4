"""Shared fixtures: one emulator per session over real HTTP, reset before each test."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "coreclaw-reference"


@pytest.fixture(scope="session")
def emulator():
    from coreclaw_pandas.emulator import Emulator

    with Emulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator):
    """The session's emulator, returned to a clean state."""
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def client(emu):
    """A client on the emulator that polls and backs off quickly."""
    import coreclaw_pandas as cc

    c = cc.Client(
        emu.api_key,
        base_url=emu.url,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )
    yield c
    c.close()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No test sees the user's environment, cache or default client."""
    for var in ("CORECLAW_API_KEY", "CORECLAW_BASE_URL", "CORECLAW_API_VERSION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CORECLAW_CACHE_DIR", str(tmp_path / "cache"))
    import coreclaw_pandas as cc

    cc.reset_client()
    yield
    cc.reset_client()


@pytest.fixture
def shared_reference():
    """The read-only CoreClaw reference folder beside the checkout."""
    if not SHARED.is_dir():
        pytest.skip("../shared/coreclaw-reference is not beside this checkout")
    return SHARED
