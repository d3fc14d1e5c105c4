"""The form's "Save as task" button (issue 21): saves the input, with an optional schedule."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.forms import WorkerForm, worker_form

pytest.importorskip("ipywidgets")

WORKER = "coreclaw/catalogue-generator"


@pytest.fixture
def v2(emu):
    with cc.Client(emu.api_key, base_url=emu.url, api_version="v2") as client:
        yield client


def test_the_button_sits_beside_run(v2):
    form = worker_form(WORKER, client=v2)
    actions = [w for w in form.widget.children if form.run_button in getattr(w, "children", ())]
    assert form.save_task.button in actions[0].children
    assert not form.save_task.button.disabled


def test_save_with_a_weekly_schedule(v2, emu):
    form = worker_form(WORKER, client=v2, rows=12)
    form.save_task.button.click()
    assert form.save_task.box.layout.display is None  # the box opened
    form.save_task.title.value = "Weekly catalogue"
    form.save_task.kind.value = "weekly"
    form.save_task.weekday.value = 1
    form.save_task.at.value = "08:30"
    form.save_task.save_button.click()
    saved = form.save_task.task
    assert saved is not None and saved.title == "Weekly catalogue"
    assert saved.custom["rows"] == 12
    assert saved.schedule == cc.Schedule.weekly("mon", "08:30")
    assert "every Monday at 08:30, Beijing time" in form.save_task.status.value
    assert v2.task(saved.slug).schedule == saved.schedule


def test_save_without_a_schedule(v2):
    form = worker_form(WORKER, client=v2)
    saved = form.save_task.save()
    assert saved is not None and saved.schedule is None


def test_a_bad_time_is_shown_and_nothing_is_saved(v2, emu):
    form = worker_form(WORKER, client=v2)
    form.save_task.kind.value = "daily"
    form.save_task.at.value = "25:00"
    emu.clear_requests()
    assert form.save_task.save() is None
    assert "HH:MM" in form.save_task.status.value
    assert not emu.calls("/api/v2/worker-tasks", "POST")


def test_on_v1_the_button_says_how_to_switch(client):
    form = worker_form(WORKER, client=client)
    assert form.save_task.button.disabled
    assert "api_version='v2'" in form.save_task.button.tooltip
    assert form.save_task.save() is None


def test_a_local_schema_has_nothing_to_save():
    form = WorkerForm.from_schema({"properties": {"q": {"type": "string", "title": "Q"}}})
    assert form.save_task.button.disabled
