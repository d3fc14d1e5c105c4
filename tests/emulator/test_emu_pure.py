"""The version-neutral pieces without a server: validation, slugs, row encoding, exports."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from emu_helpers import COUNTER

from coreclaw_pandas.emulator.backend import exports
from coreclaw_pandas.emulator.backend.ids import data_id, encode_row, new_slug, stable_slug
from coreclaw_pandas.emulator.backend.state import Export, State
from coreclaw_pandas.emulator.backend.validation import check_custom, check_system
from coreclaw_pandas.emulator.control import Emulator
from coreclaw_pandas.emulator.messages import money

SCHEMA = {
    "properties": [
        {"name": "a", "type": "string", "required": True},
        {"name": "n", "type": "integer", "minimum": 1, "maximum": 5},
        {"name": "x", "type": "number"},
        {"name": "flag", "type": "boolean", "editor": "radio"},  # type decides, not editor
        {"name": "anything"},
    ]
}


@pytest.mark.parametrize(
    ("custom", "problem"),
    [
        ({"a": "ok"}, None),
        ({"a": "ok", "n": 5, "x": 1, "flag": False, "anything": [1]}, None),
        ({"a": "ok", "unknown": 1}, None),
        ({}, "missing required field(s): a"),
        ({"a": ""}, "missing required field(s): a"),
        ({"a": 1}, "field 'a' must be of type string, got integer"),
        ({"a": "ok", "n": True}, "field 'n' must be of type integer, got boolean"),
        ({"a": "ok", "n": 2.0}, "field 'n' must be of type integer, got number"),
        ({"a": "ok", "n": 6}, "field 'n' must be <= 5, got 6"),
        ({"a": "ok", "x": "1"}, "field 'x' must be of type number, got string"),
        ({"a": "ok", "flag": "true"}, "field 'flag' must be of type boolean, got string"),
        ([], "must be an object, got array"),
        ("{}", "must be an object, got string"),
    ],
)
def test_check_custom(custom, problem):
    problems = check_custom(SCHEMA, custom)
    assert problems == ([] if problem is None else [problem])


def test_check_system():
    good = {
        "cpus": 0.25,
        "memory": 1024,
        "execute_limit_time_seconds": 0,
        "max_total_charge": 1.5,
        "max_total_traffic": 0,
    }
    assert check_system(good) == []
    assert check_system({**good, "proxy_region": "JP"}) == []
    assert "proxy_region" in check_system({**good, "proxy_region": "us"})[0]
    assert "memory" in check_system({**good, "memory": 768})[0]
    assert "cpus" in check_system({**good, "cpus": 0})[0]
    assert "max_total_charge" in check_system({**good, "max_total_charge": -1})[0]
    assert check_system({"cpus": 1}) == [
        "missing required field(s): memory, execute_limit_time_seconds, max_total_charge, "
        "max_total_traffic"
    ]


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


def test_money_format():
    assert money(Decimal(0)) == "0.0000"
    assert money(Decimal("0.0542")) == "0.0542"
    assert money(Decimal("0.00001")) == "0.00001"
    assert money(Decimal("12.5")) == "12.5000"


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


def test_state_search_and_worker_replacement():
    replacement = type(COUNTER)(
        **{**COUNTER.__dict__, "slug": "01TESTREPLACEMENT000000000", "title": "Replaced"}
    )
    state = State([COUNTER, replacement])
    assert [w.title for w in state.workers.values()] == ["Replaced"]
    assert state.find_worker("TESTS/COUNTER").title == "Replaced"
    assert state.search_workers("replaced", 10) and not state.search_workers("nothing here", 10)
    assert len(state.tasks) == 1


def test_emulator_offers_builtins_and_extras():
    emu = Emulator(workers=[COUNTER])
    paths = {w.path for w in emu.workers}
    assert {
        "tests/counter",
        "coreclaw/web-page-scraper",
        "coreclaw/catalogue-generator",
        "coreclaw/failing-worker",
        "coreclaw/slow-worker",
    } <= paths
    assert {w.path for w in Emulator(workers=[COUNTER], builtin=False).workers} == {"tests/counter"}
    with pytest.raises(ValueError):
        Emulator(api_keys=[])


def test_the_emulator_imports_only_the_stdlib_and_itself():
    import ast
    import sys
    from pathlib import Path

    import coreclaw_pandas.emulator as package

    root = Path(package.__file__).parent
    offenders = []
    for source in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                depth = len(source.relative_to(root).parts) - 1  # packages below emulator/
                if node.level > depth + 1:
                    offenders.append(f"{source.name}: from {'.' * node.level}{node.module}")
                continue
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                top = name.split(".")[0]
                if name.startswith("coreclaw_pandas.emulator"):
                    continue
                if top not in sys.stdlib_module_names:
                    offenders.append(f"{source.name}: import {name}")
    assert offenders == []
