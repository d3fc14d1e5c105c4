"""Worker forms against the emulator over real HTTP: build, round-trip, click Run.

Every built-in Worker gets a form from ``cc.worker_form``; its values must be
what ``Client.prepare_input`` (the path ``cc.run_worker`` takes) would send, and
the Run button must drive a real run to a DataFrame, with errors shown in the
form instead of raised.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.emulator.workers import builtin_workers
from coreclaw_pandas.exceptions import InputError
from coreclaw_pandas.forms import WorkerForm, worker_form

from .helpers import assert_round_trip

WORKERS = [w.path for w in builtin_workers()]
RUN_TIMEOUT = 60  # seconds a form's run may take at most before the test fails


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def fast(server) -> Iterator[cc.Client]:
    """A client that polls quickly (the suite's conftest keeps the result cache in tmp)."""
    with cc.Client(
        server.api_key, base_url=server.url, poll=cc.PollPolicy(initial=0.05, maximum=0.25)
    ) as c:
        yield c


def finished(form: WorkerForm) -> cc.Run:
    assert form.start() is True
    run = form.wait(RUN_TIMEOUT)
    assert not form._panel.busy, "the run did not end in time"
    assert run is not None
    return run


@pytest.mark.parametrize("slug", WORKERS)
def test_builtin_worker_form_matches_what_run_worker_sends(fast, slug):
    form = worker_form(slug, client=fast)
    worker = fast.worker(slug)
    assert list(form.controls) == worker.input_schema.names
    version, system, custom = fast.prepare_input(slug, {})
    assert (form.value, form.version) == (custom, version)
    assert form.system == {**system, "proxy_region": "US"}
    assert form.validate() == []
    # Regions come from the server, with their names.
    assert ("US \u00b7 United States", "US") in form.options.proxy_region.options
    assert_round_trip(form)
    form.options.memory.value = 2048
    form.options.proxy_region.value = "JP"
    version, system, custom = fast.prepare_input(slug, form.value, system=form.system)
    assert custom == form.value and system == form.system and version == form.version


def test_run_button_drives_a_run_to_a_dataframe_and_downloads(fast, tmp_path):
    form = worker_form("coreclaw/catalogue-generator", client=fast)
    form.controls["rows"].input.value = "25"
    form.controls["keywords"].add_button.click()
    form.controls["keywords"].rows[-1].cells["string"].value = "teapot"
    form.options.proxy_region.value = "GB"
    form.run_button.click()
    run = form.wait(RUN_TIMEOUT)
    assert run is not None and run.succeeded and form.error is None
    assert form.run is run and len(form.df) == 25
    assert set(form.df["search_keyword"]) <= {"kettle", "headphones", "teapot"}
    assert form.df.attrs["coreclaw"]["run_slug"] == run.slug
    panel = form._panel
    assert "Succeeded" in panel.status.value and "25 rows" in panel.status.value
    assert panel.progress.bar_style == "success" and panel.progress.value == panel.progress.max
    assert "Done: 25 row(s)." in panel.log.value
    assert "25 rows \u00d7" in panel.preview.value and "<table" in panel.preview.value
    form.download_dir = tmp_path
    panel.csv_button.click()
    panel.excel_button.click()
    csv_path = tmp_path / f"catalogue-generator-{run.slug}.csv"
    xlsx_path = csv_path.with_suffix(".xlsx")
    assert csv_path.is_file() and xlsx_path.is_file()
    assert xlsx_path.name in panel.link.value
    back = pd.read_csv(csv_path)
    assert len(back) == 25 and list(back["product_id"]) == list(form.df["product_id"])


def test_every_builtin_worker_runs_from_its_form(fast):
    small = {
        "coreclaw/web-page-scraper": {"max_pages": 3},
        "coreclaw/catalogue-generator": {"rows": 5},
        "coreclaw/failing-worker": {"fail_after": 2, "row_interval_seconds": 0},
        "coreclaw/slow-worker": {"interval_seconds": 0.05, "duration_seconds": 1},
        "coreclaw/captcha-worker": {"pages": 3},
    }
    assert set(small) == set(WORKERS)
    for slug, values in small.items():
        form = worker_form(slug, client=fast, **values)
        run = finished(form)
        assert run.is_terminal and form.df is not None and len(form.df) == run.results > 0, slug
        if slug == "coreclaw/failing-worker":
            assert not run.succeeded and form.error.startswith("The run failed: Simulated")
            assert "before the run failed" in form._panel.preview.value
        else:
            assert run.succeeded and form.error is None, (slug, form.error)


def test_invalid_input_starts_nothing(fast):
    form = worker_form("coreclaw/web-page-scraper", client=fast)
    for row in list(form.controls["startURLs"].rows):
        row.remove_button.click()
    form.run_button.click()
    assert form.run is None and not form._panel.busy
    assert "startURLs" in form._summary.value and "required" in form.controls["startURLs"].error


def test_rejections_show_in_the_form_not_as_tracebacks(server, fast):
    form = worker_form("coreclaw/failing-worker", client=fast)
    form.options.version_text.value = "v9.9.9"
    assert form.start() is True
    assert form.wait(RUN_TIMEOUT) is None
    assert form.error.startswith("WorkerNotFoundError:") and "v9.9.9" in form.error
    assert "Not started" in form._panel.status.value
    with cc.Client("wrong-key", base_url=server.url, max_retries=0) as stranger:
        form = worker_form("coreclaw/failing-worker", client=stranger)  # reading needs no key
        assert form.start() is True and form.wait(RUN_TIMEOUT) is None
        assert form.error.startswith("AuthenticationError:") and "wrong-key" not in form.error


def test_abort_button_stops_a_running_run(fast):
    form = worker_form(
        "coreclaw/slow-worker", client=fast, interval_seconds=0.05, duration_seconds=600
    )
    assert form.start() is True
    panel = form._panel
    while form.run is None or panel.abort_button.disabled:  # wait until the run is polled
        panel.join(0.05)
        assert panel.busy, form.error
    assert form.start() is False  # one run at a time
    panel.abort_button.click()
    run = form.wait(RUN_TIMEOUT)
    assert run is not None and not run.succeeded and not panel.busy
    assert form.error is not None and "abort" in form.error.lower()


def test_prefill_names_are_checked_against_the_worker(fast):
    with pytest.raises(InputError, match="did you mean `max_pages`"):
        worker_form("coreclaw/web-page-scraper", client=fast, max_page=3)
    form = worker_form("coreclaw/web-page-scraper", client=fast, startURLs="/demo-site/a.html")
    assert form.value["startURLs"] == [{"url": "/demo-site/a.html"}]


@pytest.mark.slow
def test_forms_notebook_runs_top_to_bottom(tmp_path, monkeypatch, repo_root):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    root = repo_root
    notebook = nbformat.read(root / "notebooks" / "02_forms.ipynb", as_version=4)
    assert all(
        not c.get("outputs") and not c.get("execution_count")
        for c in notebook.cells
        if c.cell_type == "code"
    ), "committed with outputs"
    # The kernel imports the package from this checkout and starts its own emulator.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    )
    nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert [o["data"]["text/plain"].split(",")[0] for o in shown] == [
        "WorkerForm(coreclaw/catalogue-generator",
        "WorkerForm(local schema",
    ]
