"""Export rendering (CSV, JSON), without a server."""

from __future__ import annotations

import json

from coreclaw_pandas.emulator.backend import exports
from coreclaw_pandas.emulator.backend.ids import data_id, encode_row
from coreclaw_pandas.emulator.backend.state import Export


def _export(fmt, keys=(), headers=({"key": "b", "label": "B", "format": "text"},)):
    rows = [
        encode_row(r, data_id("R", i))
        for i, r in enumerate([{"b": 1, "a": {"x": [1]}}, {"b": None, "c": True, "a": "=1+1"}, {}])
    ]
    return Export("t", "R", fmt, tuple(keys), headers, rows, 0.0)


def test_csv_export_columns_and_cells():
    text = b"".join(exports.render(_export("csv"))).decode()
    assert text.splitlines() == ["b,a,c", '1,"{""x"":[1]}",', ",=1+1,true", ",,"]


def test_json_export_drops_the_id_unless_asked():
    rows = json.loads(b"".join(exports.render(_export("json"))))
    assert rows == [{"b": 1, "a": {"x": [1]}}, {"b": None, "c": True, "a": "=1+1"}, {}]
    picked = json.loads(b"".join(exports.render(_export("json", ["c", "__coreclaw_data_id__"]))))
    assert picked[1] == {"c": True, "__coreclaw_data_id__": data_id("R", 1)}
    assert json.loads(b"".join(exports.render(Export("t", "R", "json", (), (), [], 0.0)))) == []
