"""The base of every form control: label, help, notes, error line and the value contract.

:class:`Control` shows one parsed :class:`~coreclaw_pandas.schema.Field`: its
label (``*`` when required), the input widget(s) a subclass builds, the help
text (HTML sanitised), the parser's notes and an error line. ``control.value``
reads and writes the value in the shape ``custom`` sends; ``None`` means no
value. A value the widget cannot show is held as it is, so it still
round-trips. The small helpers here are shared by the scalar controls
(:mod:`coreclaw_pandas.forms.controls`) and the row controls
(:mod:`coreclaw_pandas.forms.row_controls`).

This module imports ipywidgets, so it is only imported when a form is built.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..schema import Field
from ..schema import values as sv
from .sanitise import sanitise_html

__all__ = ["FULL_WIDTH", "Control", "parse_number", "same_json_value"]

_UNSET: Any = object()  # "no foreign value held"; None already means "no value"
#: Layout keywords for a widget that spans the form's width.
FULL_WIDTH = {"width": "100%"}


def same_json_value(a: Any, b: Any) -> bool:
    """JSON-wise equality: True is not 1, but 1 and 1.0 are the same number."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def parse_number(text: str) -> Any:
    """An int or float from a text box; None when empty; the text itself when not a number."""
    text = text.strip()
    for parse in (int, float):
        try:
            return parse(text) if text else None
        except ValueError:
            continue
    return text  # not a number: the schema check reports it, naming the field


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
        self.widget = W.VBox(parts, layout=W.Layout(margin="0 0 12px 0", **FULL_WIDTH))
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
            value = sv.coerce(self.field, value)  # one URL string, a date, 5.0 for an int...
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
        """Show ``message`` under the field (one line per line of it); None hides the error line."""
        lines = "<br>".join(html.escape(line) for line in (message or "").splitlines())
        self._error.value = f'<div style="color:#b00020">&#9888; {lines}</div>' if message else ""
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
