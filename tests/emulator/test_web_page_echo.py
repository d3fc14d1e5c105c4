"""The web page scraper echoes the start URL each page was reached from, as given."""

from __future__ import annotations


def test_every_row_names_its_start_url_as_given(emu, client):
    starts = ["/demo-site/index.html", f"{emu.url}/demo-site/index.html?second=1"]
    run = client.start_run("coreclaw/web-page-scraper", {"startURLs": starts, "max_pages": 8})
    client.wait(run.slug)

    rows = list(client.iter_results(run.slug))

    assert len(rows) == 8
    assert {row["start_url"] for row in rows} <= set(starts)
    assert {row["start_url"] for row in rows if row["depth"] == 0} == set(starts)
    # A page found by following links keeps the start URL of the page that linked to it.
    for row in rows:
        if row["depth"] == 0:
            assert row["url"].endswith(row["start_url"].removeprefix(emu.url))
