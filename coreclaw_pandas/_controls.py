"""One ipywidgets control per Worker input editor, each speaking the wire shape.

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

import copy
import datetime as dt
import html
import json
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as W

from . import _schema_values as sv
from .forms import sanitise_html
from .schema import Field, ParamColumn

__all__ = ["Control", "make_control"]

_UNSET: Any = object()  # "no foreign value held"; None already means "no value"
_WIDE = {"width": "100%"}
_FILL = {"width": "calc(100% - 6px)"}  # a text box's own margin would push 100% past the edge


def _same(a: Any, b: Any) -> bool:
    # JSON-wise equality: True is not 1, but 1 and 1.0 are the same number.
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _parse_number(text: str) -> Any:
    text = text.strip()
    for parse in (int, float):
        try:
            return parse(text) if text else None
        except ValueError:
            continue
    return text  # not a number: the schema check reports it, naming the field


def _bound_text(bound: float | None) -> str | None:
    if bound is None:
        return None
    return f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Control:
    """The widgets of one field, and its value in the wire shape.

    Attributes:
        field: The parsed field shown.
        renders_as: The editor this control behaves as (``"json"`` for the last resort).
        input: The main input widget (a box of widgets for lists and checkboxes).
        widget: The whole block: label, input, help, notes and error line.
    """

    renders_as = "input"

    def __init__(self, field: Field, *, note: str | None = None) -> None:
        self.field = field
        self._listeners: list[Callable[[], None]] = []
        self._foreign: Any = _UNSET
        self._setting = False
        self.input = self._build()
        self._error = W.HTML(layout=W.Layout(display="none"))
        parts: list[W.Widget] = [W.HTML(self._label_html()), self.input]
        if field.description:
            parts.append(
                W.HTML(
                    '<div style="color:#555;font-size:90%">'
                    f"{sanitise_html(field.description)}</div>"
                )
            )
        notes = ([note] if note else []) + list(field.notes)
        if notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
            parts.append(W.HTML(f'<ul style="color:#8a6d3b;font-size:85%;margin:0">{items}</ul>'))
        parts.append(self._error)
        self.widget = W.VBox(parts, layout=W.Layout(margin="0 0 12px 0", **_WIDE))
        self.value = copy.deepcopy(field.default) if field.has_default else None

    # Subclasses provide these four; `_set` gets a non-None value and says if it could show it.
    def _build(self) -> W.Widget:
        raise NotImplementedError

    def _get(self) -> Any:
        raise NotImplementedError

    def _set(self, value: Any) -> bool:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError

    def _hint(self) -> str:
        return ""

    @property
    def value(self) -> Any:
        """The field's value as ``custom`` sends it, or None for no value."""
        return self._foreign if self._foreign is not _UNSET else self._get()

    @value.setter
    def value(self, value: Any) -> None:
        if value is not None:
            value = sv.normalise(self.field, value)  # one URL string, a date, 5.0 for an int...
        self._setting = True
        try:
            self._foreign = _UNSET
            self._clear()
            if value is not None and not self._set(value):
                self._clear()
                self._foreign = copy.deepcopy(value)
        finally:
            self._setting = False
        self._changed()

    def local_problem(self) -> str | None:
        """What the widget itself sees wrong (bad JSON, not a number); None when fine."""
        if self._foreign is not _UNSET:
            return (
                f"the value {_short(self._foreign)} cannot be shown in this control; "
                "it is kept as is until you edit the field"
            )
        return None

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever the value changes, by the user or by code."""
        self._listeners.append(callback)

    def set_error(self, message: str | None) -> None:
        """Show ``message`` under the field; None hides the error line."""
        self._error.value = (
            f'<div style="color:#b00020">&#9888; {html.escape(message)}</div>' if message else ""
        )
        self._error.layout.display = "" if message else "none"

    @property
    def error(self) -> str:
        """The error shown under the field (HTML), empty when none."""
        return self._error.value

    def _widget_changed(self, _change: Any = None) -> None:
        if not self._setting:
            self._foreign = _UNSET  # the user edited: whatever was held is replaced
            self._changed()

    def _changed(self) -> None:
        self.set_error(self.local_problem())
        for callback in list(self._listeners):
            callback()

    def _watch(self, widget: W.Widget) -> W.Widget:
        widget.observe(self._widget_changed, names="value")
        return widget

    def _label_html(self) -> str:
        f, hint = self.field, self._hint()
        star = ' <span style="color:#b00020" title="required">*</span>' if f.required else ""
        if hint:
            hint = f' <span style="color:#777;font-size:85%">({html.escape(hint)})</span>'
        return (
            f"<b>{html.escape(f.title)}</b>{star} "
            f'<code style="font-size:80%;color:#777">{html.escape(f.name)}</code>{hint}'
        )


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
        return _parse_number(self.input.value)

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
        found = [i for i, o in enumerate(self.field.options) if _same(o.value, value)]
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
        kept = [v for v in self._order if any(_same(v, c) for c in chosen)]
        values = kept + [c for c in chosen if not any(_same(c, k) for k in kept)]
        return values or ([] if self.field.has_default else None)

    def _set(self, value: Any) -> bool:
        options = self.field.options
        found = (
            [[i for i, o in enumerate(options) if _same(o.value, v)] for v in value]
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


class _Row:
    """One row of a list control: a cell widget per column and a remove button."""

    def __init__(self, owner: RowsControl, template: Mapping[str, Any]) -> None:
        self.template = dict(template)
        self.cells: dict[str, W.Widget] = {}
        for column in owner.columns:
            if column.options:
                pairs = [("", -1)] + [(o.label, i) for i, o in enumerate(column.options)]
                found = [
                    i
                    for i, o in enumerate(column.options)
                    if _same(o.value, template.get(column.param))
                ]
                cell: W.Widget = W.Dropdown(options=pairs, value=found[0] if found else -1)
            else:
                cell = W.Text(
                    value=_cell_text(template.get(column.param)),
                    placeholder=column.title,
                    continuous_update=True,
                )
            cell.layout = W.Layout(flex="2" if column.param == owner.key else "1", width="auto")
            self.cells[column.param] = owner._watch(cell)
        self.remove_button = W.Button(
            icon="times", tooltip="Remove this row", layout=W.Layout(width="36px")
        )
        self.remove_button.on_click(lambda _b: owner.remove_row(self))
        self.box = W.HBox([*self.cells.values(), self.remove_button], layout=W.Layout(**_WIDE))

    def item(self, owner: RowsControl) -> Any:
        """The row as sent: a string, or the template dict with the cells written in."""
        if owner.strings:
            return self.cells[owner.key].value
        item = dict(self.template)
        for column in owner.columns:
            cell, old = self.cells[column.param], self.template.get(column.param)
            if column.options:
                value = None if cell.value < 0 else column.options[cell.value].value
            elif cell.value == "":
                value = None
            elif old is not None and _cell_text(old) == cell.value:
                value = old  # unchanged: keep its type (10 stays 10, "10" stays "10")
            elif column.type in ("integer", "number"):
                value = _parse_number(cell.value)
            else:
                value = cell.value
            if value is None:
                item.pop(column.param, None)
            else:
                item[column.param] = value
        return item


def _cell_text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


class RowsControl(Control):
    """``requestList``, ``stringList`` and ``requestListSource``: editable rows.

    A requestList row is a URL, a stringList row a string, a requestListSource
    row a URL plus the ``param_list`` columns. Items are sent in the shape of the
    schema's default (``{"url": ...}``, ``{"string": ...}`` or plain strings);
    keys a default's items carry beyond the columns are kept.
    """

    def __init__(self, field: Field, *, note: str | None = None) -> None:
        self.renders_as = field.editor or "requestList"
        self.key = field.item_key or ("string" if self.renders_as == "stringList" else "url")
        self.strings = field.item_shape == "strings"
        title = {"stringList": "Text"}.get(self.renders_as, "URL")
        given = {c.param: c for c in field.param_list}
        self.columns = [given.get(self.key, ParamColumn(self.key, title, required=True))]
        if self.renders_as == "requestListSource":
            self.columns += [c for c in field.param_list if c.param != self.key]
        self.rows: list[_Row] = []
        super().__init__(field, note=note)

    def _build(self) -> W.Widget:
        self._rows_box = W.VBox([])
        label = {"requestList": "Add URL", "stringList": "Add item"}.get(self.renders_as, "Add row")
        self.add_button = W.Button(description=label, icon="plus")
        self.add_button.on_click(lambda _b: self.add_row())
        parts: list[W.Widget] = [self._rows_box, self.add_button]
        if len(self.columns) > 1:
            heads = [
                W.HTML(
                    f"<b>{html.escape(c.title)}</b>{' *' if c.required else ''}",
                    layout=W.Layout(flex="2" if c.param == self.key else "1"),
                )
                for c in self.columns
            ]
            parts.insert(0, W.HBox([*heads, W.HTML(layout=W.Layout(width="36px"))]))
        return W.VBox(parts, layout=W.Layout(**_WIDE))

    def add_row(self, item: Any = "") -> _Row:
        """Append a row showing ``item`` (a string or a dict); returns it."""
        row = _Row(self, item if isinstance(item, Mapping) else {self.key: item})
        self.rows.append(row)
        self._rows_box.children = [r.box for r in self.rows]
        self._widget_changed()
        return row

    def remove_row(self, row: _Row) -> None:
        """Remove ``row``."""
        self.rows.remove(row)
        self._rows_box.children = [r.box for r in self.rows]
        self._widget_changed()

    def _get(self) -> Any:
        items = []
        for row in self.rows:
            item = row.item(self)
            main = item if self.strings else item.get(self.key)
            # An empty row is no item (the platform drops empty items too); a row with
            # other cells but no URL is kept, for the check to name it.
            if (isinstance(main, str) and main.strip()) or (len(self.columns) > 1 and item):
                items.append(item)
        return items or ([] if self.field.has_default else None)

    def _fits(self, item: Any) -> bool:
        if isinstance(item, str) or self.strings:
            return isinstance(item, str)
        # A source row may lack its URL (the check names it); a one-column row may not.
        return isinstance(item, Mapping) and (
            isinstance(item.get(self.key), str) or (len(self.columns) > 1 and self.key not in item)
        )

    def _set(self, value: Any) -> bool:
        if not isinstance(value, list) or not all(self._fits(i) for i in value):
            return False
        for item in value:
            self.add_row(item)
        return True

    def _clear(self) -> None:
        self.rows = []
        self._rows_box.children = []


def make_control(field: Field) -> Control:
    """The control for one field: by its editor, else by its type (JSON text last).

    Args:
        field: A parsed schema field.

    Returns:
        A control whose ``value`` is already the field's default (or None).
    """
    kind, editor, options = field.kind, field.editor, field.options
    if editor in ("input", "textarea") and kind == "string":
        return TextControl(field, multiline=editor == "textarea")
    if editor in ("input", "textarea", "number") and kind in ("integer", "number"):
        return NumberControl(field)
    if editor in ("select", "radio") and kind in ("string", "integer", "number") and options:
        return ChoiceControl(field, radio=editor == "radio")
    if editor in ("select", "checkbox") and kind == "array" and options:
        return MultiControl(field, boxes=editor == "checkbox")
    if editor == "switch" and kind == "boolean":
        return SwitchControl(field)
    readable_date = sv.strftime_pattern(field.value_format or "") is not None
    if editor == "datepicker" and kind == "string" and readable_date:
        return DateControl(field)
    if editor == "json" and kind in ("object", "array", "any"):
        return JsonControl(field)
    if editor in ("requestList", "stringList", "requestListSource") and kind == "array":
        return RowsControl(field)
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
