"""A Worker form in JupyterLab, used with the mouse and keyboard in Chromium.

A wrong value and Run: the message shows by the field and no run starts. The value
fixed and Run: the run ends, the bar finishes green, the preview shows one line per
row. The Download buttons' links fetch the very files written (not JupyterLab's own
page), through the page, with its cookies, as a click would.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from .helpers import (
    BARS,
    RUN_TIMEOUT,
    WIDGET_REPRS,
    dump,
    errors_in,
    execute,
    open_notebook,
    outputs,
    run_all,
    screenshot,
)

pytestmark = pytest.mark.slow

NOTEBOOK = "form_in_lab.ipynb"
CODE = """\
from pathlib import Path

import coreclaw_pandas as cc
from coreclaw_pandas.emulator import Emulator

emu = Emulator().start()
client = cc.Client(emu.api_key, base_url=emu.url, poll=cc.PollPolicy(initial=0.1, maximum=0.5))
form = cc.worker_form("coreclaw/catalogue-generator", client=client, rows=25)
form.download_dir = Path("downloads").resolve()
form.download_dir.mkdir(exist_ok=True)
form
"""
# One field per editor, plus two fallbacks: a local schema written for the docs' picture.
EDITORS_SCHEMA = {"description": "One field per editor (a local schema: the Run button is off).",
 "properties": [
  {"name": "query", "title": "Search text (input)", "type": "string", "editor": "input",
   "required": True, "default": "espresso machines", "sectionCaption": "Text",
   "sectionDescription": "input, textarea and json"},
  {"name": "note", "title": "Note (textarea)", "type": "string", "editor": "textarea",
   "default": "Two lines\nof text"},
  {"name": "filters", "title": "Filters (json)", "type": "object", "editor": "json",
   "default": {"min_rating": 4, "brands": ["Acme"]}},
  {"name": "limit", "title": "Limit (number, integer)", "type": "integer", "editor": "number",
   "default": 50, "minimum": 1, "maximum": 500, "sectionCaption": "Numbers and choices"},
  {"name": "ratio", "title": "Sample ratio (number, float)", "type": "number",
   "editor": "number", "default": 0.25, "minimum": 0, "maximum": 1},
  {"name": "lang", "title": "Language (select)", "type": "string", "editor": "select",
   "default": "en", "options": [{"label": "English", "value": "en"},
   {"label": "Deutsch", "value": "de"}]},
  {"name": "markets", "title": "Markets (select, multiple)", "type": "array",
   "editor": "select", "multiple": True, "default": ["uk", "fr"],
   "options": [{"label": "United Kingdom", "value": "uk"}, {"label": "France", "value": "fr"},
   {"label": "Japan", "value": "jp"}]},
  {"name": "depth", "title": "Depth (radio)", "type": "integer", "editor": "radio", "default": 2,
   "options": [{"label": "Shallow", "value": 1}, {"label": "Deep", "value": 2}]},
  {"name": "parts", "title": "Parts (checkbox)", "type": "array", "editor": "checkbox",
   "default": ["price"], "options": [{"label": "Price", "value": "price"},
   {"label": "Reviews", "value": "reviews"}]},
  {"name": "images", "title": "Download images (switch)", "type": "boolean",
   "editor": "switch", "default": True},
  {"name": "since", "title": "Since (datepicker)", "type": "string", "editor": "datepicker",
   "format": "DD/MM/YYYY", "valueFormat": "YYYY-MM-DD", "default": "2025-01-31"},
  {"name": "start", "title": "Start URLs (requestList)", "type": "array",
   "editor": "requestList", "required": True, "default": [{"url": "https://shop.example/a"}],
   "sectionCaption": "Lists"},
  {"name": "pages", "title": "Pages (requestListSource)", "type": "array",
   "editor": "requestListSource", "default": [{"url": "https://shop.example/b", "max": "10"}],
   "param_list": [{"param": "url", "title": "URL", "required": True},
   {"param": "max", "title": "Max items"}]},
  {"name": "words", "title": "Keywords (stringList)", "type": "array", "editor": "stringList",
   "default": [{"string": "grinder"}, {"string": "kettle"}]},
  {"name": "area", "title": "Area (radio on an object: a fallback)", "type": "object",
   "editor": "radio", "options": [{"label": "Paris", "value": "paris"}],
   "sectionCaption": "Fallbacks"},
  {"name": "code", "title": "Code (an unknown editor)", "type": "string",
   "editor": "text"}]}  # fmt: skip
EDITORS = f"""\
import json

