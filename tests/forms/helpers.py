"""Helpers for the forms tests: edits in the wire shape for any field, and round trips."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coreclaw_pandas.forms import WorkerForm
from coreclaw_pandas.schema import Field
from coreclaw_pandas.schema import values as sv


def edited_value(field: Field) -> Any:
    """A value different from the default that fits the field, in the wire shape."""
    kind, options = field.kind, field.options
    if options and kind in ("string", "integer", "number"):
        return options[-1].value
    if options and kind == "array":
        return [options[-1].value]
    if kind == "boolean":
        return not field.default if field.has_default else True
    if kind in ("integer", "number"):
        low = field.minimum if field.minimum is not None else 0
        high = field.maximum if field.maximum is not None else low + 100
        value = low + (high - low) / 3
        return int(value) if kind == "integer" else round(value, 3) + 0.5 * (value == int(value))
    if kind == "string" and field.editor == "datepicker" and field.value_format:
        pattern = sv.strftime_pattern(field.value_format)
        return dt.date(2026, 3, 4).strftime(pattern) if pattern else "edited"
    if kind == "string":
        return "edited text \u2713"
    if kind == "array" and field.editor == "requestListSource":
        extra = {c.param: "5" for c in field.param_list if c.param != "url"}
        return [{"url": "https://edited.example/a", **extra}, {"url": "https://edited.example/b"}]
    if kind == "array" and field.item_shape == "strings":
        return ["first", "second"]
    if kind == "array" and field.item_key:
        return [
            {field.item_key: "https://edited.example/1"},
            {field.item_key: "https://edited.example/2"},
        ]
    if kind == "array":
        return [{"edited": 1}, {"two": [2]}]
    return {"edited": [1, 2.5, None, "x"]}


def edited_values(form: WorkerForm) -> dict[str, Any]:
    return {f.name: edited_value(f) for f in form.schema}


def assert_round_trip(form: WorkerForm) -> dict[str, Any]:
    """Set every control to an edit; each control and the form give it back as built."""
    edits = edited_values(form)
    for name, value in edits.items():
        form.controls[name].value = value
        assert form.controls[name].value == value, name
    assert form.value == form.schema.build(edits)
    assert form.schema.validate(form.value) == []
    assert form.validate() == []
    return edits


