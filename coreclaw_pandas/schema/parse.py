"""Reading a Worker's schema descriptor into :mod:`coreclaw_pandas.schema` objects.

Real schemas miss documented keys, use editors nobody documented, pair editors
with types they were not made for, and sometimes come as a JSON-Schema-style
dict. Nothing here raises: each oddity becomes a note on the schema or on the
field, and the field is read as well as its keys allow.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from . import checks
from . import values as sv
from .fields import Field, InputSchema, Option, ParamColumn
from .values import MISSING

# The CLI accepts `.` and `-` in names besides the documented [A-Za-z0-9_] (docs/platform.md §5.3).
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def parse_input_schema(custom: Any) -> InputSchema:
    """Parse a Worker's input-schema descriptor (``data.parameters.custom``).

    It never raises: missing keys, unknown editors, mismatched editor/type pairs,
    ``properties`` given as a dict, non-dict items and the like become notes on
    the schema or on the field concerned.

    Args:
        custom: The descriptor: a dict with ``properties`` (also accepted: a JSON
            string of one, a whole ``/api/scraper`` reply, or None).

    Returns:
        The parsed schema.
    """
    notes: list[str] = []
    root = _unwrap(custom, notes)
    props = _property_list(root.get("properties"), notes)
    top_required = (
        cast(list[Any], root.get("required")) if isinstance(root.get("required"), list) else []
    )
    fields: list[Field] = []
    seen: set[str] = set()
    for index, prop in enumerate(props, start=1):
        if not isinstance(prop, Mapping):
            notes.append(f"property #{index} is a {type(prop).__name__}, not an object; ignored")
            continue
        name = prop.get("name")
        if not isinstance(name, str) or not name.strip():
            notes.append(f"property #{index} has no `name`, so it has no key to send; ignored")
            continue
        if name in seen:
            notes.append(f"property #{index} repeats the name `{name}`; the first one is used")
            continue
        seen.add(name)
        fields.append(_parse_field(prop, name, name in top_required))
    description = root.get("description")
    return InputSchema(
        fields=tuple(fields),
        description=description if isinstance(description, str) else "",
        split_fields=_split_fields(root, fields, notes),
        notes=tuple(notes),
        raw=root,
    )


def _unwrap(custom: Any, notes: list[str]) -> dict[str, Any]:
    if custom is None:
        notes.append("no input schema was given; the Worker takes no custom input")
        return {}
    if isinstance(custom, str | bytes):
        try:
            custom = json.loads(custom)
        except ValueError:
            notes.append("the schema is a string that is not JSON; ignored")
            return {}
        notes.append("the schema came as a JSON string; it was decoded")
    if not isinstance(custom, Mapping):
        notes.append(f"the schema is a {type(custom).__name__}, not an object; ignored")
        return {}
    # Tolerate a whole /api/scraper reply (or its `data`) where only `custom` was meant.
    path: list[str] = []
    while "properties" not in custom:
        key = next(
            (k for k in ("data", "parameters", "custom") if isinstance(custom.get(k), Mapping)),
            None,
        )
        if key is None:
            break
        path.append(key)
        custom = custom[key]
    if path:
        notes.append(f"the schema was found under `{'.'.join(path)}`; the wrapper was skipped")
    return dict(custom)


def _split_fields(
    root: Mapping[str, Any], fields: list[Field], notes: list[str]
) -> tuple[str, ...]:
    names: list[str] = []
    legacy = root.get("b")
    if isinstance(legacy, str) and legacy:
        names.append(legacy)
    elif isinstance(legacy, list) and all(isinstance(n, str) for n in legacy):
        names += legacy
    elif legacy not in (None, ""):
        notes.append(f"`b` is {legacy!r}, not a field name; ignored")
    concurrency = root.get("concurrency")
    listed = concurrency.get("fields") if isinstance(concurrency, Mapping) else None
    if isinstance(listed, list) and all(isinstance(n, str) for n in listed):
        names += listed
    elif concurrency is not None:
        notes.append("`concurrency` has no list of `fields`; ignored")
    kinds = {f.name: f.kind for f in fields}
    for name in dict.fromkeys(names):
        if name not in kinds:
            notes.append(f"the split field `{name}` is not among the properties")
        elif kinds[name] not in ("array", "any"):
            notes.append(
                f"the split field `{name}` is a {kinds[name]}, but the platform splits by a list"
            )
    return tuple(dict.fromkeys(names))


def _property_list(props: Any, notes: list[str]) -> list[Any]:
    if props is None:
        notes.append("the schema has no `properties`")
        return []
    if isinstance(props, list):
        return props
    if isinstance(props, Mapping):
        # JSON-Schema style: {name: {...}}; the key is the name unless the entry says otherwise.
        notes.append("`properties` is a dict, not a list; its entries were read in order")
        return [{"name": k, **v} if isinstance(v, Mapping) else v for k, v in props.items()]
    notes.append(f"`properties` is a {type(props).__name__}, not a list; no fields were read")
    return []


def _text(prop: Mapping[str, Any], key: str, notes: list[str]) -> str | None:
    value = prop.get(key)
    if value is None or isinstance(value, str):
        return value
    notes.append(f"`{key}` is a {type(value).__name__}, not a string; it was converted")
    return str(value)


def _flag(prop: Mapping[str, Any], key: str, notes: list[str]) -> bool:
    value = prop.get(key, False)
    if isinstance(value, bool):
        return value
    guessed = value.strip().lower() == "true" if isinstance(value, str) else bool(value)
    notes.append(f"`{key}` is {value!r}, not true/false; read as {guessed}")
    return guessed


def _bound(prop: Mapping[str, Any], key: str, notes: list[str]) -> float | None:
    value = prop.get(key)
    if value is None:
        return None
    try:
        parsed = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer past 1e308
        notes.append(f"`{key}` is {_short(value)}, not a number; ignored")
        return None
    if not math.isfinite(parsed):
        # An infinite or NaN bound checks nothing and breaks number widgets: no bound.
        notes.append(f"`{key}` is {_short(value)}, not a finite number; ignored")
        return None
    if sv.json_kind(value) not in ("integer", "number"):
        notes.append(f"`{key}` is {value!r}, not a number; read as {parsed:g}")
    return parsed


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _options(raw: Any, notes: list[str], where: str = "") -> tuple[Option, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        notes.append(f"{where}`options` is a {type(raw).__name__}, not a list; ignored")
        return ()
    options: list[Option] = []
    for item in raw:
        if isinstance(item, Mapping) and ("value" in item or "label" in item):
            value = item["value"] if "value" in item else item["label"]
            if "value" not in item:
                notes.append(f"{where}option {item['label']!r} has no `value`; its label is used")
            label = item.get("label")
            options.append(Option(str(value) if label is None else str(label), value))
        elif sv.json_kind(item) in ("string", "integer", "number", "boolean"):
            options.append(Option(str(item), item))
        else:
            notes.append(f"{where}option {item!r} has neither label nor value; ignored")
    return tuple(options)


def _param_list(raw: Any, notes: list[str]) -> tuple[ParamColumn, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        notes.append(f"`param_list` is a {type(raw).__name__}, not a list; ignored")
        return ()
    columns: list[ParamColumn] = []
    for item in raw:
        param = item.get("param") if isinstance(item, Mapping) else None
        if not isinstance(param, str) or not param:
            notes.append(f"`param_list` entry {item!r} has no `param`; ignored")
            continue
        where = f"column `{param}`: "
        columns.append(
            ParamColumn(
                param=param,
                title=str(item.get("title") or param),
                required=item.get("required") is True,
                description=str(item.get("description") or ""),
                type=item.get("type") if isinstance(item.get("type"), str) else None,
                editor=item.get("editor") if isinstance(item.get("editor"), str) else None,
                options=_options(item.get("options"), notes, where),
            )
        )
    return tuple(columns)


def _item_shape(
    editor: str | None, kind: str, default: Any, notes: list[str]
) -> tuple[str | None, str | None]:
    if kind != "array" or (editor in sv.EDITORS and editor not in sv.LIST_EDITORS):
        return None, None
    shape, key = sv.LIST_CONVENTION.get(editor or "", (None, None))
    items = default if isinstance(default, list) else []
    if editor == "requestListSource" or not items:
        if editor == "stringList":
            notes.append(
                "no default to mirror; items are sent as {'string': ...} like the platform's tools"
            )
        return shape, key
    if all(isinstance(i, str) for i in items):
        return "strings", key
    if all(isinstance(i, Mapping) for i in items):
        if key in items[0]:
            return "objects", key
        if len(items[0]) == 1:
            return "objects", next(iter(items[0]))
    notes.append(f"the default's items have no single shape; {shape or 'no'} item shape is assumed")
    return shape, key


def _parse_field(prop: Mapping[str, Any], name: str, top_required: bool) -> Field:
    # Each reader appends its notes in turn, so a field's notes read in the order of its keys.
    notes: list[str] = []
    if not _NAME_RE.match(name):
        notes.append(f"the name {name!r} has characters the docs do not allow; it is sent as is")
    raw_type = prop.get("type")
    type_ = _read_type(raw_type, notes)
    editor = _read_editor(prop, notes)
    default = _read_default(prop, notes)
    multiple = _flag(prop, "multiple", notes)
    options = _options(prop.get("options"), notes)
    kind = sv.infer_kind(type_, editor, multiple, default, raw_type, options)
    notes += _kind_notes(raw_type, type_, kind, editor, multiple, options)
    value_format = _read_value_format(prop, editor, kind, notes)
    item_shape, item_key = _item_shape(editor, kind, default, notes)
    parsed = Field(
        name=name,
        title=_text(prop, "title", notes) or name,
        type=type_,
        editor=editor,
        description=_text(prop, "description", notes) or "",
        default=default,
        required=_flag(prop, "required", notes) or top_required,
        options=options,
        multiple=multiple,
        minimum=_bound(prop, "minimum", notes),
        maximum=_bound(prop, "maximum", notes),
        format=_text(prop, "format", notes) if editor == "datepicker" else None,
        value_format=value_format,
        param_list=_param_list(prop.get("param_list"), notes),
        section_caption=_text(prop, "sectionCaption", notes),
        section_description=_text(prop, "sectionDescription", notes),
        item_shape=item_shape,
        item_key=item_key,
        raw=copy.deepcopy(dict(prop)),
    )
    notes += _default_problems(parsed)
    return replace(parsed, notes=tuple(dict.fromkeys(notes)))


def _read_type(raw_type: Any, notes: list[str]) -> str | None:
    """The documented JSON type named by ``type``, or None when it names none."""
    if isinstance(raw_type, list):
        # JSON-Schema unions such as ["string", "null"]: the value is the non-null one.
        known = [t for t in raw_type if isinstance(t, str) and t in sv.JSON_TYPES]
        type_ = known[0] if len(known) == 1 else None
        notes.append(f"`type` is the list {raw_type!r}; read as {type_ or 'unknown'}")
        return type_
    if isinstance(raw_type, str) and raw_type in sv.JSON_TYPES:
        return raw_type
    if raw_type is None:
        notes.append("no `type`; the value's type is guessed from the default or the editor")
    elif not (isinstance(raw_type, str) and raw_type.strip().lower() in sv.TYPE_ALIASES):
        notes.append(f"unknown `type` {raw_type!r}; the value's type is guessed")
    return None


def _read_editor(prop: Mapping[str, Any], notes: list[str]) -> str | None:
    editor = _text(prop, "editor", notes)
    if editor is None:
        notes.append("no `editor`; a form picks one from the type")
    elif editor not in sv.EDITORS:
        notes.append(f"unknown editor {editor!r}; a form falls back to one for the value's type")
    return editor


def _read_default(prop: Mapping[str, Any], notes: list[str]) -> Any:
    default = prop.get("default", MISSING)
    if default is None:
        notes.append("the default is null; treated as no default")
        return MISSING
    return default


def _kind_notes(
    raw_type: Any,
    type_: str | None,
    kind: str,
    editor: str | None,
    multiple: bool,
    options: tuple[Option, ...],
) -> list[str]:
    """What is odd about the pairing of type, editor, `multiple` and options."""
    notes: list[str] = []
    if type_ is None and isinstance(raw_type, str) and kind != "any":
        notes.append(f"`type` {raw_type!r} is read as {kind}")
    multi_select = editor == "select" and multiple
    if multi_select and type_ not in (None, "array"):
        notes.append(
            f"a select with `multiple` holds a list, but `type` says {type_}; a list is sent"
        )
    elif (
        not multi_select  # a multi-select holding a list is exactly what it is for
        and type_
        and editor in sv.EDITOR_TYPES
        and type_ not in sv.EDITOR_TYPES[cast(str, editor)]  # `editor in` above: not None
    ):
        notes.append(
            f"editor {editor!r} is not made for {sv.phrase(type_)}; the value must be one anyway"
        )
    if options and kind == "object":
        notes.append("`options` cannot apply to an object value; they are not checked")
    return notes


def _read_value_format(
    prop: Mapping[str, Any], editor: str | None, kind: str, notes: list[str]
) -> str | None:
    """A datepicker's value format (moment style); None for every other editor."""
    if editor != "datepicker":
        return None
    value_format = _text(prop, "valueFormat", notes) or _text(prop, "format", notes)
    if value_format is None and kind == "string":
        notes.append("no `valueFormat`; dates are sent as YYYY-MM-DD")
        return "YYYY-MM-DD"
    if value_format and sv.strftime_pattern(value_format) is None:
        notes.append(f"the value format {value_format!r} has tokens this client cannot check")
    return value_format


def _default_problems(parsed: Field) -> list[str]:
    """The default, checked like any value the field could be sent."""
    if not parsed.has_default:
        return []
    shaped = sv.coerce(parsed, copy.deepcopy(parsed.default))
    return [f"the default does not fit: {p}" for p in checks.value_problems(parsed, shaped)]