from coreclaw_pandas.forms import WorkerForm

schema = json.loads({json.dumps(EDITORS_SCHEMA)!r})
editors = WorkerForm.from_schema(schema, title="Every editor")
editors.validate()
editors
"""
#: A preview row taller than this wraps: 10 rows must fit the preview box.
MAX_ROW_PX = 40
FETCH = """async (href) => {
  const reply = await fetch(href);
  const body = new Uint8Array(await reply.arrayBuffer());
  return {status: reply.status, type: reply.headers.get('content-type'), bytes: Array.from(body)};
}"""


@pytest.fixture
def form_page(lab, page):
    cells = [nbformat.v4.new_code_cell(CODE), nbformat.v4.new_code_cell(EDITORS)]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, lab.root / NOTEBOOK)
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert not errors_in(outputs(page)), dump(outputs(page))
    yield page
    execute(page, "emu.stop()")


def _field(page, name):
    """The block of one field: the innermost widget box whose label shows ``name``."""
    label = page.locator("code", has_text=re.compile(rf"^{re.escape(name)}$"))
    return page.locator(".widget-vbox").filter(has=label).last


def test_form_checks_then_runs_then_downloads_the_real_files(lab, form_page):
    page = form_page
    run = page.locator("button.jupyter-button", has_text=re.compile(r"^\s*Run\s*$")).first
    rows = _field(page, "rows")
    assert page.evaluate(WIDGET_REPRS) == []

    rows.locator("input").first.fill("lots")
    run.click()
    rows.get_by_text("is not a number").wait_for()
    page.get_by_text("nothing was sent").wait_for()
    screenshot(page, "form-wrong-value")
    assert rows.inner_text().count("\u26a0") == 1  # one message, not two glued together
    assert execute(page, "print(form.run)").strip() == "None"  # no run was started

    rows.locator("input").first.fill("25")
    rows.get_by_text("is not a number").wait_for(state="detached")
    run.click()
    page.get_by_text("25 rows \u00d7").wait_for(timeout=RUN_TIMEOUT * 1000)
    assert "Succeeded" in page.locator(".jp-OutputArea-output").first.inner_text()
    bars = page.evaluate(BARS)
    assert bars and all(
        b["width"] == "100%" and "progress-bar-success" in b["cls"] for b in bars
    ), dump(bars)
    heights = page.evaluate(
        "() => Array.from(document.querySelectorAll('.widget-html table tbody tr'), "
        "(r) => r.getBoundingClientRect().height)"
    )
    print(f"preview rows: {len(heights)}, tallest {max(heights):.0f} px")
    assert len(heights) == 10 and max(heights) <= MAX_ROW_PX, heights

    page.locator("button", has_text="Download CSV").first.click()
    page.locator("button", has_text="Download Excel").first.click()
    links = page.locator("a[download]")
    links.nth(1).wait_for()
    screenshot(page, "form-after-run")
    # The docs' pictures: copy these two to docs/images/ after changing the forms.
    forms = page.locator(".jp-OutputArea-output")
    screenshot(page, "form-catalogue", forms.nth(0))
    screenshot(page, "form-editors", forms.nth(1))
    slug = execute(page, "print(form.run.slug)").strip()
    for link, suffix in zip(links.all(), (".csv", ".xlsx"), strict=True):
        href = link.get_attribute("href")
        on_disk = lab.root / "downloads" / f"catalogue-generator-{slug}{suffix}"
        assert href == f"/files/downloads/{on_disk.name}"
        got = page.evaluate(FETCH, href)
        size = on_disk.stat().st_size
        print(f"{on_disk.name}: {len(got['bytes'])} bytes fetched, {size} on disk")
        assert got["status"] == 200 and "html" not in (got["type"] or "")
        assert bytes(got["bytes"]) == on_disk.read_bytes()
