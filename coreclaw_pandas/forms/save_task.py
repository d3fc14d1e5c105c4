"""The form's "Save as task" button: save the input as a task, with an optional schedule.

Beside Run: a click opens a small box (title, schedule: none, daily, weekly, monthly or
once, its day and time in Beijing time) whose Save button checks the form's input and
calls ``Client.create_task``, the same path as ``cc.create_task``. Saved tasks are an
API v2 call; on v1 the button stays off and its tooltip says how to switch.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..exceptions import CoreClawError, InputError
from ..tasks import Schedule, Task

if TYPE_CHECKING:
    from ..client import Client
    from .form import WorkerForm

__all__ = ["SaveTaskBox"]

_KINDS = ["none", "daily", "weekly", "monthly", "once"]
_WEEKDAYS = [("Monday", 1), ("Tuesday", 2), ("Wednesday", 3), ("Thursday", 4)]
_WEEKDAYS += [("Friday", 5), ("Saturday", 6), ("Sunday", 7)]


class SaveTaskBox:
    """The Save-as-task button and its box, for one :class:`~.form.WorkerForm`.

    Args:
        form: The form whose input (and Run options) are saved.
        client: The client to save through; None leaves the button off.
    """

    def __init__(self, form: WorkerForm, client: Client | None) -> None:
        import ipywidgets as W  # lazy, as everywhere in the forms

        self._form = form
        self._client = client
        self.task: Task | None = None
        v2 = client is not None and client.api_version == "v2"
        usable = bool(form.scraper_slug) and v2
        self.button = W.Button(
            description="Save as task",
            icon="save",
            disabled=not usable,
            tooltip="Save this input as a task, optionally on a schedule"
            if usable
            else "Saved tasks need API v2: cc.configure(api_version='v2')"
            if form.scraper_slug
            else "Built from a local schema: there is no Worker to save",
        )
        self.title = W.Text(description="Title", value=f"{form.scraper_slug} task")
        self.kind = W.Dropdown(options=_KINDS, value="none", description="Schedule")
        self.weekday = W.Dropdown(options=_WEEKDAYS, value=1, description="Weekday")
        self.day = W.BoundedIntText(value=1, min=1, max=31, description="Day")
        self.on = W.Text(description="Date", placeholder="YYYY-MM-DD")
        self.at = W.Text(description="Time", value="08:00", placeholder="HH:MM, Beijing time")
        self.save_button = W.Button(description="Save", icon="check", button_style="primary")
        self.status = W.HTML()
        self.box = W.VBox(
            [self.title, self.kind, self.weekday, self.day, self.on, self.at, self.save_button]
        )
        self.box.layout.display = "none"
        self.widget = W.VBox([self.box, self.status])
        self.button.on_click(lambda _b: self._toggle())
        self.save_button.on_click(lambda _b: self.save())
        self.kind.observe(lambda _change: self._show_fields(), names="value")
        self._show_fields()

    def _toggle(self) -> None:
        self.box.layout.display = None if self.box.layout.display == "none" else "none"

    def _show_fields(self) -> None:
        kind = self.kind.value
        for widget, shown in (
            (self.weekday, kind == "weekly"),
            (self.day, kind == "monthly"),
            (self.on, kind == "once"),
            (self.at, kind != "none"),
        ):
            widget.layout.display = None if shown else "none"

    def schedule(self) -> Schedule | None:
        """The schedule the box describes (None: no schedule).

        Raises:
            InputError: The day, date or time is not one the platform takes.
        """
        kind, at = self.kind.value, self.at.value
        if kind == "daily":
            return Schedule.daily(at)
        if kind == "weekly":
            return Schedule.weekly(int(self.weekday.value), at)
        if kind == "monthly":
            return Schedule.monthly(int(self.day.value), at)
        if kind == "once":
            return Schedule.once(self.on.value.strip(), at)
        return None

    def save(self) -> Task | None:
        """What Save does: check the input and the schedule, then save the task.

        Returns:
            The saved task, or None when something was wrong (shown in the box).
        """
        form = self._form
        if self._client is None or self.button.disabled:
            self._say(self.button.tooltip, error=True)
            return None
        if form.validate():
            self._say("Fix the fields marked above first.", error=True)
            return None
        try:
            self.task = self._client.create_task(
                form.scraper_slug or "",
                form.value,
                title=self.title.value,
                system=form.options.overrides,
                version=form.options.version,
                schedule=self.schedule(),
            )
        except InputError as exc:
            self._say("; ".join(exc.problems), error=True)
            return None
        except CoreClawError as exc:
            self._say(str(exc), error=True)
            return None
        when = self.task.schedule.describe() if self.task.schedule else "no schedule"
        self._say(f"Saved task {self.task.slug} ({when}). cc.tasks_df() lists it.")
        self.box.layout.display = "none"
        return self.task

    def _say(self, text: Any, *, error: bool = False) -> None:
        colour = "#b00020" if error else "#2e7d32"
        self.status.value = f"<div style='color:{colour}'>{html.escape(str(text))}</div>"
