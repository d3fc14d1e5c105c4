"""One ipywidgets control per Worker input editor, and the chooser that picks it.

:func:`make_control` picks a field's control by its editor, else by its type,
with JSON text as the last resort (and a note saying why). The scalar controls
live here; the base class is in :mod:`coreclaw_pandas.forms.control_base` and the
list-style row controls in :mod:`coreclaw_pandas.forms.row_controls`.

A control shows one parsed :class:`~coreclaw_pandas.schema.Field`: its label
(``*`` when required), the input widget(s), the help text (HTML sanitised), the
parser's notes and an error line. ``control.value`` reads and writes the value
in the shape ``custom`` sends; ``None`` means no value, so the schema's default
applies. A value the widget cannot show (a default of the wrong type, a choice
that is not an option) is kept as it is, so it still round-trips and the
schema's own checks report it. Nothing here judges values beyond what a widget
itself sees (JSON or number syntax): ``InputSchema.build`` is the one judge.

This module imports ipywidgets, so it is only imported when a form is built.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..schema import Field
from ..schema import values as sv
from .control_base import Control, parse_number, same_json_value
from .row_controls import RowsControl

__all__ = ["CONTROLS", "Control", "make_control"]

_FILL = {"width": "calc(100% - 6px)"}  # a text box's own margin would push 100% past the edge


def _bound_text(bound: float | None) -> str | None:
    if bound is None:
        return None
    return f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"


class TextControl(Control):
    """``input`` and ``textarea``: a string; an empty box means no value."""

    def __init__(self, field: Field, *, multiline: bool = False, note: str | None = None) -> None:
        self.renders_as = "textarea" if multiline else "input"
        super().__init__(field, note=note)

    def _build(self) -> W.Widget:
        cls = W.Textarea if self.renders_as == "textarea" else W.Text
        return self._watch(cls(layout=W.Layout(**_FILL), continuous_update=True))

    def _get(self) -> Any:
        return self.input.value or None

    def _set(self, value: Any) -> bool:
        if isinstance(value, str):
            self.input.value = value
        return isinstance(value, str)

    def _clear(self) -> None:
        self.input.value = ""


class NumberControl(Control):
    """``number``: typed as text, so it can be empty and is never clamped silently."""

    renders_as = "number"

    def _build(self) -> W.Widget:
        return self._watch(W.Text(placeholder=self._hint(), continuous_update=True))

    def _hint(self) -> str:
        f = self.field
        what = "whole number" if f.kind == "integer" else "number"
        low, high = _bound_text(f.minimum), _bound_text(f.maximum)
        if low and high:
            return f"{what}, {low} to {high}"
        return f"{what}, at least {low}" if low else f"{what}, at most {high}" if high else what

    def _get(self) -> Any:
        return parse_number(self.input.value)

    def _set(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        self.input.value = repr(value)
        return True

    def _clear(self) -> None:
        self.input.value = ""

    def local_problem(self) -> str | None:
        """Says when the text is not a number."""
        value = self._get()
        return f"{value!r} is not a number" if isinstance(value, str) else super().local_problem()


class SwitchControl(Control):
    """``switch``: a boolean. With no default it sends nothing until clicked."""

    renders_as = "switch"

    def _build(self) -> W.Widget:
        self._unset = True
        return self._watch(W.Checkbox(indent=False))

    def _widget_changed(self, _change: Any = None) -> None:
        if not self._setting:
            self._unset, self.input.description = False, ""
        super()._widget_changed(_change)

    def _get(self) -> Any:
        return None if self._unset else bool(self.input.value)

    def _set(self, value: Any) -> bool:
        if isinstance(value, bool):
            self._unset = False
            self.input.value, self.input.description = value, ""
        return isinstance(value, bool)

    def _clear(self) -> None:
        self._unset = True
        self.input.value, self.input.description = False, "(not set)"


class ChoiceControl(Control):
    """``select`` (a drop-down) and ``radio``: one option's value."""

    def __init__(self, field: Field, *, radio: bool = False, note: str | None = None) -> None:
        self.renders_as = "radio" if radio else "select"
        super().__init__(field, note=note)

    def _build(self) -> W.Widget:
        # Option indices as widget values: options may repeat a value or mix 1 and True.
        pairs = [(o.label, i) for i, o in enumerate(self.field.options)]
        if self.renders_as == "radio":
            return self._watch(W.RadioButtons(options=pairs, value=None))
        if not self.field.has_default:
            pairs.insert(0, ("\u2014", -1))  # a way back to "no value"
        return self._watch(W.Dropdown(options=pairs, value=None))

    def _get(self) -> Any:
        index = self.input.value
        return None if index is None or index < 0 else self.field.options[index].value

    def _set(self, value: Any) -> bool:
        found = [i for i, o in enumerate(self.field.options) if same_json_value(o.value, value)]
        if found:
            self.input.value = found[0]
        return bool(found)

    def _clear(self) -> None:
        self.input.value = None


class MultiControl(Control):
    """``checkbox`` (a box per option) and ``select`` with ``multiple``: a list of values."""

    def __init__(self, field: Field, *, boxes: bool = True, note: str | None = None) -> None:
        self.renders_as = "checkbox" if boxes else "select"
        self._order: list[Any] = []
        if field.has_default and _one_option(field, field.default):
            # The platform runs a `multiple` select on a string with a string default: send it.
            one = repr(field.default)
            adapted = f"The default {one} is one value: sent as a list [{one}]."
            note = f"{note} {adapted}" if note else adapted
        super().__init__(field, note=note)

    def _build(self) -> W.Widget:
        options = self.field.options
        if self.renders_as == "checkbox":
            self.boxes = [
                self._watch(W.Checkbox(description=o.label, indent=False)) for o in options
            ]
            return W.VBox(self.boxes)
        pairs = [(o.label, i) for i, o in enumerate(options)]
        return self._watch(W.SelectMultiple(options=pairs, rows=min(6, max(2, len(pairs)))))

    def _get(self) -> Any:
        if self.renders_as == "checkbox":
            indices = [i for i, box in enumerate(self.boxes) if box.value]
        else:
            indices = sorted(self.input.value)
        chosen = [self.field.options[i].value for i in indices]
        # Keep the order the value was given in (a default need not follow the options).
        kept = [v for v in self._order if any(same_json_value(v, c) for c in chosen)]
        values = kept + [c for c in chosen if not any(same_json_value(c, k) for k in kept)]
        return values or ([] if self.field.has_default else None)

    def _set(self, value: Any) -> bool:
        options = self.field.options
        if _one_option(self.field, value):
            value = [value]  # see __init__: one value is the list of it
        found = (
            [[i for i, o in enumerate(options) if same_json_value(o.value, v)] for v in value]
            if isinstance(value, list)
            else [[]]
        )
        if not all(found):
            return False
        indices = {f[0] for f in found}
        self._order = list(value)
        if self.renders_as == "checkbox":
            for i, box in enumerate(self.boxes):
                box.value = i in indices
        else:
            self.input.value = tuple(sorted(indices))
        return True

    def _clear(self) -> None:
        self._order = []
        if self.renders_as == "checkbox":
            for box in self.boxes:
                box.value = False
        else:
            self.input.value = ()


def _one_option(field: Field, value: Any) -> bool:
    """True for a single value (not a list) that is one of the field's options."""
    fits = any(same_json_value(o.value, value) for o in field.options)
    return fits and not isinstance(value, list)


class DateControl(Control):
    """``datepicker``: a date (and time, if the format has one), sent in ``valueFormat``."""

    renders_as = "datepicker"

    def _build(self) -> W.Widget:
        self._pattern = sv.strftime_pattern(self.field.value_format or "") or "%Y-%m-%d"
        self._timed = any(token in self._pattern for token in ("%H", "%M", "%S"))
        return self._watch(W.NaiveDatetimePicker() if self._timed else W.DatePicker())

    def _hint(self) -> str:
        return f"sent as {self.field.value_format}"

    def _get(self) -> Any:
        picked = self.input.value
        return picked.strftime(self._pattern) if picked else None

    def _set(self, value: Any) -> bool:
        try:
            if isinstance(value, dt.date):
                value = value.strftime(self._pattern)
            parsed = dt.datetime.strptime(value, self._pattern)
        except (TypeError, ValueError):
            return False
        # strptime takes 5/1/2026 for DD/MM/YYYY; keep such text as is for the check to name.
        if parsed.strftime(self._pattern) != value:
            return False
        self.input.value = parsed if self._timed else parsed.date()
        return True

    def _clear(self) -> None:
        self.input.value = None


class JsonControl(Control):
    """``json``, and the last resort for any value: JSON text, checked as you type."""

    renders_as = "json"

    def _build(self) -> W.Widget:
        what = f"JSON {self.field.kind}" if self.field.kind in ("object", "array") else "JSON"
        return self._watch(
            W.Textarea(
                layout=W.Layout(height="6em", **_FILL), placeholder=what, continuous_update=True
            )
        )

    def _get(self) -> Any:
        text = self.input.value
        try:
            return json.loads(text) if text.strip() else None
        except ValueError:
            return text  # the schema check then says it must be an object or a list

    def _set(self, value: Any) -> bool:
        if isinstance(value, str) and self.field.kind in ("object", "array"):
            self.input.value = value  # JSON-like text that did not parse: show it to be fixed
            return True
        try:
            self.input.value = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return False
        return True

    def _clear(self) -> None:
        self.input.value = ""

    def local_problem(self) -> str | None:
        """Says where the JSON text is broken."""
        try:
            if self.input.value.strip():
                json.loads(self.input.value)
        except json.JSONDecodeError as exc:
            return f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        return super().local_problem()


Predicate = Callable[[Field], bool]
Factory = Callable[[Field], Control]


def _is(editors: tuple[str, ...], kinds: tuple[str, ...], *, options: bool = False) -> Predicate:
    """A predicate: the field's editor is one of ``editors`` and its kind one of ``kinds``."""

    def test(field: Field) -> bool:
        return (
            field.editor in editors
            and field.kind in kinds
            and (not options or bool(field.options))
        )

    return test


def _readable_date(field: Field) -> bool:
    return (
        field.editor == "datepicker"
        and field.kind == "string"
        and sv.strftime_pattern(field.value_format or "") is not None
    )


#: Which control a field gets, by editor and kind: the first row whose predicate
#: holds wins (ipywidgets' own ``widget_from_*`` dispatch has the same shape).
#: A field no row takes gets a fallback by kind, with a note saying why.
CONTROLS: tuple[tuple[Predicate, Factory], ...] = (
    (_is(("input", "textarea"), ("string",)),
     lambda f: TextControl(f, multiline=f.editor == "textarea")),
    (_is(("input", "textarea", "number"), ("integer", "number")), NumberControl),
    (_is(("select", "radio"), ("string", "integer", "number"), options=True),
     lambda f: ChoiceControl(f, radio=f.editor == "radio")),
    (_is(("select", "checkbox"), ("array",), options=True),
     lambda f: MultiControl(f, boxes=f.editor == "checkbox")),
    (_is(("switch",), ("boolean",)), SwitchControl),
    (_readable_date, DateControl),
    (_is(("json",), ("object", "array", "any")), JsonControl),
    (_is(("requestList", "stringList", "requestListSource"), ("array",)), RowsControl),
)  # fmt: skip


def make_control(field: Field) -> Control:
    """The control for one field: the first row of :data:`CONTROLS` that takes it.

    Args:
        field: A parsed schema field.

    Returns:
        A control whose ``value`` is already the field's default (or None).
    """
    for applies, factory in CONTROLS:
        if applies(field):
            return factory(field)
    return _fallback(field)


def _fallback(field: Field) -> Control:
    kind = field.kind
    if kind in ("string", "integer", "number") and field.options:
        cls: type[Control] = ChoiceControl
    elif kind == "array" and field.options:
        cls = MultiControl
    else:
        cls = {
            "string": TextControl,
            "integer": NumberControl,
            "number": NumberControl,
            "boolean": SwitchControl,
        }.get(kind, JsonControl)
    shown = {
        ChoiceControl: "a drop-down",
        MultiControl: "checkboxes",
        TextControl: "a text box",
        NumberControl: "a number box",
        SwitchControl: "a checkbox",
        JsonControl: "JSON text",
    }
    editor = field.editor
    if editor is None:
        why = "there is no editor"
    elif editor not in sv.EDITORS:
        why = f"editor {editor!r} is unknown"
    elif editor in ("select", "radio", "checkbox") and not field.options:
        why = f"editor {editor!r} has no options"
    elif editor == "datepicker" and kind == "string":
        why = f"the value format {field.value_format!r} cannot be read"
    else:
        why = f"editor {editor!r} is not made for {sv.phrase(kind)}"
    if kind == "any":
        why += ", and the value's type is unknown"
    return cls(field, note=f"Shown as {shown[cls]} because {why}.")
