"""Value shapes of Worker input fields: what each type and editor holds, and coercion.

Pure helpers behind :mod:`coreclaw_pandas.schema`: the vocabulary of JSON kinds
and editors, and :func:`coerce`, which returns a Python value in the shape the
platform wants where that is unambiguous. :mod:`.checks` says why a value does
not fit. Nothing here raises on odd values.
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

# The JSON types each editor is made for (docs/platform.md §5.4); other pairs still work, by `type`.
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


def matches_date_format(text: str, pattern: str) -> bool:
    """True if ``text`` is a date written exactly in the strftime ``pattern``."""
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
        # The platform drops empty items before splitting (platform.md §5.4); so do we, earlier.
        items = [i for i in items if not _is_empty_item(i)]
    key = field.item_key
    if field.item_shape == "objects" and key:
        return [{key: i} if isinstance(i, str) else i for i in items]
    if field.item_shape == "strings" and key:
        return [i[key] if isinstance(i, Mapping) and list(i) == [key] else i for i in items]
    return items


def coerce(field: Field, value: Any) -> Any:
    """Return ``value`` in the shape ``field`` wants, where the conversion is unambiguous.

    Anything that cannot be converted safely is returned as it is, for
    :func:`~coreclaw_pandas.schema.checks.value_problems` to report. Strings are
    never turned into numbers or back.
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
