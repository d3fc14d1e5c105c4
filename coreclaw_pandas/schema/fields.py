"""Worker input schemas: parse the descriptor, then build and check a run's ``custom``.

``GET /api/scraper`` returns each Worker's input schema under
``data.parameters.custom`` (docs/platform.md §5.3): a ``properties`` list, one entry
per input field, plus a description and the split key (``b`` or
``concurrency``). :func:`~coreclaw_pandas.schema.parse_input_schema` turns it into an
:class:`InputSchema` of :class:`Field` objects and never raises: real schemas
miss keys, use unknown editors and pair editors with the wrong types, so
everything odd becomes a note instead. :meth:`InputSchema.build` then makes the
``custom`` dict a run sends and raises :class:`~coreclaw_pandas.exceptions.InputError`
listing every problem at once.

Example:
    >>> schema = parse_input_schema({"properties": [
    ...     {"name": "urls", "type": "array", "editor": "requestList", "required": True},
    ...     {"name": "max_results", "type": "integer", "editor": "number", "default": 10}]})
    >>> schema.build({"urls": "https://example.com"})
    {'urls': [{'url': 'https://example.com'}], 'max_results': 10}
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import InputError
from ..models import html_table, short_text
from . import checks
from . import values as sv
from .values import MISSING

__all__ = ["MISSING", "Field", "InputSchema", "Option", "ParamColumn"]


@dataclass(frozen=True)
class Option:
    """One choice of a select, radio or checkbox field.

    Attributes:
        label: What the form shows.
        value: What is sent: a string or an integer, as the schema says.
    """

    label: str
    value: Any


@dataclass(frozen=True)
class ParamColumn:
    """One column of a ``requestListSource`` row besides (or including) its ``url``.

    Attributes:
        param: The key inside each row.
        title: The column label (falls back to ``param``).
        required: Whether every row must fill it.
        description: Help text.
        type: The declared JSON type of the cell, if any.
        editor: The declared editor of the cell, if any.
        options: Allowed cell values, if the column is a choice.
    """

    param: str
    title: str
    required: bool = False
    description: str = ""
    type: str | None = None
    editor: str | None = None
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Field:
    """One input field of a Worker, as parsed from its schema property.

    Attributes:
        name: The key in ``custom``.
        title: The form label; the name when the schema has none.
        type: The declared JSON type, or None when absent or unknown.
        editor: The declared editor as given (it may be unknown, e.g. ``"text"``).
        description: Help text as given (it may hold HTML).
        default: The default value, or :data:`MISSING`.
        required: Whether a run needs a value (absent means False).
        options: The choices of a select, radio or checkbox.
        multiple: True for a multi-select (the value is then a list).
        minimum: Lower numeric bound, if any.
        maximum: Upper numeric bound, if any.
        format: A datepicker's display format.
        value_format: The format a datepicker's value is sent in (e.g. ``"YYYY-MM-DD"``).
        param_list: The row columns of a ``requestListSource``.
        section_caption: Title of the form section that starts at this field.
        section_description: Text of that section.
        item_shape: For list inputs, ``"objects"`` (``[{"url": ...}]``) or ``"strings"``.
        item_key: The key inside object items (``"url"``, ``"string"``, or the default's key).
        notes: What the parser could not understand or had to guess about this field.
        raw: The property exactly as the schema gave it.
    """

    name: str
    title: str
    type: str | None = None
    editor: str | None = None
    description: str = field(default="", repr=False)
    default: Any = MISSING
    required: bool = False
    options: tuple[Option, ...] = ()
    multiple: bool = False
    minimum: float | None = None
    maximum: float | None = None
    format: str | None = None
    value_format: str | None = None
    param_list: tuple[ParamColumn, ...] = ()
    section_caption: str | None = None
    section_description: str | None = field(default=None, repr=False)
    item_shape: str | None = None
    item_key: str | None = None
    notes: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_default(self) -> bool:
        """True when the schema gives a default value."""
        return self.default is not MISSING

    @property
    def kind(self) -> str:
        """The value's effective JSON type.

        ``type`` when known; a multi-select is always ``"array"``; otherwise guessed
        from a type alias, the default or the editor; ``"any"`` when nothing tells.
        """
        return sv.infer_kind(
            self.type, self.editor, self.multiple, self.default, self.raw.get("type"), self.options
        )


@dataclass(frozen=True, repr=False)
class InputSchema:
    """A Worker's parsed input schema: its fields in form order, plus schema-level facts.

    Attributes:
        fields: The fields, in the schema's order.
        description: The schema's description (it may hold HTML).
        split_fields: Array fields the platform splits a run by (``b`` or ``concurrency.fields``).
        notes: Schema-level problems the parser worked around.
        raw: The schema exactly as given.
    """

    fields: tuple[Field, ...] = ()
    description: str = ""
    split_fields: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.fields)

    def __repr__(self) -> str:
        names = ", ".join(f.name + ("*" if f.required else "") for f in self.fields)
        extra = f", split_fields={list(self.split_fields)}" if self.split_fields else ""
        notes = f", {len(self.notes)} note(s)" if self.notes else ""
        return f"InputSchema([{names}]{extra}{notes})"

    def _repr_html_(self) -> str:
        rows = [
            (
                f.name + (" *" if f.required else ""),
                f.kind,
                short_text(_default_text(f.default), 40) if f.has_default else "",
                short_text(f.title, 60),
            )
            for f in self.fields
        ]
        caption = f"Input: {len(self.fields)} field(s), * = required"
        return html_table(rows, header=("field", "type", "default", "title"), caption=caption)

    def field(self, name: str) -> Field:
        """The field called ``name``.

        Raises:
            KeyError: No such field; the message suggests close names and lists all of them.
        """
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"no field {name!r} in this schema{_suggest(name, self.names)}")

    @property
    def names(self) -> list[str]:
        """Field names, in schema order."""
        return [f.name for f in self.fields]

    @property
    def required_names(self) -> list[str]:
        """Names of the required fields, in schema order."""
        return [f.name for f in self.fields if f.required]

    def defaults(self) -> dict[str, Any]:
        """A fresh copy of every field's default, keyed by name (fields with none left out)."""
        return {f.name: copy.deepcopy(f.default) for f in self.fields if f.has_default}

    def build(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        allow_unknown: bool = False,
        scraper_slug: str | None = None,
    ) -> dict[str, Any]:
        """The ``custom`` dict to send for these values.

        Each field takes the user's value, else its default (copied), else it is
        left out; a required field with neither is a problem. ``None`` counts as
        no value. Values are normalised where that is unambiguous (one string for
        a URL list becomes a one-item list of ``{"url": ...}``, a ``date`` becomes
        a string in the datepicker's format, ``5.0`` becomes ``5``), then checked.

        Args:
            values: Field name to value.
            allow_unknown: Send keys the schema does not know, instead of rejecting them.
            scraper_slug: The Worker, named in the error message.

        Returns:
            The ``custom`` dict, in schema order (unknown keys last when allowed).

        Raises:
            InputError: Listing every problem at once; nothing is sent.
        """
        if values is None:
            values = {}
        if not isinstance(values, Mapping):
            raise InputError(
                [f"the input must be a dict of field name to value, got {type(values).__name__}"],
                scraper_slug=scraper_slug,
            )
        built: dict[str, Any] = {}
        from_default: set[str] = set()
        for f in self.fields:
            if values.get(f.name) is not None:
                built[f.name] = sv.coerce(f, values[f.name])
            elif f.has_default:
                built[f.name] = sv.coerce(f, copy.deepcopy(f.default))
                from_default.add(f.name)
        if allow_unknown:
            built.update((k, v) for k, v in values.items() if k not in self and v is not None)
        problems = self._value_problems(built, from_default)
        if not allow_unknown:
            problems += self._unknown_problems(values)
        if problems:
            raise InputError(problems, scraper_slug=scraper_slug)
        return built

    def validate(self, custom: Mapping[str, Any], *, allow_unknown: bool = False) -> list[str]:
        """Problems of an already built ``custom`` dict; an empty list when it is fine.

        Args:
            custom: Field name to value, as it would be sent (nothing is normalised).
            allow_unknown: Do not report keys the schema does not know.
        """
        if not isinstance(custom, Mapping):
            return [f"`custom` must be a dict of field name to value, got {type(custom).__name__}"]
        problems = self._value_problems(custom, frozenset())
        return problems if allow_unknown else problems + self._unknown_problems(custom)

    def _value_problems(
        self, custom: Mapping[str, Any], from_default: AbstractSet[str]
    ) -> list[str]:
        problems: list[str] = []
        for f in self.fields:
            problems += self._field_problems(f, custom, f.name in from_default)
        return problems

    def _unknown_problems(self, custom: Mapping[str, Any]) -> list[str]:
        return [
            f"unknown field `{key}`{_suggest(str(key), self.names)}"
            for key in custom
            if key not in self
        ]

    def _field_problems(self, f: Field, custom: Mapping[str, Any], is_default: bool) -> list[str]:
        if custom.get(f.name) is None:
            return [f"missing required field `{f.name}` ({f.title})"] if f.required else []
        value = custom[f.name]
        if f.name in self.split_fields and not isinstance(value, list):
            found = [
                f"`{f.name}` is the field the platform splits runs by, so it must be a list, "
                f"got {type(value).__name__}"
            ]
        else:
            found = checks.value_problems(f, value)
        if is_default:
            found = [p + " (this is the Worker's default; pass your own value)" for p in found]
        return found


def _suggest(name: str, names: list[str]) -> str:
    lowered = {n.lower(): n for n in names}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    listing = f"valid fields: {', '.join(names) or '(none)'}"
    if not close:
        return f"; {listing}"
    return f"; did you mean {' or '.join(f'`{lowered[c]}`' for c in close)}? The {listing}"



def _default_text(value: Any) -> str:
    """A default as a reader would type it: strings bare, everything else as Python."""
    return value if isinstance(value, str) else repr(value)
