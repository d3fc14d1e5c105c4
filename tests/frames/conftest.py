"""Fixtures for the frames tests."""

from __future__ import annotations

import pytest

from coreclaw_pandas.frames import buffers


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Pack every 3 values, so a handful of rows spans several chunks."""
    monkeypatch.setattr(buffers, "BUFFER_CHUNK_ROWS", 3)
    return 3
