"""Fixtures for the tracking tests: collections in a temporary data folder, cc.* on the emulator."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    """Collections made by name live in this test's folder, never the user's."""
    monkeypatch.setenv("CORECLAW_DATA_DIR", str(tmp_path / "collections"))


@pytest.fixture
def configured(emu):
    """The default client of the cc.* helpers, on the emulator."""
    return cc.configure(
        api_key=emu.api_key,
        base_url=emu.url,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )
