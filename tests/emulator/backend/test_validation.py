"""The emulator's own input checks (custom and system), without a server."""

from __future__ import annotations

import pytest

from coreclaw_pandas.emulator.backend.validation import check_custom, check_system

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
