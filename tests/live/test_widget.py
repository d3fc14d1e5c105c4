"""The live view of a job: a widget in Jupyter, a line of text elsewhere (issue 18)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import coreclaw_pandas as cc

from .conftest import FAST_BUDGET

pytest.importorskip("ipywidgets")


def test_the_widget_shows_status_rows_spend_and_the_log(emu, configured):
    from coreclaw_pandas.live.widget import view_of

    job = cc.start(
        "coreclaw/catalogue-generator",
        {"rows": 300, "rows_per_second": 300, "notes": "from the widget test"},
        max_requests_per_minute=FAST_BUDGET,
    )
    view = view_of(job)
    assert view_of(job) is view, "one view per job, whichever cell shows it"
    job.wait(60)
    view.update()
    assert "succeeded" in view.status.value and "300 rows" in view.status.value
    assert "$0.0030" in view.status.value
    assert "All subtasks have completed" in view.log.value
    assert view.bar.bar_style == "success" and view.abort_button.disabled
    assert view.error.value == ""


def test_an_error_in_the_job_shows_in_its_widget(emu, configured):
    from coreclaw_pandas.live.widget import view_of

    job = cc.watch("01ABCDEFGHJKMNPQRSTVWXYZ00", max_requests_per_minute=FAST_BUDGET)
    job.wait(60)
    view = view_of(job)
    assert "RunNotFoundError" in view.error.value and "job.df() raises it" in view.error.value
    assert view.bar.bar_style == "danger"


def test_outside_a_kernel_a_job_shows_as_text_and_loads_no_widgets(emu, configured):
    job = cc.start("coreclaw/catalogue-generator", {"rows": 10}, max_requests_per_minute=60)
    job.wait(60)
    bundle = job._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and bundle["text/plain"] == repr(job)
    code = "import sys, coreclaw_pandas as cc; print('ipywidgets' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"
