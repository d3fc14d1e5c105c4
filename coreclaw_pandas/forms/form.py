"""Input forms for Workers, as ipywidgets: ``cc.worker_form(slug)`` in a notebook cell.

The form is generated from the Worker's parsed input schema
(:mod:`coreclaw_pandas.schema`): one control per field, chosen by editor and
type (see :mod:`coreclaw_pandas.forms.controls`), grouped by the schema's sections,
then a collapsible "Run options" box for the system parameters, a Run button
and a panel that follows the run and offers its results.

``form.value`` is ``InputSchema.build`` of what the controls hold, so it is
exactly the ``custom`` that ``cc.run_worker`` sends; ``form.validate()`` shows
the schema's own messages next to the fields. The form makes no HTTP call of
its own: everything goes through the client and the notebook API it was given.

ipywidgets is imported only when a form is built, never by ``import coreclaw_pandas``.

Example:
    >>> form = cc.worker_form("coreclaw/catalogue-generator", rows=200)
    >>> form                      # last expression of a cell: the form shows
    >>> form.value["rows"]
    200
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api import resolve_client
from ..exceptions import CoreClawError, InputError
from ..schema import InputSchema, parse_input_schema
from .sanitise import sanitise_html

if TYPE_CHECKING:
    import pandas as pd

    from ..client import Client
    from ..models import Run
    from .controls import Control
    from .run_options import RunOptions
    from .run_panel import RunPanel

__all__ = ["WorkerForm", "problems_by_field", "worker_form"]

_BACKTICKED = re.compile(r"`([^`]+)`")


def problems_by_field(problems: list[str], names: list[str]) -> dict[str, list[str]]:
    """Group the schema's problem lines by the field each names (first known name in backticks).

    Lines naming no field are grouped under ``""``.
    """
    known = set(names)
    grouped: dict[str, list[str]] = {}
    for line in problems:
        owner = next((n for n in _BACKTICKED.findall(line) if n in known), "")
        grouped.setdefault(owner, []).append(line)
    return grouped


class WorkerForm:
    """An input form for one Worker: fields, run options, a Run button and the results.

    Build it with :func:`worker_form` (a Worker on the server) or
    :meth:`from_schema` (a local schema, no server). It shows itself when it is
    the last expression of a cell; ``form.widget`` is the underlying ``VBox``.

    The Run button validates, then starts the run through ``cc.run_worker`` in a
    background thread, so the notebook stays usable (and the Abort button works)
    while the panel shows status, rows, elapsed time and the last log lines. When
    it ends, a preview of the DataFrame and Download CSV / Download Excel buttons
    appear. :meth:`wait` joins the thread (scripts and tests).

    Args:
        schema: The parsed input schema.
        scraper_slug: The Worker the Run button runs; None for a form that cannot run.
        client: The client every call goes through; None for a form that cannot run.
        system: The Worker's default system parameters.
        version: The Worker's current version.
        regions: ``(code, name)`` proxy regions; None for the built-in list.
        title: Heading of the form (default: the slug).
        values: Field values to start from instead of the defaults.

    Attributes:
        schema: The parsed input schema.
        scraper_slug: The Worker run by the Run button (None for a local schema).
        controls: Field name to its control; ``controls[name].value`` is the wire value.
        options: The "Run options" section (system parameters and version).
        run_button: The Run button.
        download_dir: Folder the Download buttons write to (default: the current folder).
        widget: The whole form as an ipywidgets ``VBox``.
    """

    def __init__(
        self,
        schema: InputSchema,
        *,
        scraper_slug: str | None = None,
        client: Client | None = None,
        system: Mapping[str, Any] | None = None,
        version: str = "",
        regions: list[tuple[str, str]] | None = None,
        title: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        import ipywidgets as W  # lazy: only a built form needs widgets

        from .controls import make_control
        from .run_options import RunOptions
        from .run_panel import RunPanel
        from .save_task import SaveTaskBox

        self.schema = schema
        self.scraper_slug = scraper_slug
        self.download_dir: Path | None = None
        self._live = False
        self.controls: dict[str, Control] = {}
        heading = html.escape(title or scraper_slug or "Worker input")
        if version:
            heading += f" <small style='color:#777'>{html.escape(version)}</small>"
        head = f"<h3 style='margin:4px 0'>{heading}</h3>"
        if schema.description:
            head += f"<div>{sanitise_html(schema.description)}</div>"
        if schema.notes:
            head += "".join(
                f"<div style='color:#8a6d3b;font-size:85%'>{html.escape(n)}</div>"
                for n in schema.notes
            )
        children: list[Any] = [W.HTML(head)]
        for field in schema:
            if field.section_caption or field.section_description:
                children.append(
                    W.HTML(_section_html(field.section_caption, field.section_description))
                )
            control = make_control(field)
            control.on_change(self._on_change)
            self.controls[field.name] = control
            children.append(control.widget)
        self.options: RunOptions = RunOptions(system or {}, version=version, regions=regions)
        self._summary = W.HTML()
        runnable = bool(scraper_slug and client)
        self.run_button = W.Button(
            description="Run",
            icon="play",
            button_style="primary",
            disabled=not runnable,
            tooltip="Check the input, then start the run"
            if runnable
            else "Built from a local schema: there is no Worker to run",
        )
        self.run_button.on_click(lambda _b: self.start())
        self._panel: RunPanel = RunPanel(
            client, scraper_slug or "", lambda: self.download_dir, run_button=self.run_button
        )
        self.save_task = SaveTaskBox(self, client)  # "Save as task", beside Run (issue 21)
        actions = W.HBox([self.run_button, self.save_task.button, self._panel.abort_button])
        self.widget = W.VBox(
            [*children, self.options.widget, self._summary, actions, self.save_task.widget]
            + [self._panel.widget]
        )
        if values:
            self.set_values(values)

    @classmethod
    def from_schema(
        cls,
        raw_custom_schema: Any,
        *,
        system: Mapping[str, Any] | None = None,
        values: Mapping[str, Any] | None = None,
        title: str | None = None,
    ) -> WorkerForm:
        """A form for a local schema descriptor, with no server (the Run button is off).

        Args:
            raw_custom_schema: A ``custom`` descriptor (``{"properties": [...]}``), a JSON
                string of one, a whole ``/api/scraper`` reply, or a parsed InputSchema.
            system: System defaults for the Run options (default: the contract's defaults).
            values: Field values to start from instead of the defaults.
            title: Heading of the form.
        """
        schema = (
            raw_custom_schema
            if isinstance(raw_custom_schema, InputSchema)
            else parse_input_schema(raw_custom_schema)
        )
        return cls(schema, system=system, values=values, title=title)

    # -- values ----------------------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        values = {}
        for field in self.schema:
            value = self.controls[field.name].value
            # A value still equal to the default is left for `build` to fill in: same result,
            # and a problem in it is then blamed on the Worker's default, not on the user.
            if value is not None and not (field.has_default and _same_json(value, field.default)):
                values[field.name] = value
        return values

    @property
    def value(self) -> dict[str, Any]:
        """The ``custom`` dict the Run button (and ``cc.run_worker``) would send.

        Raises:
            InputError: The controls hold something the schema rejects (see :meth:`validate`).
        """
        return self.schema.build(self._values(), scraper_slug=self.scraper_slug)

    @property
    def system(self) -> dict[str, Any]:
        """The system parameters the run is sent with (the Worker's defaults, overridden)."""
        return self.options.system

    @property
    def version(self) -> str | None:
        """The Worker version to run, or None for its current one."""
        return self.options.version

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Put values in the controls (one string for a URL list, a date, ... are accepted).

        Raises:
            InputError: A name is not a field of the schema; nothing was changed.
        """
        unknown = []
        for name in values:
            try:
                self.schema.field(name)
            except KeyError as exc:
                unknown.append(exc.args[0])
        if unknown:
            raise InputError(unknown, scraper_slug=self.scraper_slug)
        for name, value in values.items():
            self.controls[name].value = value

    def validate(self) -> list[str]:
        """Check the input as a run would, and show each problem next to its field.

        Returns:
            One line per problem (empty when the form can run), also shown as a summary.
        """
        self._live = True  # from now on, messages follow each edit
        try:
            self.schema.build(self._values())
            problems: list[str] = []
        except InputError as exc:
            problems = list(exc.problems)
        grouped = problems_by_field(problems, list(self.controls))
        for name, control in self.controls.items():
            local = control.local_problem()
            if local and not grouped.get(name):
                problems.append(f"`{name}`: {local}")  # e.g. broken JSON where any value fits
            # One plain message under a field: the widget's own words when it has some (they
            # say what was typed), else the schema's, without the Markdown backticks.
            lines = [local] if local else [_BACKTICKED.sub(r"\1", p) for p in grouped.get(name, [])]
            control.set_error("\n".join(lines) or None)
        self._show_summary(problems)
        return problems

    def _show_summary(self, problems: list[str]) -> None:
        if not problems:
            self._summary.value = ""
            return
        items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
        self._summary.value = (
            f"<div style='color:#b00020'><b>{len(problems)} problem(s); "
            f"nothing was sent:</b><ul>{items}</ul></div>"
        )

    def _on_change(self) -> None:
        if self._live:
            self.validate()

    # -- running ---------------------------------------------------------------------------

    def start(self) -> bool:
        """What the Run button does: validate, then start the run in the background.

        Returns:
            True if a run was started; False when the input has problems (shown in the
            form), a run is still going, or the form has no Worker to run.
        """
        if self.validate():
            return False
        if self._panel.client is None or not self.scraper_slug:
            self._summary.value = (
                "<div style='color:#b00020'>This form was built from a local "
                "schema, so there is no Worker to run.</div>"
            )
            return False
        return self._panel.start(self.value, self.options.overrides, self.options.version)

    def wait(self, timeout: float | None = None) -> Run | None:
        """Wait until the run started by the Run button has ended and its rows are read.

        Args:
            timeout: Seconds to wait at most (None: as long as it takes).

        Returns:
            The last run (None if none was started).
        """
        self._panel.join(timeout)
        return self.run

    @property
    def run(self) -> Run | None:
        """The last run started from this form (its final state once it ended)."""
        return self._panel.run

    @property
    def df(self) -> pd.DataFrame | None:
        """The last run's results, once it ended (None before, or if they could not be read)."""
        return self._panel.df

    def download(self, format: str = "csv") -> Path | None:
        """What the Download buttons do: write ``form.df`` with the safe exporters.

        Args:
            format: ``"csv"`` or ``"xlsx"``.

        Returns:
            The file written into :attr:`download_dir` (named after the Worker and
            the run), or None when there are no results yet or writing failed (the
            reason is shown in the form and in :attr:`error`).
        """
        if format not in ("csv", "xlsx"):
            raise ValueError(f"format must be 'csv' or 'xlsx', got {format!r}")
        return self._panel.download(format)

    @property
    def error(self) -> str | None:
        """The last error shown in the run panel, as text; None when there was none."""
        return self._panel.error

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self)  # not the VBox's pages-long repr
        return bundle

    def __repr__(self) -> str:
        return f"WorkerForm({self.scraper_slug or 'local schema'!s}, fields={list(self.controls)})"


def _same_json(a: Any, b: Any) -> bool:
    try:
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    except (TypeError, ValueError):
        return False


def _section_html(caption: str | None, description: str | None) -> str:
    text = f"<h4 style='margin:14px 0 2px 0'>{html.escape(caption)}</h4>" if caption else ""
    if description:
        text += f"<div style='color:#555;margin-bottom:6px'>{sanitise_html(description)}</div>"
    return f"<div style='border-top:1px solid #ddd'>{text}</div>"


def worker_form(scraper_slug: str, *, client: Client | None = None, **prefill: Any) -> WorkerForm:
    """An input form for a Worker, generated from its schema; show it as a cell's last line.

    Args:
        scraper_slug: The Worker's id or ``owner/name`` path.
        client: The client to use instead of the default (``cc.configure``).
        **prefill: Field values to start from instead of the defaults (use
            ``form.set_values({...})`` for a field named ``client`` or ``scraper_slug``).

    Returns:
        The form; ``form.value`` / ``form.system`` are what Run sends, ``form.run`` and
        ``form.df`` the last run and its rows.

    Raises:
        InputError: A prefill name is not a field of the Worker.
        CoreClawError: The Worker could not be read (unknown slug, no connection...).

    Example:
        >>> form = cc.worker_form("coreclaw/web-page-scraper", max_pages=5)
        >>> form
    """
    c = resolve_client(client)
    worker = c.worker(scraper_slug)
    try:
        regions: list[tuple[str, str]] | None = [(r.code, r.name) for r in c.proxy_regions()]
    except CoreClawError:
        regions = None  # the Run options fall back to the built-in list
    return WorkerForm(
        worker.input_schema,
        scraper_slug=scraper_slug,
        client=c,
        system=worker.system,
        version=worker.version,
        regions=regions,
        title=str(worker.extra.get("title") or worker.extra.get("name") or scraper_slug),
        values=prefill,
    )
