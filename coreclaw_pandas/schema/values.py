"""Value shapes of Worker input fields: what each type/editor holds, normalising, checking.

Pure helpers behind :mod:`coreclaw_pandas.schema`. They take a parsed field and a
Python value and either return the value in the shape the platform wants
(:func:`normalise`) or say, in one line per problem, why it does not fit
(:func:`value_problems`). Nothing here raises on odd values.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import math
import numbers
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fields import Field, Option


class _Missing(enum.Enum):
    # An enum member survives copy.deepcopy and pickle as the same object, so `is MISSING` holds.
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing.MISSING

JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object"})
EDITORS = frozenset({
    "input", "textarea", "number", "select", "radio", "checkbox", "switch", "datepicker",
    "requestList", "requestListSource", "stringList", "json",
})  # fmt: skip
LIST_EDITORS = frozenset({"requestList", "requestListSource", "stringList"})
CHOICE_EDITORS = frozenset({"select", "radio", "checkbox"})

# The JSON types each editor is made for (CONTRACT.md §4.3); other pairs still work, by `type`.
_SCALAR = frozenset({"string", "integer", "number"})
_ARRAY = frozenset({"array"})
EDITOR_TYPES: Mapping[str, frozenset[str]] = {
    "input": _SCALAR, "textarea": _SCALAR, "select": _SCALAR, "radio": _SCALAR,
    "number": frozenset({"integer", "number"}), "switch": frozenset({"boolean"}),
    "datepicker": frozenset({"string"}), "checkbox": _ARRAY, "requestList": _ARRAY,
    "requestListSource": _ARRAY, "stringList": _ARRAY,
    # The docs' own example puts a start-URL array in a json editor.
    "json": frozenset({"object", "array"}),
}  # fmt: skip

# With no `type` and no default, the editor is the best evidence of the value's type.
_EDITOR_KIND = {
    "input": "string", "textarea": "string", "datepicker": "string", "number": "number",
    "switch": "boolean", "checkbox": "array", "requestList": "array",
    "requestListSource": "array", "stringList": "array", "json": "object",
}  # fmt: skip

# Lower-case spellings seen outside the documented six; the parser notes when it uses one.
TYPE_ALIASES = {
    "str": "string", "text": "string", "int": "integer", "float": "number", "double": "number",
    "bool": "boolean", "list": "array", "dict": "object", "json": "object",
}  # fmt: skip

# Item shape where a list editor has no default to mirror: what the platform's own tools send.
LIST_CONVENTION = {
    "requestList": ("objects", "url"),
    "requestListSource": ("objects", "url"),
    "stringList": ("objects", "string"),
}

_PHRASES = {
    "string": "a string", "integer": "an integer", "number": "a number",
    "boolean": "a boolean (True or False)", "array": "a list", "object": "an object (a dict)",
}  # fmt: skip

_MOMENT = re.compile(r"\[([^\]]*)\]|YYYY|YY|MM|DD|HH|mm|ss")
_STRFTIME = {"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def json_kind(value: Any) -> str | None:
    """The JSON type of a plain Python value, or None for null and non-JSON objects."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, numbers.Integral):
        return "integer"
    if isinstance(value, numbers.Real):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return None


def infer_kind(
    type_: str | None, editor: str | None, multiple: bool, default: Any, raw_type: Any,
    options: tuple[Option, ...],
) -> str:  # fmt: skip
    """The JSON type a field's value takes: `type`, else guessed from alias, default or editor."""
    if multiple and editor == "select":
        return "array"  # a multi-select holds a list whatever `type` says
    if type_ is not None:
        return type_
    if isinstance(raw_type, str) and raw_type.strip().lower() in TYPE_ALIASES:
        return TYPE_ALIASES[raw_type.strip().lower()]
    guessed = json_kind(default) if default is not MISSING else None
    if guessed:
        return guessed
    if editor in _EDITOR_KIND:
        return _EDITOR_KIND[editor]
    if editor in ("select", "radio") and options:
        kinds = {json_kind(o.value) for o in options}
        return "integer" if kinds == {"integer"} else "string"
    return "any"


