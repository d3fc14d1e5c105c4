"""List-style controls: ``requestList``, ``stringList`` and ``requestListSource`` rows.

:class:`RowsControl` edits a list as rows of cells (a URL, a string, or a URL
plus the ``param_list`` columns), each row with a remove button and an Add
button below. :func:`coreclaw_pandas.forms.controls.make_control` picks it for
those editors.

This module imports ipywidgets, so it is only imported when a form is built.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

import ipywidgets as W

from ..schema import Field, ParamColumn
from .control_base import FULL_WIDTH, Control, parse_number, same_json_value

__all__ = ["RowsControl"]


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
                    if same_json_value(o.value, template.get(column.param))
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
        self.box = W.HBox([*self.cells.values(), self.remove_button], layout=W.Layout(**FULL_WIDTH))

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
                value = parse_number(cell.value)
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
        return W.VBox(parts, layout=W.Layout(**FULL_WIDTH))

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
