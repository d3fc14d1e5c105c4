"""Where ledgers and collections live: one data folder per platform, or the override."""

from __future__ import annotations

from pathlib import Path

import pytest

from coreclaw_pandas._folders import data_dir

HOME = Path.home()


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({"CORECLAW_DATA_DIR": "/srv/cc"}, "linux", Path("/srv/cc")),
        ({}, "linux", HOME / ".local" / "share" / "coreclaw-pandas"),
        ({"XDG_DATA_HOME": "/x"}, "linux", Path("/x") / "coreclaw-pandas"),
        # The XDG spec: a relative XDG_DATA_HOME is invalid and ignored.
        ({"XDG_DATA_HOME": "rel"}, "linux", HOME / ".local" / "share" / "coreclaw-pandas"),
        ({}, "darwin", HOME / "Library" / "Application Support" / "coreclaw-pandas"),
        ({"LOCALAPPDATA": "C:/L"}, "win32", Path("C:/L") / "coreclaw-pandas"),
        ({}, "win32", HOME / "AppData" / "Local" / "coreclaw-pandas"),
    ],
)
def test_data_dir(env, platform, expected):
    assert data_dir(env, platform) == expected


def test_ledgers_and_collections_share_the_folder(tmp_path, monkeypatch):
    from coreclaw_pandas.batches.ledger import default_file
    from coreclaw_pandas.tracking.storage import data_dir as collections_dir

    monkeypatch.setenv("CORECLAW_DATA_DIR", str(tmp_path))
    assert default_file().parent == tmp_path
    assert collections_dir() == tmp_path / "collections"