def strftime_pattern(moment: str) -> str | None:
    """Translate a moment-style format (``DD/MM/YYYY``) to strftime; None if it has other tokens."""
    parts: list[str] = []
    pos = 0
    for match in _MOMENT.finditer(moment):
        literal = moment[pos : match.start()]
        if re.search(r"[A-Za-z]", literal):
            return None  # tokens such as `D`, `hh` or `A` that this client does not translate
        parts.append(literal.replace("%", "%%"))
        bracketed = match.group(1)
        parts.append(
            bracketed.replace("%", "%%") if bracketed is not None else _STRFTIME[match.group()]
        )
        pos = match.end()
    tail = moment[pos:]
    if re.search(r"[A-Za-z]", tail):
        return None
    parts.append(tail.replace("%", "%%"))
    return "".join(parts)


def _matches_date_format(text: str, pattern: str) -> bool:
    try:
        parsed = dt.datetime.strptime(text, pattern)
    except ValueError:
        return False
    # strptime accepts `5/1/2026` for %d/%m/%Y; moment's DD/MM mean two digits, so round-trip.
    return parsed.strftime(pattern) == text


def _plain(value: Any) -> Any:
    """Turn numpy scalars, tuples, sets and array-likes into plain Python values."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, set | frozenset):
        try:
            return sorted(value)  # a set has no order; sorting keeps repeated builds identical
        except TypeError:
            return list(value)
    if not isinstance(value, str | bytes | Mapping | list) and callable(
        getattr(value, "tolist", None)
    ):
        return value.tolist()  # numpy arrays, pandas Series and Index, without importing either
    return value


def _parse_json(text: str, want: type) -> Any:
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, want) else text


def _is_empty_item(item: Any) -> bool:
    if isinstance(item, float):
        return math.isnan(item)  # a gap in a pandas column
    return item is None or item == {} or (isinstance(item, str) and not item.strip())


def _shape_items(field: Field, items: list[Any]) -> list[Any]:
    if field.editor in LIST_EDITORS:
        # The platform drops empty items before splitting (CONTRACT.md §4.3); so do we, earlier.
        items = [i for i in items if not _is_empty_item(i)]
    key = field.item_key
    if field.item_shape == "objects" and key:
        return [{key: i} if isinstance(i, str) else i for i in items]
    if field.item_shape == "strings" and key:
        return [i[key] if isinstance(i, Mapping) and list(i) == [key] else i for i in items]
    return items


def normalise(field: Field, value: Any) -> Any:
    """Return ``value`` in the shape ``field`` wants, where the conversion is unambiguous.

    Anything that cannot be converted safely is returned as it is, for
    :func:`value_problems` to report. Strings are never turned into numbers or back.
    """
    value = _plain(value)
    kind = field.kind
    if kind == "array":
        if isinstance(value, str):
            if field.editor in LIST_EDITORS:
                value = [value]
            elif value.lstrip().startswith("["):
                value = _parse_json(value, list)
        if isinstance(value, list):
            value = _shape_items(field, [_plain(v) for v in value])
    elif kind == "object" and isinstance(value, str):
        value = _parse_json(value, dict)
    elif kind == "integer" and isinstance(value, float | decimal.Decimal):
        if math.isfinite(value) and value == int(value):
            value = int(value)
    elif kind == "number" and isinstance(value, decimal.Decimal) and value.is_finite():
        value = float(value)
    elif kind == "string" and isinstance(value, dt.date) and field.value_format:
        pattern = strftime_pattern(field.value_format)
        try:
            value = value.strftime(pattern) if pattern else value
        except ValueError:
            pass  # pandas.NaT and the like: reported as not a string
    return value


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


def fits_kind(kind: str, value: Any) -> bool:
    """True if ``value`` is a JSON value of ``kind`` (bool is not a number here)."""
    actual = json_kind(value)
    if kind == "any":
        return True
    if kind == "number":
        return actual in ("integer", "number")
    if kind == "array":
        return isinstance(value, list)
    return actual == kind


def phrase(kind: str) -> str:
    """How messages name a JSON type: ``"an integer"``, ``"a list"``..."""
    return _PHRASES.get(kind, f"a {kind}")


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
        if pattern and value and not _matches_date_format(value, pattern):
            problems.append(f"{name} must be a date like {field.value_format}, got {value!r}")
    elif kind == "array":
        if field.required and not value:
            return [f"{name} is required but empty; give at least one item"]
        problems += _item_problems(field, value)
    problems += _choice_problems(field, value)
    return problems
