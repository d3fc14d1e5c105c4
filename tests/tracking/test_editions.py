"""diff on the catalogue's seeded editions: the exact counts its README promises."""

from __future__ import annotations

import pandas as pd
import pytest

import coreclaw_pandas as cc

from .helpers import edition, expected


@pytest.mark.parametrize("number", [1, 2])
def test_consecutive_editions_differ_exactly_as_documented(configured, number):
    old, new = edition(number), edition(number + 1)
    d = cc.diff(old, new)  # the catalogue declares its key: product_id
    want = expected(number)
    assert want["changed"] == 99 and want["added"] == 10
    assert d.key == ["product_id"]
    counts = d.counts()
    assert {k: counts[k] for k in want} == want
    assert counts["duplicate_key"] == counts["no_key"] == 0
    assert len(d.added) == len(d.removed) == 10 and len(d.unchanged) == want["unchanged"]
    changed = d.changed
    assert sorted(changed["field"].unique()) == ["price", "price_text"]
    assert (changed.groupby("field").size() == want["changed"]).all()
    prices = changed[changed["field"] == "price"]
    assert (prices["new"].astype(float) > prices["old"].astype(float)).all()
    digits = d.changed_rows["index"] % 10
    assert (digits == (number + 1) % 10).all()
    assert d.removed["index"].max() < d.added["index"].min()
    summary = d.summary()
    assert summary.query("what == 'field'").set_index("name")["count"].to_dict() == {
        "price": want["changed"], "price_text": want["changed"]}


def test_tolerance_and_ignore_hide_the_price_rises(configured):
    old, new = edition(1), edition(2)
    d = cc.diff(old, new, key="product_id", ignore=["price_text"], tolerance={"price": 1e9})
    assert d.counts()["changed"] == 0 and d.counts()["unchanged"] == 990


def test_frames_and_runs_give_the_same_diff(configured):
    old, new = edition(1, rows=200), edition(2, rows=200)
    by_run = cc.diff(old, new, key="product_id").counts()
    by_frame = cc.diff(cc.results_df(old), cc.results_df(new), key="product_id").counts()
    assert by_run == by_frame == {"added": 2, "removed": 2, "changed": 20, "unchanged": 178,
                                  "duplicate_key": 0, "no_key": 0}


def test_the_workbook_has_one_sheet_per_status(configured, tmp_path):
    import openpyxl

    d = cc.diff(edition(1, rows=200), edition(2, rows=200), key="product_id")
    path = d.to_excel(tmp_path / "changes.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Changed", "Changed rows", "Added", "Removed"]
    changed = pd.read_excel(path, sheet_name="Changed")
    assert len(changed) == 40 and set(changed["field"]) == {"price", "price_text"}
    assert len(pd.read_excel(path, sheet_name="Added")) == 2
    sheet = book["Changed rows"]
    header = [cell.value for cell in sheet[1]]
    filled = {
        (cell.row, header[cell.column - 1])
        for row in sheet.iter_rows(min_row=2) for cell in row
        if cell.fill.fill_type == "solid"
    }
    assert sheet.max_row == 21 and len(filled) == 40
    assert {name for _, name in filled} == {"price", "price_text"}
