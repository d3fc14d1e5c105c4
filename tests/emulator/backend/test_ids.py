"""Slugs and row ids, without a server."""

from __future__ import annotations

import json
import re

import pytest

from coreclaw_pandas.emulator.backend.ids import data_id, encode_row, new_slug, stable_slug


def test_slugs_are_ulid_shaped_unique_and_time_ordered():
    slugs = [new_slug(1_700_000_000 + i) for i in range(200)]
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", s) for s in slugs)
    assert len(set(slugs)) == 200 and [s[:10] for s in slugs] == sorted(s[:10] for s in slugs)
    assert stable_slug("x") == stable_slug("x") != stable_slug("y")


def test_encode_row_adds_the_id_first_and_keeps_unicode():
    row_id = data_id("RUN", 3)
    assert row_id != data_id("RUN", 4) and re.fullmatch(r"[0-9a-f]{64}", row_id)
    encoded = encode_row({"t": "é漢", "nested": {"a": [1, None]}}, row_id)
    assert encoded.startswith(b'{"__coreclaw_data_id__":"' + row_id.encode() + b'",')
    assert json.loads(encoded) == {
        "__coreclaw_data_id__": row_id,
        "t": "é漢",
        "nested": {"a": [1, None]},
    }
    assert json.loads(encode_row({}, row_id)) == {"__coreclaw_data_id__": row_id}
    assert (
        json.loads(encode_row({"__coreclaw_data_id__": "fake"}, row_id))["__coreclaw_data_id__"]
        == row_id
    )
    with pytest.raises(TypeError):
        encode_row(["not", "a", "mapping"], row_id)
    with pytest.raises(ValueError):
        encode_row({"x": float("nan")}, row_id)
