"""Coercing values to the wire shape: lists, numbers, dates, JSON text, NumPy and pandas."""

import datetime as dt
import json

import pytest

from coreclaw_pandas.schema import (
    parse_input_schema,
)

from .helpers import problems_of

# --- normalisation conveniences --------------------------------------------------------------


def test_list_inputs_take_one_string_and_plain_strings(demo):
    built = demo.build({
        "urls": "https://a.example",
        "terms": ("coffee", "tea"),
        "tags": [{"string": "x"}, "y", "", None, float("nan")],
    })  # fmt: skip
    assert built["urls"] == [{"url": "https://a.example"}]
    assert built["terms"] == [{"string": "coffee"}, {"string": "tea"}]
    assert built["tags"] == ["x", "y"]  # mirrors the default's plain strings, empties dropped
    one_url = {"urls": ["u"], "sources": "https://s.example"}  # becomes row 1, lacking `depth`
    assert problems_of(demo, one_url) == [
        "row 1 of `sources` has no `depth` (Depth), which is required"
    ]
    assert demo.field("terms").notes  # no default: the platform's {"string": ...} is a guess
    row = {"url": "https://s.example", "depth": 2, "mode": "fast"}
    assert demo.build({"urls": ["u"], "sources": [row]})["sources"] == [row]


def test_list_items_keep_a_custom_key_from_the_default():
    schema = parse_input_schema({"properties": [{"name": "links", "type": "array",
        "editor": "requestList", "default": [{"link": "https://a.example"}]}]})  # fmt: skip
    field = schema.field("links")
    assert (field.item_shape, field.item_key) == ("objects", "link")
    assert schema.build({"links": ["b"]}) == {"links": [{"link": "b"}]}
    assert problems_of(schema, {"links": [{"url": "b"}]}) == [
        "item 1 of `links` must be an object like {'link': '...'}, got dict {'url': 'b'}"
    ]


def test_numbers(demo):
    assert demo.build({"urls": ["u"], "max_results": 5.0})["max_results"] == 5
    assert demo.build({"urls": ["u"], "ratio": 1})["ratio"] == 1
    assert problems_of(demo, {"urls": ["u"], "max_results": 5.5}) == [
        "`max_results` must be an integer, got float 5.5"
    ]
    assert problems_of(demo, {"urls": ["u"], "max_results": 0}) == [
        "`max_results` must be at least 1, got 0"
    ]
    assert problems_of(demo, {"urls": ["u"], "ratio": float("nan")}) == [
        "`ratio` must be a finite number, got nan"
    ]
    assert problems_of(demo, {"urls": ["u"], "ratio": "0.3"}) == [
        "`ratio` must be a number, got str '0.3'"
    ]
    assert problems_of(demo, {"urls": ["u"], "category": "1"}) == [
        "`category` must be an integer, got str '1'; allowed: 1, 2"
    ]


def test_datepicker_values():
    schema = parse_input_schema({"properties": [
        {"name": "d", "type": "string", "editor": "datepicker", "valueFormat": "YYYY-MM-DD"},
        {"name": "t", "type": "string", "editor": "datepicker",
         "valueFormat": "DD/MM/YYYY HH:mm:ss"},
        {"name": "n", "type": "string", "editor": "datepicker"},
        {"name": "odd", "type": "string", "editor": "datepicker", "valueFormat": "Do MMM YYYY"},
    ]})  # fmt: skip
    when = dt.datetime(2026, 3, 4, 5, 6, 7)
    assert schema.build({"d": when.date(), "t": when, "n": when, "odd": "4th Mar 2026"}) == {
        "d": "2026-03-04", "t": "04/03/2026 05:06:07", "n": "2026-03-04", "odd": "4th Mar 2026",
    }  # fmt: skip
    assert any("YYYY-MM-DD" in n for n in schema.field("n").notes)
    assert any("cannot check" in n for n in schema.field("odd").notes)
    assert problems_of(schema, {"d": "2026-3-4", "t": "04/03/2026"}) == [
        "`d` must be a date like YYYY-MM-DD, got '2026-3-4'",
        "`t` must be a date like DD/MM/YYYY HH:mm:ss, got '04/03/2026'",
    ]
    assert "pass a datetime.date" in problems_of(schema, {"d": 20260304})[0]


def test_json_fields_and_json_looking_text():
    schema = parse_input_schema({"properties": [
        {"name": "geo", "type": "object", "editor": "json"},
        {"name": "raw", "type": "string", "editor": "textarea", "default": '{"a": 1}'},
    ]})  # fmt: skip
    built = schema.build({"geo": '{"type": "Point"}'})
    assert built == {"geo": {"type": "Point"}, "raw": '{"a": 1}'}  # a string field stays a string
    assert schema.build({"raw": '{"b": 2}'})["raw"] == '{"b": 2}'
    assert "must be an object" in problems_of(schema, {"geo": "{broken"})[0]
    assert problems_of(schema, {"geo": {"a": [1, float("inf")]}}) == [
        "`geo` holds a non-finite number inf at ['a'][1]"
    ]
    assert problems_of(schema, {"geo": {"when": dt.date(2026, 1, 1)}}) == [
        "`geo` holds a date value at ['when'], which JSON cannot carry"
    ]


def test_numpy_and_pandas_values_become_plain():
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    schema = parse_input_schema({"properties": [
        {"name": "n", "type": "integer"}, {"name": "b", "type": "boolean"},
        {"name": "urls", "type": "array", "editor": "requestList"},
        {"name": "d", "type": "string", "editor": "datepicker", "valueFormat": "DD.MM.YYYY"},
    ]})  # fmt: skip
    built = schema.build({
        "n": np.int64(3), "b": np.bool_(True), "urls": pd.Series(["a", "b"]),
        "d": pd.Timestamp("2026-02-01"),
    })  # fmt: skip
    assert built == {"n": 3, "b": True, "urls": [{"url": "a"}, {"url": "b"}], "d": "01.02.2026"}
    assert type(built["n"]) is int and type(built["b"]) is bool
    assert json.loads(json.dumps(built)) == built
