"""`cc.export` with every v2 export format, end to end: exported on the platform,
downloaded without the key, non-empty, and holding every row."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc

from ..emulator.v2.test_export_formats import parse

CATALOGUE = "coreclaw/catalogue-generator"
ROWS = 7
#: Rows each format holds: tabular formats add a header row.
EXPECTED = {
    "csv": ROWS + 1,
    "json": ROWS,
    "jsonl": ROWS,
    "xlsx": ROWS + 1,
    "xls": ROWS + 1,
    "xml": ROWS,
    "html": ROWS + 1,
    "rss": ROWS,
}


@pytest.fixture
def v2(emu):
    client = cc.Client(emu.api_key, base_url=emu.url, api_version="v2", backoff_factor=0.01)
    yield client
    client.close()


def test_the_client_lists_the_eight_formats(v2):
    assert v2._wire.export_formats == tuple(EXPECTED)


@pytest.mark.parametrize("fmt", list(EXPECTED))
def test_cc_export_writes_every_format(v2, emu, tmp_path, fmt):
    run = v2.wait(v2.start_run(CATALOGUE, {"rows": ROWS}).slug)
    path = cc.export(run, tmp_path / f"rows.{fmt}", format=fmt, client=v2, progress=False)
    content = path.read_bytes()
    assert content
    assert len(parse(fmt, content)) == EXPECTED[fmt]
    downloads = [r for r in emu.requests if r.path.startswith("/_emulator/exports/")]
    assert [r.has_auth for r in downloads] == [False]


def test_v1_keeps_to_csv_and_json(client):
    with pytest.raises(cc.InputError, match="csv, json"):
        client.export_url("01ZZZZZZZZZZZZZZZZZZZZZZZZ", format="xml")
