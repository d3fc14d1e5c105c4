"""The eight v2 export formats (spec and production audit), case-insensitive, each
downloaded without a key and parsed back with the standard library (openpyxl for xlsx)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import openpyxl
import pytest
import requests

from coreclaw_pandas.emulator import Emulator

from ..v2_helpers import V2

ROWS = 25


class _Cells(HTMLParser):
    """Collects the text of each table row of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_cell = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        if self.in_cell:
            self.rows[-1][-1] += data


def parse(fmt: str, content: bytes) -> list[list[str]] | list[dict]:
    """Return the rows of an export file (header first for tabular formats)."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode())))
    if fmt == "json":
        return json.loads(content)
    if fmt == "jsonl":
        return [json.loads(line) for line in content.decode().splitlines()]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if fmt in ("html", "xls"):
        cells = _Cells()
        cells.feed(content.decode())
        return cells.rows
    root = ET.fromstring(content)
    items = root.findall("item") if fmt == "xml" else root.findall("channel/item")
    return [{child.tag: child.text for child in item} for item in items]


@pytest.fixture
def v2(emu: Emulator) -> V2:
    return V2(emu)


@pytest.fixture
def done(v2: V2) -> str:
    slug = v2.start({"rows": ROWS})
    assert v2.wait(slug)["status"] == "succeeded"
    return slug


@pytest.mark.parametrize(
    ("fmt", "asked", "count"),
    [
        ("csv", "CSV", ROWS + 1),
        ("json", "json", ROWS),
        ("jsonl", "JsonL", ROWS),
        ("xlsx", "xlsx", ROWS + 1),
        ("xls", "XLS", ROWS + 1),
        ("xml", "Xml", ROWS),
        ("html", "html", ROWS + 1),
        ("rss", "RSS", ROWS),
    ],
)
def test_every_format_downloads_with_every_row(v2, done, fmt, asked, count):
    url = v2.ok("GET", f"/worker-runs/{done}/result/export", params={"format": asked})[
        "download_url"
    ]
    assert url.endswith(f".{fmt}")
    reply = requests.get(url, timeout=30)  # no key
    assert reply.status_code == 200 and reply.content
    rows = parse(fmt, reply.content)
    assert len(rows) == count, rows[:3]


def test_markup_cells_and_names(v2, done):
    def fetch(fmt: str, keys: str = "") -> bytes:
        params = {"format": fmt, "filter_keys": keys} if keys else {"format": fmt}
        url = v2.ok("GET", f"/worker-runs/{done}/result/export", params=params)["download_url"]
        return requests.get(url, timeout=30).content

    xml_rows = parse("xml", fetch("xml", "n,nested,switch"))
    assert xml_rows[1] == {"n": "1", "nested": '{"even":false,"tags":["a",1]}', "switch": None}
    html_rows = parse("html", fetch("html", "n,label"))
    assert html_rows[:2] == [["n", "label"], ["0", "row 0 é"]]
    assert fetch("xls", "n,label") == fetch("html", "n,label")
    item = ET.fromstring(fetch("rss")).find("channel/item")
    assert item.findtext("title") == "row 0 é"
    assert json.loads(item.findtext("description"))["n"] == 0
    assert len(item.findtext("guid")) == 64  # the row id, stable across exports


def test_a_key_that_is_no_xml_name_becomes_a_named_field():
    from coreclaw_pandas.emulator.backend.exports import _xml_row

    text = _xml_row({"a b": "<x>", "ok": 1}, ["a b", "ok"])
    item = ET.fromstring(text)
    assert item.find("field").attrib == {"name": "a b"} and item.findtext("field") == "<x>"
    assert item.findtext("ok") == "1"
