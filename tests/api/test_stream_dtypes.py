"""Chunk dtypes stay those of the first chunk, or the chunk says why not (issue 18).

The shaper is pure (rows in, frames out); these tests feed it rows directly, so a
later chunk can carry values that do not fit, which the emulator's Workers never send.
"""

from __future__ import annotations

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.api.follow import Batch
from coreclaw_pandas.api.stream import ChunkShaper
from coreclaw_pandas.models import ID_COLUMN, ResultHeader, Run, RunStatus

HEADERS = [ResultHeader("n", "N"), ResultHeader("price", "Price"), ResultHeader("note", "Note")]


def _rows(start: int, stop: int, **values) -> list[dict]:
    return [{ID_COLUMN: f"{i:064x}", "n": i, **values} for i in range(start, stop)]


def _chunks(*parts: list[dict]) -> list[pd.DataFrame]:
    shaper = ChunkShaper()
    client = cc.Client("not-a-real-key", base_url="http://127.0.0.1:9")
    out, offset = [], 0
    for rows in parts:
        batch = Batch(rows, offset, HEADERS, Run("01ABCDEFGHJKMNPQRSTVWXYZ00", RunStatus.RUNNING))
        out.append(shaper.chunk(rows, offset=offset, batch=batch, client=client))
        offset += len(rows)
    return out


def test_a_column_empty_at_first_takes_its_dtype_when_values_come():
    first, second, third = _chunks(_rows(0, 3), _rows(3, 6, price=1.5, note="x"), _rows(6, 9))
    assert second["price"].dtype == "Float64" and third["price"].dtype == "Float64"
    assert third["note"].dtype == second["note"].dtype
    assert "dtype_changes" not in third.attrs["coreclaw"]
    assert list(pd.concat([first, second, third])["n"]) == list(range(9))


def test_a_narrower_chunk_is_widened_to_the_streams_dtype():
    first, second = _chunks(_rows(0, 3, price=1.5), _rows(3, 6, price=2))
    assert first["price"].dtype == second["price"].dtype == "Float64"
    assert second["price"].tolist() == [2.0, 2.0, 2.0]


def test_a_chunk_whose_values_do_not_fit_keeps_its_dtype_and_says_why():
    with pytest.warns(cc.ChunkDtypeWarning, match=r"Chunk 2 .*price"):
        first, second = _chunks(_rows(0, 3, price=1), _rows(3, 6, price="n/a"))
    assert first["price"].dtype == "Int64"
    assert second["price"].tolist() == ["n/a"] * 3
    changes = second.attrs["coreclaw"]["dtype_changes"]
    assert list(changes) == ["price"] and "Int64" in changes["price"]


def test_a_fraction_never_becomes_a_whole_number_silently():
    with pytest.warns(cc.ChunkDtypeWarning):
        _first, second = _chunks(_rows(0, 3, price=1), _rows(3, 6, price=2.5))
    assert second["price"].tolist() == [2.5] * 3


def test_every_chunk_has_every_column_seen_so_far():
    first, second = _chunks(_rows(0, 2, price=1.0, extra="a"), _rows(2, 4, price=2.0))
    assert list(second.columns) == list(first.columns)
    assert second["extra"].isna().all() and second["extra"].dtype == first["extra"].dtype
    assert list(second.index) == [2, 3]
