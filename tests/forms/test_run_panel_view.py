"""What the form shows while and after a run, as a browser user sees it (issue 16, 14).

Runs go to the emulator over real HTTP; a lost connection is the emulator's own
fault injection. Each test pins one thing a real browser showed wrong: bars that end
green for a failed run, a "Time used" bar that jumps to 100%, a stale "Running" after
contact was lost, a tall preview, a clickable Run during a run, glued or repeated
messages, defaults refused, download links into JupyterLab's page and a hostile slug
that wrote outside the download folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.forms import WorkerForm, worker_form
from coreclaw_pandas.progress import RunBar

RUN_TIMEOUT = 60


def finished(form: WorkerForm) -> cc.Run:
    assert form.start() is True
    run = form.wait(RUN_TIMEOUT)
    assert not form._panel.busy, "the run did not end in time"
    assert run is not None
    return run


def test_the_bar_ends_green_only_for_a_succeeded_run(client):
    ok = finished(worker_form("coreclaw/catalogue-generator", client=client, rows=5))
    assert ok.succeeded
    # The bar shows rows and elapsed time, not the time used against the limit.
    panel = worker_form("coreclaw/catalogue-generator", client=client)._panel
    assert "Time used" not in panel.progress.description
    form = worker_form("coreclaw/catalogue-generator", client=client, rows=5)
    finished(form)
    assert form._panel.progress.bar_style == "success"
    assert form._panel.progress.value == form._panel.progress.max
    assert "5 rows" in form._panel.progress_label.value
    failing = worker_form(
        "coreclaw/failing-worker", client=client, fail_after=2, row_interval_seconds=0
    )
    run = finished(failing)
    assert not run.succeeded
    assert failing._panel.progress.bar_style == "danger"
    assert failing._panel.progress.value == failing._panel.progress.max


def test_notebook_run_bar_ends_red_for_a_failed_run_and_an_interrupt(client, monkeypatch):
    import tqdm.auto
    import tqdm.notebook

    made = []

    class Recorded(tqdm.notebook.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorded)
    failed = cc.run_worker(
        "coreclaw/failing-worker",
        {"fail_after": 2, "row_interval_seconds": 0},
        wait=False,
        client=client,
    )
    with pytest.raises(cc.RunFailedError):
        cc.wait(failed.slug, client=client, progress=True)
    assert made[-1].container.children[1].bar_style == "danger"
    ok = cc.run_worker("coreclaw/catalogue-generator", {"rows": 3}, wait=False, client=client)
    cc.wait(ok.slug, client=client, progress=True)
    assert made[-1].container.children[1].bar_style == "success"
    with pytest.raises(KeyboardInterrupt), RunBar("x", progress=True) as bar:
        bar.update(client.run(ok.slug))
        raise KeyboardInterrupt
    assert made[-1].container.children[1].bar_style == "danger"


def test_lost_contact_says_the_run_may_go_on_and_how_to_reattach(emu, client):
    form = worker_form(
        "coreclaw/slow-worker", client=client, interval_seconds=0.05, duration_seconds=600
    )
    assert form.start() is True
    panel = form._panel
    while form.run is None or panel.abort_button.disabled:  # polled at least once
        panel.join(0.05)
        assert panel.busy, form.error
    emu.inject_fault("/api/v1/run/detail", "reset", count=10_000)
    form.wait(RUN_TIMEOUT)
    assert not panel.busy
    slug = form.run.slug
    assert "Running" not in panel.status.value
    assert "Contact lost" in panel.status.value and "may still be going" in panel.status.value
    assert f"cc.wait(&#x27;{slug}&#x27;)" in panel.status.value
    assert panel.progress.bar_style == "warning"
    client.abort(slug)


def test_preview_rows_stay_one_line(client):
    form = worker_form("coreclaw/catalogue-generator", client=client, rows=12)
    finished(form)
    preview = form._panel.preview.value
    assert "white-space:nowrap" in preview and "text-overflow:ellipsis" in preview
    assert preview.count("<tr") == 11  # the header and 10 rows


def test_run_is_off_while_a_run_goes_and_abort_looks_off_when_off(client):
    form = worker_form(
        "coreclaw/slow-worker", client=client, interval_seconds=0.05, duration_seconds=600
    )
    panel = form._panel
    assert not form.run_button.disabled
    assert panel.abort_button.disabled and panel.abort_button.button_style == ""
    assert form.start() is True
    assert form.run_button.disabled
    while form.run is None or panel.abort_button.disabled:
        panel.join(0.05)
        assert panel.busy, form.error
    assert panel.abort_button.button_style == "danger"
    panel.abort_button.click()
    form.wait(RUN_TIMEOUT)
    assert not form.run_button.disabled
    assert panel.abort_button.disabled and panel.abort_button.button_style == ""


def test_one_plain_message_per_field(client):
    form = worker_form("coreclaw/catalogue-generator", client=client)
    form.controls["rows"].input.value = "lots"
    form.run_button.click()
    assert form.run is None
    error = form.controls["rows"].error
    assert error.count("&#9888;") == 1 and "`" not in error
    assert "is not a number" in error and "must be an integer" not in error


def test_a_failure_reason_is_shown_once(client):
    form = worker_form(
        "coreclaw/failing-worker", client=client, fail_after=2, row_interval_seconds=0
    )
    run = finished(form)
    panel = form._panel
    shown = "".join(w.value for w in (panel.status, panel.log, panel.error_box, panel.preview))
    reason = run.err_msg
    assert reason and shown.count(reason) == 1, shown


def test_untouched_form_builds_from_defaults_where_editor_and_type_disagree():
    schema = {
        "properties": [
            {"name": "lang", "title": "Language", "type": "string", "editor": "select",
             "multiple": True, "default": "en",
             "options": [{"label": "English", "value": "en"}, {"label": "German", "value": "de"}]},
            {"name": "part", "title": "Part", "type": "string", "editor": "checkbox",
             "default": "price",
             "options": [{"label": "Price", "value": "price"}, {"label": "Stock", "value": "s"}]},
        ]
    }  # fmt: skip
    form = WorkerForm.from_schema(schema)
    assert form.validate() == []
    assert form.value == {"lang": ["en"], "part": "price"}
    lang = form.controls["lang"]
    assert lang.local_problem() is None and lang.error == ""
    assert "sent as a list" in lang.widget.children[-2].value  # the note says what was done


def test_download_links_point_at_jupyters_files_route(client, tmp_path, monkeypatch):
    # Jupyter serves files at <base_url>files/<path under its root>; the kernel's parent
    # process is the server, whose runtime file says where its root is.
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    (runtime / "jpserver-1.json").write_text(
        json.dumps({"pid": os.getppid(), "root_dir": str(tmp_path), "base_url": "/user/ann/"})
    )
    form = worker_form("coreclaw/catalogue-generator", client=client, rows=3)
    run = finished(form)
    form.download_dir = tmp_path / "out dir"
    form.download_dir.mkdir()
    form._panel.csv_button.click()
    form._panel.excel_button.click()
    links = re.findall(r"<a href='([^']+)'", form._panel.link.value)
    name = f"catalogue-generator-{run.slug}"
    assert links == [
        f"/user/ann/files/out%20dir/{name}.csv",
        f"/user/ann/files/out%20dir/{name}.xlsx",
    ]
    assert "text-decoration:underline" in form._panel.link.value


def test_a_hostile_run_slug_cannot_write_outside_the_download_folder(client, tmp_path):
    form = worker_form("coreclaw/catalogue-generator", client=client, rows=3)
    finished(form)
    panel = form._panel
    panel.run = dataclasses.replace(panel.run, slug="../../escaped/..\\x")
    form.download_dir = tmp_path / "downloads"
    form.download_dir.mkdir()
    written = form.download("csv")
    assert written is not None and written.parent == form.download_dir
    assert "/" not in written.name and "\\" not in written.name and ".." not in written.name
    assert not (tmp_path / "escaped").exists()
