"""The Arrow fast path builds the same frame as the general path, row for row.

Page replies are made from rows with ``json.dumps`` (as a server sends them), decoded
by :class:`PageDecoder` and fed to a builder; the frame must equal ``rows_to_frame``
over the same rows, dtypes and column order included. Replies the decoder refuses go
the general way, as the bulk reader sends them.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from coreclaw_pandas.emulator.workers.catalogue import HEADERS, catalogue_rows
from coreclaw_pandas.frames import FrameBuilder, PageDecoder, rows_to_frame
from coreclaw_pandas.frames.buffers import InexactColumnError
from coreclaw_pandas.models import ID_COLUMN, ResultHeader


class _Request:
    def __init__(self, index: int, size: int) -> None:
        self.page_index, self.page_size = index, size


def _reply(rows: list[Any], count: int, headers: list[dict[str, str]]) -> bytes:
    data = {"count": count, "headers": headers, "list": rows}
    return json.dumps({"code": 0, "message": "success", "data": data}).encode()


def _fast_frame(
    rows: list[dict[str, Any]], *, page: int = 2, batch: int = 4, headers: Any = ()
) -> tuple[pd.DataFrame, PageDecoder]:
    """Rows paged, decoded in batches and built as the fast path does."""
    head = [{"key": h.key, "label": h.label, "format": "text"} for h in headers]
    pages = [rows[i : i + page] for i in range(0, len(rows), page)]
    decoder = PageDecoder()
    builder = FrameBuilder(headers)
    for start in range(0, len(pages), batch):
        chunk = pages[start : start + batch]
        bodies = [_reply(p, len(rows), head) for p in chunk]
        requests = [_Request(start + i + 1, page) for i in range(len(chunk))]
        for got, rows_of_page in zip(decoder(bodies, requests), chunk, strict=True):
            if got is None:
                builder.add_rows(rows_of_page)
            else:
                assert got.ids == [r.get(ID_COLUMN) for r in rows_of_page]
                builder.add_table(got.table)
    return builder.build(), decoder


def _same(rows: list[dict[str, Any]], **kw: Any) -> PageDecoder:
    try:
        fast, decoder = _fast_frame(rows, **kw)
    except InexactColumnError:
        # What the reader does then: the same pages, read as dicts.
        fast, decoder = rows_to_frame(rows, kw.get("headers", ())), PageDecoder()
    slow = rows_to_frame(rows, kw.get("headers", ()))
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.columns) == list(slow.columns)
    assert [str(t) for t in fast.dtypes] == [str(t) for t in slow.dtypes]
    for name in slow.columns:
        if slow[name].dtype == object:
            # Lists and dicts exactly as sent: same types inside, not just equal values.
            assert [repr(v) for v in fast[name]] == [repr(v) for v in slow[name]], name
    return decoder


def test_the_catalogue_is_decoded_by_arrow_and_gives_the_same_frame() -> None:
    rows = catalogue_rows({"rows": 600}, 0, 600)
    headers = [ResultHeader(h["key"], h["label"], h["format"]) for h in HEADERS]
    decoder = _same(rows, page=50, batch=4, headers=headers)
    assert decoder.pages > decoder.refused  # the fast path did the work


def test_catalogue_in_other_locales_and_currencies() -> None:
    custom = {"rows": 300, "locale": "ja-JP", "currency": "JPY", "max_reviews": 5, "seed": 7}
    _same(catalogue_rows(custom, 0, 300), page=25, batch=3)


def test_ragged_rows_keys_appear_late_and_vanish() -> None:
    rows: list[dict[str, Any]] = [
        {ID_COLUMN: "a", "x": 1},
        {ID_COLUMN: "b", "y": "t", "x": None},
        {ID_COLUMN: "c"},
        {ID_COLUMN: "d", "z": {"p": 1}, "x": 2.5},
        {ID_COLUMN: "e", "z": {"q": "w"}, "y": None},
        {ID_COLUMN: "f", "z": None, "w": [1, 2]},
        {ID_COLUMN: "g", "w": [], "v": {}},
        {ID_COLUMN: "h", "n": None},
    ]
    _same(rows, page=2, batch=2)
    _same(rows, page=1, batch=8)


def test_dates_follow_the_builder_rule_not_arrow_s() -> None:
    rows = [
        {"d": "2024-01-05", "t": "2024-01-05T10:00:00+02:00", "mixed": "2024-01-05"},
        {"d": "2024-02-05", "t": "2024-01-05T10:00:00Z", "mixed": "2024-01-05T10:00"},
        {
            "d": None,
            "t": "2024-03-05T10:00:00-01:00",
            "mixed": "2024-01-06",
            "s": {"d": "2024-01-01"},
        },
        {"d": "2024-13-45", "l": ["2024-01-05"]},
    ]
    _same(rows, page=1, batch=2)
    _same(rows[:3], page=2, batch=2)


@pytest.mark.parametrize(
    "odd",
    [
        {"x": "text"},  # a number column meets text
        {"x": {"k": 1}},  # a key that is sometimes a dict
        {"x": 2**70},  # an integer past int64
        {"x": 2**63},
        {"x": -(2**63) - 1},
        {"x": True},
        {"l": [1, 2.0]},  # ints and whole floats inside a list
        {"l": [{"a": 1}, {"b": 2}]},  # objects with different keys inside a list
        {"l": [{"a": 1}, {"a": None}]},
        {"l": [1, "a"]},
        {"l": [None, 1.5]},
        {"s": "line\nbreak\u0001ctrl\u2028"},
        {"s": "\ud83d\ude00 and a lone \ud800"},
        {"big": 1e308, "small": 5e-324, "neg": -0.0},
        {ID_COLUMN: {"not": "an id"}},
    ],
)
def test_values_arrow_cannot_keep_exactly_give_the_same_frame(odd: dict[str, Any]) -> None:
    rows: list[dict[str, Any]] = [{ID_COLUMN: f"r{i}", "x": i, "l": [i]} for i in range(12)]
    rows[7] = {**rows[7], **odd}
    _same(rows, page=3, batch=2)


def test_raw_control_characters_and_duplicate_keys_are_refused_and_read_generally() -> None:
    decoder = PageDecoder()
    good = _reply([{"a": 1}], 3, [])
    raw_control = b'{"code":0,"data":{"count":3,"list":[{"a":"x\x01y"}]}}'
    duplicate = b'{"code":0,"data":{"count":3,"list":[{"a":1,"a":2}]}}'
    got = decoder([good, raw_control, duplicate], [_Request(i, 1) for i in (1, 2, 3)])
    assert got[0] is not None and got[0].table.to_pylist() == [{"a": 1}]
    assert got[1] is None and got[2] is None


def test_null_data_and_non_objects_are_left_to_the_general_path() -> None:
    decoder = PageDecoder()
    null_data = b'{"code":0,"message":"success","data":null}'
    non_object = _reply([{"a": 1}, 3], 2, [])
    null_item = _reply([{"a": 1}, None], 2, [])
    got = decoder([null_data, non_object, null_item], [_Request(i, 2) for i in (1, 2, 3)])
    assert got == [None, None, None]


def test_a_wider_type_in_a_later_batch_is_inferred_again() -> None:
    rows = [{"x": 1, "y": "a"} for _ in range(8)] + [{"x": 1.5, "y": "b"}]
    decoder = _same(rows, page=2, batch=2)
    assert decoder.refused == 0


def test_columns_and_labels_select_alike() -> None:
    rows = catalogue_rows({"rows": 120}, 0, 120)
    headers = [ResultHeader(h["key"], h["label"], h["format"]) for h in HEADERS]
    wanted = ["title", "seller.name", "tags", "listed_on"]
    pages = [rows[i : i + 30] for i in range(0, 120, 30)]
    decoder = PageDecoder()
    builder = FrameBuilder(headers, columns=wanted)
    bodies = [_reply(p, 120, []) for p in pages]
    for got in decoder(bodies, [_Request(i + 1, 30) for i in range(len(pages))]):
        assert got is not None
        builder.add_table(got.table)
    fast = builder.build(labels=True)
    slow = rows_to_frame(rows, headers, columns=wanted, labels=True)
    pd.testing.assert_frame_equal(fast, slow)
