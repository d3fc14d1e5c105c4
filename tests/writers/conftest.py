"""Fixtures for the writers tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def out_dir(tmp_path) -> Path:
    """An empty folder of its own (tmp_path also holds the session's cache folder)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder

