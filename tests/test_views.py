"""Notebook views (issue 16 #10): a short ``repr`` and a compact, escaped ``_repr_html_``.

Pure: the objects are built here, as the wire layer would build them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.frames import set_provenance
from coreclaw_pandas.schema import parse_input_schema

README = "# <b>Web</b> scraper\n\n" + "Long text. " * 2000
SCHEMA = {
    "properties": {
        "startURLs": {"title": "Start <URLs>", "type": "array", "editor": "requestListSources",
                      "default": [{"url": "https://example.com/"}]},
        "max_pages": {"title": "Max pages", "type": "integer", "default": 10},
        "note": {"title": "Note", "type": "string"},
    },
    "required": ["startURLs"],
}


@pytest.fixture
def worker() -> cc.Worker:
    return cc.Worker(
        slug="coreclaw/web-page-scraper",
        version="v1.2.0",
        readme=README,
        system={"memory": 512, "execute_limit_time_seconds": 1800},
        input_schema=parse_input_schema(SCHEMA),
    )


def run(**changes) -> cc.Run:
    fields = dict(
        slug="01JRUN0000000000000000000A",
        status=cc.RunStatus.SUCCEEDED,
        scraper_slug="01JE28JT97KB6CQ643DZVMXXQK",
        scraper_title="Web <Page> Scraper",
        version="v1.2.0",
        results=25,
        usage=0.0125,
        started_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        finished_at=datetime(2026, 12, 1, 9, 0, 13, tzinfo=UTC),
        duration=13.0,
    )
    return cc.Run(**{**fields, **changes})


def test_a_worker_repr_is_one_short_line_without_the_readme(worker) -> None:
    text = repr(worker)
    assert text == (
        "Worker('coreclaw/web-page-scraper', version='v1.2.0', "
        "fields=[startURLs, max_pages, note])"
    )
    assert "Long text" not in text


def test_a_worker_view_is_compact_and_escaped(worker) -> None:
    view = worker._repr_html_()
    assert len(view) < 3000  # the README is 22,000 characters long
    assert "&lt;b&gt;Web&lt;/b&gt; scraper" in view and "<b>Web" not in view
    assert "Start &lt;URLs&gt;" in view  # the schema's table comes along
    assert "1800" in view and "v1.2.0" in view


def test_the_schema_view_is_the_field_table(worker) -> None:
    view = worker.input_schema._repr_html_()
    assert view.count("<tr>") == 1 + 3  # header + one row per field
    assert "startURLs *" in view and "max_pages" in view and ">integer<" in view
    assert "https://example.com/" in view  # the default, shown as typed
    assert repr(worker.input_schema).startswith("InputSchema([startURLs*, max_pages, note]")


def test_a_run_repr_and_view() -> None:
    r = run()
    assert repr(r) == (
        "Run('01JRUN0000000000000000000A', succeeded, worker='Web <Page> Scraper', "
        "results=25, usage=0.0125)"
    )
    view = r._repr_html_()
    assert "Web &lt;Page&gt; Scraper" in view and "25 rows" in view and "13 s" in view
    assert "error" not in view  # empty facts are left out
    failed = run(status=cc.RunStatus.FAILED, err_msg="<script>boom</script>")
    assert "&lt;script&gt;boom" in failed._repr_html_()


def test_a_run_log_repr_and_view_show_the_newest_entries() -> None:
    entries = [
        cc.LogEntry(cc.LogLevel.INFO, f"page {n} <ok>", timestamp=datetime(2026, 12, 1, tzinfo=UTC))
        for n in range(50)
    ]
    log = cc.RunLog(entries, all_logs_url="https://logs.invalid/x")
    assert repr(log) == "RunLog(50 entries, last='page 49 <ok>')"
    view = log._repr_html_()
    assert "page 49 &lt;ok&gt;" in view and "page 29 " not in view
    assert view.count("<tr>") == 1 + 20
    assert repr(cc.RunLog([])) == "RunLog(0 entries)"


def test_the_accessor_repr_and_view() -> None:
    df = pd.DataFrame({"title": ["a", "b"]})
    assert repr(df.coreclaw) == (
        "<df.coreclaw: no CoreClaw provenance (make the frame with cc.results_df)>"
    )
    assert " at 0x" not in repr(df.coreclaw)
    set_provenance(
        df, {"run_slug": "01JRUN", "worker_title": "Cat <1>", "status": "succeeded", "usage": 0.5}
    )
    assert repr(df.coreclaw) == "<df.coreclaw: run 01JRUN of 'Cat <1>', succeeded, 2 rows>"
    view = df.coreclaw._repr_html_()
    assert "Cat &lt;1&gt;" in view and "2 rows of CoreClaw run 01JRUN" in view


def test_the_quickstart_shows_the_workers_view_instead_of_building_a_table(repo_root) -> None:
    import json

    notebook = json.loads((repo_root / "notebooks" / "01_quickstart.ipynb").read_text("utf-8"))
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert any(source.rstrip().endswith("\nworker") for source in code)
    assert not any("for f in worker.input_schema" in source for source in code)
