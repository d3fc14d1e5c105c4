"""On-disk cache of finished runs: exact round trips, misses, corruption, isolation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coreclaw_pandas.frames import (
    ATTRS_KEY,
    ID_COLUMN,
    cache,
    rows_to_frame,
    runs_to_frame,
    set_provenance,
)
from coreclaw_pandas.models import ResultHeader, Run, RunStatus

BASE = "https://openapi.example"
SLUG = "01KSFDS8XWTJME33C08XMCR6B9"
#: A key tag as Client.cache_account gives it (the cache never sees a key).
ACCT = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(folder))
    return folder


def _results_frame(*, flatten: bool = True) -> pd.DataFrame:
    rows = [
        {
            ID_COLUMN: "a" * 64,
            "title": "Mug ☕ — 東京",
            "price": 12,
            "rating": 4.5,
            "in_stock": True,
            "seen": "2024-06-01T12:00:00+02:00",
            "day": "2024-06-01",
            "seller": {"name": "Ana", "geo": {"cc": "PT"}},
            "tags": ["x", 1, 2.0, None, {"deep": [True]}],
            "mixed": 1,
            "big": 2**70,
        },
        {
            ID_COLUMN: "b" * 64,
            "title": None,
            "price": None,
            "in_stock": None,
            "seen": "2024-06-01T12:00:00Z",
            "day": "2024-06-02",
            "seller": "unknown",
            "tags": [],
            "mixed": "1",
            "big": 1,
            "only_null": None,
        },
        {ID_COLUMN: "c" * 64, "mixed": 1.0, "tags": None, "seller": None, "=cmd": "=1+1"},
    ]
    headers = [ResultHeader("title", "Title"), ResultHeader("price", "Price")]
    df = rows_to_frame(rows, headers, flatten=flatten)
    return set_provenance(df, {"run_slug": SLUG, "row_count": 3, "usage": 0.02, "tags": ["a"]})


def _assert_identical(loaded: pd.DataFrame | None, original: pd.DataFrame) -> None:
    assert loaded is not None
    pd.testing.assert_frame_equal(loaded, original, check_exact=True)
    assert loaded.attrs == original.attrs
    # assert_frame_equal says 1 == 1.0 == True; an exact round trip keeps the types too.
    for name in [c for c in original.columns if pd.api.types.is_object_dtype(original[c])]:
        assert [type(v) for v in loaded[name]] == [type(v) for v in original[name]], name


@pytest.mark.parametrize("flatten", [True, False])
def test_round_trip_is_exact_for_ragged_nested_unicode_data(flatten: bool) -> None:
    df = _results_frame(flatten=flatten)
    assert {"Int64", "Float64", "boolean", "string", "object"} <= set(df.dtypes.astype(str))
    assert "datetime64[us, UTC]" in set(df.dtypes.astype(str))
    path = cache.store(df, BASE, SLUG, "opts", account=ACCT)
    assert path.is_file()
    _assert_identical(cache.load(BASE, SLUG, "opts", account=ACCT), df)


def test_round_trip_of_empty_filtered_and_history_frames() -> None:
    empty = rows_to_frame([], [ResultHeader("title")])
    cache.store(empty, BASE, "empty", account=ACCT)
    _assert_identical(cache.load(BASE, "empty", account=ACCT), empty)

    filtered = _results_frame()
    filtered = filtered[filtered["price"].isna()]  # a non-range index
    cache.store(filtered, BASE, "filtered", account=ACCT)
    _assert_identical(cache.load(BASE, "filtered", account=ACCT), filtered)

    runs = runs_to_frame(
        [Run(slug="r1", status=RunStatus.FAILED, started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))]
    )
    runs["plain"] = pd.Series(["x"])  # pandas' default str dtype
    cache.store(runs, BASE, "runs", account=ACCT)
    _assert_identical(cache.load(BASE, "runs", account=ACCT), runs)


def test_a_miss_is_none() -> None:
    assert cache.load(BASE, SLUG, account=ACCT) is None
    cache.store(_results_frame(), BASE, SLUG, "a", account=ACCT)
    assert cache.load(BASE, SLUG, "b", account=ACCT) is None
    assert cache.load(BASE, "01OTHERRUN0000000000000000", "a", account=ACCT) is None


def test_entries_are_isolated_by_base_url_and_options() -> None:
    one = rows_to_frame([{"n": 1}])
    two = rows_to_frame([{"n": 2}])
    cache.store(one, BASE, SLUG, "opts", account=ACCT)
    cache.store(two, "https://other.example", SLUG, "opts", account=ACCT)
    cache.store(two, BASE, SLUG, "other-opts", account=ACCT)
    _assert_identical(cache.load(BASE, SLUG, "opts", account=ACCT), one)
    _assert_identical(cache.load(BASE + "/", SLUG, "opts", account=ACCT), one)  # same platform
    _assert_identical(cache.load("https://other.example", SLUG, "opts", account=ACCT), two)
    _assert_identical(cache.load(BASE, SLUG, "other-opts", account=ACCT), two)


def test_file_names_never_hold_the_base_url_or_a_key(cache_folder: Path) -> None:
    secret_base = "https://user:sk-SECRET123@openapi.example/?api-key=sk-SECRET123"
    path = cache.store(rows_to_frame([{"n": 1}]), secret_base, "../../escape", "k", account=ACCT)
    assert path.parent == cache_folder
    assert "SECRET" not in str(path) and "openapi" not in str(path) and ".." not in path.name
    assert [p.name for p in cache_folder.iterdir()] == [path.name]


def test_store_is_atomic_and_overwrites(cache_folder: Path) -> None:
    cache.store(rows_to_frame([{"n": 1}]), BASE, SLUG, account=ACCT)
    newer = rows_to_frame([{"n": 2}])
    cache.store(newer, BASE, SLUG, account=ACCT)
    _assert_identical(cache.load(BASE, SLUG, account=ACCT), newer)
    assert len(list(cache_folder.iterdir())) == 1  # no temporary file left behind


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"not parquet at all"),
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        lambda p: p.write_bytes(b""),
    ],
    ids=["garbage", "truncated", "empty"],
)
def test_a_corrupt_file_is_a_miss_and_is_removed(damage) -> None:
    path = cache.store(_results_frame(), BASE, SLUG, account=ACCT)
    damage(path)
    assert cache.load(BASE, SLUG, account=ACCT) is None
    assert not path.exists()


def test_a_parquet_file_without_our_record_is_a_miss(cache_folder: Path) -> None:
    path = cache.store(rows_to_frame([{"n": 1}]), BASE, SLUG, account=ACCT)
    pd.DataFrame({"n": [1]}).to_parquet(path)  # valid Parquet, but not ours
    assert cache.load(BASE, SLUG, account=ACCT) is None
    assert not path.exists()


def test_a_file_recorded_for_another_key_is_a_miss(cache_folder: Path) -> None:
    wrong = cache.store(rows_to_frame([{"n": 1}]), BASE, SLUG, "x", account=ACCT)
    target = cache._path(BASE, ACCT, SLUG, "y")
    wrong.rename(target)  # as if two keys had collided on one name
    assert cache.load(BASE, SLUG, "y", account=ACCT) is None


def test_clear_cache_counts_removed_files(cache_folder: Path) -> None:
    assert cache.clear_cache() == 0  # no folder yet
    for n in range(3):
        cache.store(rows_to_frame([{"n": n}]), BASE, f"RUN{n}", account=ACCT)
    (cache_folder / ".leftover.tmp").write_bytes(b"")  # an older version's temp name
    (cache_folder / ".RUN9.0a1b2c.tmp.parquet").write_bytes(b"")  # atomic_path's temp name
    (cache_folder / "notes.txt").write_text("not ours")
    assert cache.clear_cache() == 5
    assert [p.name for p in cache_folder.iterdir()] == ["notes.txt"]
    assert cache.load(BASE, "RUN0", account=ACCT) is None


def test_values_that_json_cannot_hold_are_refused_before_writing(cache_folder: Path) -> None:
    df = pd.DataFrame({"when": np.array([dt.date(2024, 1, 1)], dtype=object)})
    with pytest.raises(ValueError, match="'when'.*date"):
        cache.store(df, BASE, SLUG, account=ACCT)
    bad_attrs = pd.DataFrame({"n": [1]})
    bad_attrs.attrs[ATTRS_KEY] = {"fetched": dt.datetime(2024, 1, 1)}
    with pytest.raises(ValueError):
        cache.store(bad_attrs, BASE, SLUG, account=ACCT)
    assert not cache_folder.exists() or not any(cache_folder.iterdir())


def test_cache_dir_follows_the_environment_variable(cache_folder: Path) -> None:
    assert cache.cache_dir() == cache_folder


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({"CORECLAW_CACHE_DIR": "/custom"}, "linux", "/custom"),
        ({"XDG_CACHE_HOME": "/xdg"}, "linux", "/xdg/coreclaw-pandas"),
        ({"XDG_CACHE_HOME": "relative/ignored"}, "linux", "/home/u/.cache/coreclaw-pandas"),
        ({}, "linux", "/home/u/.cache/coreclaw-pandas"),
        ({}, "darwin", "/home/u/Library/Caches/coreclaw-pandas"),
        ({"LOCALAPPDATA": "/appdata"}, "win32", "/appdata/coreclaw-pandas/Cache"),
        ({}, "win32", "/home/u/AppData/Local/coreclaw-pandas/Cache"),
    ],
)
def test_platform_default_folders(env: dict, platform: str, expected: str) -> None:
    assert cache._platform_cache_dir(env, platform, Path("/home/u")) == Path(expected)


def test_na_inside_an_object_column_comes_back_as_na() -> None:
    df = rows_to_frame([{"t": "x"}, {"t": None}], dtypes={"t": object})
    assert df["t"].tolist() == ["x", pd.NA]
    cache.store(df, BASE, SLUG, account=ACCT)
    loaded = cache.load(BASE, SLUG, account=ACCT)
    assert loaded is not None
    assert loaded["t"].dtype == object
    assert loaded["t"].tolist() == ["x", pd.NA]
