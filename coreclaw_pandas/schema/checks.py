"""Checking a Worker input value against its field: one line per problem, never a raise.

:func:`value_problems` takes a field and a value already passed through
:func:`~coreclaw_pandas.schema.values.coerce` and says, in words a notebook user
can act on, everything that does not fit: the JSON kind, bounds, options, date
format, list items and requestListSource rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .values import (
    CHOICE_EDITORS,
    EDITORS,
    JSON_TYPES,
    fits_kind,
    json_kind,
    matches_date_format,
    phrase,
    strftime_pattern,
)

if TYPE_CHECKING:
    from .fields import Field, Option

__all__ = ["value_problems"]


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _allowed(options: tuple[Option, ...]) -> str:
    shown = ", ".join(repr(o.value) for o in options[:20])
    return shown + (f", ... ({len(options)} in all)" if len(options) > 20 else "")


def _same_value(a: Any, b: Any) -> bool:
    # 1 and True are equal in Python but not in JSON; 1 and 1.0 are the same JSON number.
    ka, kb = json_kind(a), json_kind(b)
    numeric = {"integer", "number"}
    return (ka == kb or (ka in numeric and kb in numeric)) and a == b


def _type_hint(field: Field, value: Any) -> str:
    kind = field.kind
    if isinstance(value, str) and kind in ("array", "object"):
        return f"; a JSON string must parse to {'a list' if kind == 'array' else 'an object'}"
    if field.options and kind == "array":
        return f"; pass a list such as [{field.options[0].value!r}]"
    if field.options and kind != "object":
        return f"; allowed: {_allowed(field.options)}"
    if kind == "string" and isinstance(value, Mapping | list):
        return "; pass json.dumps(value) if the field holds JSON text"
    if kind == "string" and field.editor == "datepicker":
        return "; pass a datetime.date or a string in the field's value format"
    return ""


def _json_problem(value: Any, where: str = "") -> str | None:
    """Where (if anywhere) a value holds something JSON cannot carry."""
    at = f" at {where}" if where else ""
    if isinstance(value, float) and not math.isfinite(value):
        return f"a non-finite number {value!r}{at}"
    if value is None or isinstance(value, str | bool | int | float):
        return None
    if isinstance(value, list | tuple):
        found = (_json_problem(item, f"{where}[{i}]") for i, item in enumerate(value))
        return next((f for f in found if f), None)
    if isinstance(value, Mapping):
        bad_keys = [k for k in value if not isinstance(k, str)]
        if bad_keys:
            return f"a non-string key {bad_keys[0]!r}{at}"
        found = (_json_problem(item, f"{where}[{key!r}]") for key, item in value.items())
        return next((f for f in found if f), None)
    return f"a {type(value).__name__} value{at}, which JSON cannot carry"


def _bounds_problems(field: Field, value: float) -> list[str]:
    name, number = f"`{field.name}`", float(value)
    if not math.isfinite(number):
        return [f"{name} must be a finite number, got {value!r}"]
    if field.minimum is not None and number < field.minimum:
        return [f"{name} must be at least {field.minimum:g}, got {value!r}"]
    if field.maximum is not None and number > field.maximum:
        return [f"{name} must be at most {field.maximum:g}, got {value!r}"]
    return []


def _choice_problems(field: Field, value: Any) -> list[str]:
    if not field.options or field.kind == "object":
        return []
    if field.editor not in CHOICE_EDITORS and field.editor in EDITORS:
        return []  # options on, say, an input are suggestions, not a closed list
    values = value if isinstance(value, list) else [value]
    bad = [v for v in values if not any(_same_value(v, o.value) for o in field.options)]
    if not bad:
        return []
    what = ", ".join(repr(v) for v in bad)
    return [f"`{field.name}` has {what}, not among its options; allowed: {_allowed(field.options)}"]


def _row_problems(field: Field, items: list[Any]) -> list[str]:
    """Rows of a requestListSource: a `url` plus the `param_list` columns."""
    problems: list[str] = []
    for number, row in enumerate(items, start=1):
        where = f"row {number} of `{field.name}`"
        if not isinstance(row, Mapping):
            problems.append(
                f"{where} must be an object like {{'url': '...'}}, got {_describe(row)}"
            )
            continue
        url = row.get("url")
        if not isinstance(url, str) or not url.strip():
            problems.append(f"{where} has no `url`")
        for column in field.param_list:
            if column.param == "url":
                continue  # checked above, whatever the column says
            cell = row.get(column.param)
            if cell is None or cell == "":
                if column.required:
                    problems.append(
                        f"{where} has no `{column.param}` ({column.title}), which is required"
                    )
                continue
            if column.type in JSON_TYPES and not fits_kind(column.type, cell):
                want = phrase(column.type)
                problems.append(f"{where}: `{column.param}` must be {want}, got {_describe(cell)}")
            elif column.options and not any(_same_value(cell, o.value) for o in column.options):
                problems.append(
                    f"{where}: `{column.param}` is {cell!r}; allowed: {_allowed(column.options)}"
                )
    return problems


def _item_problems(field: Field, items: list[Any]) -> list[str]:
    name = f"`{field.name}`"
    objects = [i for i in items if isinstance(i, Mapping)]
    if objects and len(objects) != len(items):
        return [f"{name} mixes objects and plain values; every item must be the same kind"]
    if field.editor == "requestListSource":
        return _row_problems(field, items)
    problems: list[str] = []
    key = field.item_key
    for number, item in enumerate(items, start=1):
        if field.item_shape == "objects" and key:
            if not isinstance(item, Mapping) or not isinstance(item.get(key), str):
                like = f"{{{key!r}: '...'}}"
                problems.append(
                    f"item {number} of {name} must be an object like {like}, got {_describe(item)}"
                )
        elif field.item_shape == "strings" and not isinstance(item, str):
            problems.append(f"item {number} of {name} must be a string, got {_describe(item)}")
    return problems


def value_problems(field: Field, value: Any) -> list[str]:
    """Every problem with ``value`` as the (normalised) value of ``field``; [] when it fits."""
    name = f"`{field.name}`"
    kind = field.kind
    if not fits_kind(kind, value):
        return [f"{name} must be {phrase(kind)}, got {_describe(value)}{_type_hint(field, value)}"]
    # Scalars are fully checked below; only containers (and untyped values) can hide odd leaves.
    bad_json = _json_problem(value) if kind in ("array", "object", "any") else None
    if bad_json:
        return [f"{name} holds {bad_json}"]
    problems: list[str] = []
    if kind in ("integer", "number"):
        problems += _bounds_problems(field, value)
    elif kind == "string" and field.editor == "datepicker" and field.value_format:
        pattern = strftime_pattern(field.value_format)
        if pattern and value and not matches_date_format(value, pattern):
            problems.append(f"{name} must be a date like {field.value_format}, got {value!r}")
    elif kind == "array":
        if field.required and not value:
            return [f"{name} is required but empty; give at least one item"]
        problems += _item_problems(field, value)
    problems += _choice_problems(field, value)
    return problems
