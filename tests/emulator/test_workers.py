"""Built-in Workers, run through a recording test context (no engine, no mocks).

The web page scraper fetches the demo site over real HTTP from a stdlib server on
127.0.0.1, port 0.
"""

from __future__ import annotations

import json
import math
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from coreclaw_pandas.emulator import demo_site as site
from coreclaw_pandas.emulator.workers import (
    RunAborted,
    WorkerFailed,
    WorkerSpec,
    builtin_workers,
    catalogue,
    failing,
    slow,
    web_page,
)

EDITORS = {"input", "textarea", "number", "select", "radio", "checkbox", "switch", "datepicker",
           "requestList", "requestListSource", "stringList", "json"}
PY_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "integer": (int,),
                                         "number": (int, float), "boolean": (bool,),
                                         "array": (list,), "object": (dict,)}


class RecordingContext:
    """A test double of the engine's RunContext that records everything it is told.

    ``abort_after`` makes the n+1-th ``checkpoint``/``sleep`` call raise RunAborted,
    as the engine does once a run is being aborted. ``sleep`` only records.
    """

    def __init__(self, base_url: str = "http://127.0.0.1:9", *,
                 abort_after: int | None = None) -> None:
        self.run_slug = "01JTESTRUN0000000000000000"
        self.base_url = base_url
        self.abort_after = abort_after
        self.headers: list[dict[str, str]] | None = None
        self.rows: list[dict[str, Any]] = []
        self.pushes: list[int] = []
        self.logs: list[tuple[int, str]] = []
        self.slept: list[float] = []
        self.traffic = 0
        self.calls = 0

    def set_headers(self, headers: Iterable[Mapping[str, str]]) -> None:
        self.headers = [dict(header) for header in headers]
        assert all(set(header) == {"key", "label", "format"} for header in self.headers)

    def push(self, rows: Iterable[Mapping[str, Any]]) -> None:
        batch = [dict(row) for row in rows]
        for row in batch:
            json.dumps(row, allow_nan=False)  # rows must survive the wire as they are
        self.rows.extend(batch)
        self.pushes.append(len(batch))

    def log(self, level: int, content: str) -> None:
        assert level in (1, 2, 3, 4) and isinstance(content, str)
        self.logs.append((level, content))

    def checkpoint(self) -> None:
        self._tick()

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self._tick()

    def add_traffic(self, nbytes: int) -> None:
        assert nbytes >= 0
        self.traffic += nbytes

    def levels(self, level: int) -> list[str]:
        return [content for lvl, content in self.logs if lvl == level]

    def _tick(self) -> None:
        self.calls += 1
        if self.abort_after is not None and self.calls > self.abort_after:
            raise RunAborted("aborted by test")


class _Handler(BaseHTTPRequestHandler):
    """Serves the demo site under /demo-site/ and one extra cross-host page."""

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self.server.user_agents.append(self.headers.get("User-Agent"))  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        if path.startswith("/demo-site/"):
            status, content_type, body = site.render(path[len("/demo-site/"):])
        elif path == "/hub.html":
            port = self.server.server_address[1]
            status, content_type = 200, "text/html; charset=utf-8"
            body = (f'<html><head><title>Hub</title></head><body><h1>Hub</h1>'
                    f'<a href="http://localhost:{port}/demo-site/about.html">elsewhere</a>'
                    f'<a href="mailto:someone@example.com">mail</a></body></html>').encode()
        else:
            status, content_type, body = 404, "text/plain", b"nothing here"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def demo_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.user_agents = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def base_url(demo_server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{demo_server.server_address[1]}"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_path(url: str) -> str:
    return unquote(urlsplit(url).path)[len("/demo-site/"):]


# --- web page scraper -------------------------------------------------------------------------

def test_web_page_crawls_the_whole_demo_site_and_reports_broken_links(base_url: str) -> None:
    ctx = RecordingContext(base_url)
    web_page.run(ctx, {"max_pages": 1000})
    by_path = {site_path(row["url"]): row for row in ctx.rows}
    assert len(by_path) == len(ctx.rows), "a page was fetched twice"
    assert set(by_path) == set(site.PAGES) | set(site.BROKEN_LINKS)
    for book in site.BOOKS:
        row = by_path[f"book/{book.slug}.html"]
        assert row["status"] == 200 and row["error"] is None
        assert row["title"] == f"{book.title} | {site.SITE_NAME}"
        assert row["meta_description"] == book.blurb
        assert row["headings"][0] == book.title
    for broken in site.BROKEN_LINKS:
        row = by_path[broken]
        assert row["status"] == 404 and "404" in row["error"]
        assert row["referrer"] is not None
    warnings = ctx.levels(3)
    assert len(warnings) == len(site.BROKEN_LINKS)
    assert all("Broken link" in warning for warning in warnings)
    assert len([m for m in ctx.levels(2) if m.startswith("Fetched")]) == len(site.PAGES)
    expected_bytes = sum(len(site.render(path)[2]) for path in by_path)
    assert ctx.traffic == expected_bytes
    assert ctx.calls >= len(ctx.rows)


def test_web_page_row_content_for_one_book(base_url: str) -> None:
    book = site.BOOKS[2]
    ctx = RecordingContext(base_url)
    web_page.run(ctx, {"startURLs": [{"url": f"/demo-site/book/{book.slug}.html"}],
                       "max_pages": 1})
    (row,) = ctx.rows
    assert row["headings"] == [book.title, "Details", "Description", "You may also like"]
    assert row["depth"] == 0 and row["referrer"] is None
    assert row["content_type"] == "text/html"
    text = site.render(f"book/{book.slug}.html")[2].decode()
    body_text = re.sub(r"<[^>]+>", " ", text.split("<body>")[1])
    assert row["word_count"] == len(body_text.replace("&amp;", "&").split())
    links = {site_path(link["url"]): link["text"] for link in row["links"]}
    assert links[f"category/{book.category}.html"] == site.CATEGORIES[book.category]
    assert all(link["url"].startswith(base_url) for link in row["links"])
    assert datetime.fromisoformat(row["fetched_at"]).tzinfo is not None
    assert [h["key"] for h in ctx.headers or []][:2] == ["url", "status"]


def test_web_page_is_breadth_first_and_stops_at_max_pages(base_url: str) -> None:
    ctx = RecordingContext(base_url)
    web_page.run(ctx, {"startURLs": [{"url": f"{base_url}/demo-site/index.html"}],
                       "max_pages": 6})
    assert len(ctx.rows) == 6
    home = ctx.rows[0]
    assert [row["depth"] for row in ctx.rows] == [0, 1, 1, 1, 1, 1]
    assert [row["url"] for row in ctx.rows[1:]] == [link["url"] for link in home["links"][1:6]]
    assert "not fetched" in ctx.logs[-1][1]


def test_web_page_without_links_column(base_url: str) -> None:
    ctx = RecordingContext(base_url)
    web_page.run(ctx, {"max_pages": 3, "include_links": False})
    assert len(ctx.rows) == 3
    assert all("links" not in row for row in ctx.rows)
    assert "links" not in [header["key"] for header in ctx.headers or []]


def test_web_page_same_domain_only_controls_cross_host_links(base_url: str) -> None:
    stay = RecordingContext(base_url)
    web_page.run(stay, {"startURLs": [{"url": "/hub.html"}], "same_domain_only": True})
    assert [urlsplit(row["url"]).path for row in stay.rows] == ["/hub.html"]
    roam = RecordingContext(base_url)
    web_page.run(roam, {"startURLs": [{"url": "/hub.html"}], "same_domain_only": False,
                        "max_pages": 2})
    assert urlsplit(roam.rows[1]["url"]).hostname == "localhost"
    assert roam.rows[1]["title"] == f"About us | {site.SITE_NAME}"


def test_web_page_connection_error_is_a_row_not_a_crash(base_url: str) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/"
    ctx = RecordingContext(base_url)
    ctx.allow_private_networks = True  # type: ignore[attr-defined]  # a local port is refused
    web_page.run(ctx, {"startURLs": [{"url": dead}, "/demo-site/about.html"], "max_pages": 2,
                       "request_timeout_seconds": 5})
    assert ctx.rows[0]["url"] == dead
    assert ctx.rows[0]["status"] is None
    assert ctx.rows[0]["error"].startswith("Connection failed")
    assert ctx.rows[1]["status"] == 200
    assert any(dead in warning for warning in ctx.levels(3))


def test_web_page_sends_the_user_agent(base_url: str, demo_server: ThreadingHTTPServer) -> None:
    ctx = RecordingContext(base_url)
    web_page.run(ctx, {"max_pages": 1, "user_agent": "pandas-test-agent/9"})
    assert "pandas-test-agent/9" in demo_server.user_agents  # type: ignore[attr-defined]


def test_web_page_rejects_input_without_a_usable_url() -> None:
    ctx = RecordingContext()
    with pytest.raises(WorkerFailed, match="start URL"):
        web_page.run(ctx, {"startURLs": [{"url": "ftp://files.example.com"}, {"nope": 1}]})
    with pytest.raises(WorkerFailed, match="max_pages"):
        web_page.run(ctx, {"max_pages": 0})


def test_web_page_stops_on_abort(base_url: str) -> None:
    ctx = RecordingContext(base_url, abort_after=3)
    with pytest.raises(RunAborted):
        web_page.run(ctx, {"max_pages": 50})
    assert len(ctx.rows) == 3


# --- catalogue generator ----------------------------------------------------------------------

def run_catalogue(**custom: Any) -> RecordingContext:
    ctx = RecordingContext()
    catalogue.run(ctx, custom)
    return ctx


@pytest.mark.parametrize(("rows", "chunk"), [(0, 5), (1, 5), (5, 5), (6, 5), (10, 5), (11, 5)])
def test_catalogue_row_count_is_exact_at_chunk_boundaries(rows: int, chunk: int) -> None:
    ctx = run_catalogue(rows=rows, chunk_size=chunk)
    assert [row["index"] for row in ctx.rows] == list(range(rows))
    assert ctx.pushes == [min(chunk, rows - start) for start in range(0, rows, chunk)]
    assert ctx.calls == math.ceil(rows / chunk)  # one checkpoint per batch


def test_catalogue_is_deterministic_for_a_seed_whatever_the_batching() -> None:
    first = run_catalogue(rows=300, seed=7, chunk_size=64).rows
    assert run_catalogue(rows=300, seed=7, chunk_size=1000).rows == first
    assert catalogue.catalogue_rows({"seed": 7}, 120, 140) == first[120:140]
    other = run_catalogue(rows=300, seed=8).rows
    assert sum(a["title"] != b["title"] for a, b in zip(first, other, strict=True)) > 200


def test_catalogue_rows_are_ragged_nested_and_mixed_types() -> None:
    rows = catalogue.catalogue_rows({}, 0, 3000)
    assert len({frozenset(row) for row in rows}) > 5
    for optional in ("discount", "colour", "dimensions", "reviews"):
        present = sum(optional in row for row in rows)
        assert 0 < present < len(rows), optional
    for row in rows:
        assert type(row["index"]) is int and type(row["review_count"]) is int
        assert type(row["price"]) is float and type(row["in_stock"]) is bool
        assert row["stock"].isdigit() and (row["stock"] != "0") == row["in_stock"]
        assert re.fullmatch(r"0\d{12}", row["ean"])
        assert set(row["seller"]) == {"name", "country", "rating"}
        assert isinstance(row["tags"], list)
        for review in row.get("reviews", []):
            assert set(review) == {"author", "stars", "text"} and 1 <= review["stars"] <= 5
        assert float(row["price_text"]) == pytest.approx(row["price"])
    assert any(row["rating"] is None for row in rows)
    assert any(row["seller"]["rating"] is None for row in rows)
    assert any(re.search(r"[^\x00-\x7f]", json.dumps(row, ensure_ascii=False)) for row in rows)


def test_catalogue_dates_are_iso_with_and_without_zone() -> None:
    rows = catalogue.catalogue_rows({"start_date": "2022-03-01"}, 0, 500)
    for row in rows:
        listed = date.fromisoformat(row["listed_on"])
        assert date(2022, 3, 1) <= listed <= date(2025, 3, 1)
        assert datetime.fromisoformat(row["updated_at"]).tzinfo is not None
        assert datetime.fromisoformat(row["scraped_at"]).tzinfo is None


def test_catalogue_has_formula_injection_text_and_rare_long_text() -> None:
    rows = catalogue.catalogue_rows({}, 0, 4000)
    texts = [value for row in rows for value in (row["title"], row["description"],
                                                 row["seller"]["name"])]
    assert {text[0] for text in texts if text[:1] in "=+-@" and text} == set("=+-@")
    long_rows = [row["index"] for row in rows if len(row["description"]) > 40_000]
    assert long_rows == [500, 2500]
    assert run_catalogue(rows=1000).rows[500]["description"].startswith("Full specification")


def test_catalogue_content_options_are_honoured() -> None:
    rows = catalogue.catalogue_rows({
        "currency": "JPY", "locale": "de-DE", "categories": ["garden", "toys"],
        "keywords": [{"string": "kite"}, "trowel"], "max_reviews": 0,
        "extra_fields": {"batch": "Q3", "nested": {"ok": True}},
        "sources": [{"url": "https://a.example.org/", "marketplace": "A"},
                    {"url": "https://b.example.org"}],
    }, 0, 400)
    assert {row["category"] for row in rows} == {"garden", "toys"}
    assert {row["currency"] for row in rows} == {"JPY"}
    assert all(row["price"] == int(row["price"]) and "," not in row["price_text"]
               for row in rows)
    assert {row["search_keyword"] for row in rows} == {"kite", "trowel"}
    assert any(row["search_keyword"] in row["title"] for row in rows)
    assert not any("reviews" in row for row in rows)
    assert all(row["batch"] == "Q3" and row["nested"] == {"ok": True} for row in rows)
    assert {row["marketplace"] for row in rows} == {"A", "https://b.example.org"}
    assert all(row["url"].endswith("/item/" + row["product_id"]) for row in rows)
    euro = catalogue.catalogue_rows({"currency": "EUR", "locale": "de-DE"}, 0, 50)
    assert all(re.fullmatch(r"\d+,\d\d", row["price_text"]) for row in euro)


def test_catalogue_logs_notes_and_rejects_bad_input() -> None:
    ctx = run_catalogue(rows=3, notes="nightly check ✓")
    assert "Run notes: nightly check ✓" in ctx.levels(2)
    for bad in ({"rows": -1}, {"rows": "many"}, {"categories": ["weapons"]},
                {"start_date": "31/12/2024"}, {"extra_fields": [1, 2]}, {"locale": "xx"}):
        with pytest.raises(WorkerFailed):
            run_catalogue(**bad)


def test_catalogue_paces_with_ctx_sleep() -> None:
    ctx = run_catalogue(rows=250, rows_per_second=100)
    assert max(ctx.pushes) <= 25
    assert sum(ctx.slept) == pytest.approx(2.5)


def test_catalogue_stops_between_batches_on_abort() -> None:
    ctx = RecordingContext(abort_after=2)
    with pytest.raises(RunAborted):
        catalogue.run(ctx, {"rows": 100_000, "chunk_size": 1000})
    assert len(ctx.rows) == 2000


@pytest.mark.slow
def test_catalogue_million_rows_throughput() -> None:
    class Counting(RecordingContext):
        def push(self, rows: Iterable[Mapping[str, Any]]) -> None:
            self.pushes.append(len(list(rows)))

    ctx = Counting()
    started = time.perf_counter()
    catalogue.run(ctx, {"rows": 1_000_000})
    elapsed = time.perf_counter() - started
    assert sum(ctx.pushes) == 1_000_000
    print(f"\ncatalogue: 1,000,000 rows in {elapsed:.2f} s ({1e6 / elapsed:,.0f} rows/s)")


# --- failing and slow Workers -----------------------------------------------------------------

def test_failing_worker_fails_after_its_rows() -> None:
    ctx = RecordingContext()
    with pytest.raises(WorkerFailed, match="^Layout changed$"):
        failing.run(ctx, {"fail_after": 4, "message": "Layout changed",
                          "row_interval_seconds": 0.5})
    assert [row["row"] for row in ctx.rows] == [0, 1, 2, 3]
    assert ctx.slept == [0.5] * 4
    assert ctx.logs[-1][0] == 4 and "Layout changed" in ctx.logs[-1][1]


def test_failing_worker_can_fail_before_any_row() -> None:
    ctx = RecordingContext()
    with pytest.raises(WorkerFailed):
        failing.run(ctx, {"fail_after": 0})
    assert ctx.rows == []


def test_slow_worker_produces_a_row_per_interval() -> None:
    ctx = RecordingContext()
    slow.run(ctx, {"interval_seconds": 0.3, "duration_seconds": 3,
                   "labels": [{"string": "a"}, {"string": "b"}]})
    assert [row["tick"] for row in ctx.rows] == list(range(1, 11))
    assert ctx.slept == [0.3] * 10
    assert [row["label"] for row in ctx.rows[:3]] == ["a", "b", "a"]
    assert ctx.rows[-1]["elapsed_seconds"] == pytest.approx(3.0)


def test_slow_worker_stops_promptly_on_abort() -> None:
    ctx = RecordingContext(abort_after=5)
    with pytest.raises(RunAborted):
        slow.run(ctx, {"interval_seconds": 1, "duration_seconds": 3600})
    # checkpoint, sleep, push per tick: the abort lands within the third tick.
    assert len(ctx.rows) == 2


def test_slow_worker_abort_from_another_thread() -> None:
    class Threaded(RecordingContext):
        aborted = threading.Event()

        def sleep(self, seconds: float) -> None:
            if self.aborted.wait(seconds / 100):  # the run-speed knob at 100x
                raise RunAborted

        def checkpoint(self) -> None:
            if self.aborted.is_set():
                raise RunAborted

    ctx = Threaded()
    outcome: list[BaseException] = []

    def target() -> None:
        try:
            slow.run(ctx, {"interval_seconds": 1, "duration_seconds": 86_400})
        except RunAborted as exc:
            outcome.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    while len(ctx.rows) < 2 and worker.is_alive():
        worker.join(0.01)
    ctx.aborted.set()
    worker.join(30)  # a guard against hanging, not a timing assertion
    assert not worker.is_alive() and len(outcome) == 1


# --- schemas ----------------------------------------------------------------------------------

WORKERS = builtin_workers()


def props(worker: WorkerSpec) -> list[dict[str, Any]]:
    return worker.input_schema["properties"]


def test_every_editor_is_used_by_some_worker() -> None:
    used = {prop["editor"] for worker in WORKERS for prop in props(worker)}
    assert used == EDITORS


@pytest.mark.parametrize("worker", WORKERS, ids=lambda worker: worker.path)
def test_schema_defaults_match_types_options_and_bounds(worker: WorkerSpec) -> None:
    names = [prop["name"] for prop in props(worker)]
    assert len(names) == len(set(names))
    for prop in props(worker):
        assert prop["type"] in PY_TYPES and prop["editor"] in EDITORS
        assert prop["title"] and prop["description"]
        if "default" not in prop:
            continue
        default = prop["default"]
        assert isinstance(default, PY_TYPES[prop["type"]]) and not (
            isinstance(default, bool) and prop["type"] != "boolean"), prop["name"]
        values = [option["value"] for option in prop.get("options", [])]
        if prop["editor"] in ("select", "radio"):
            assert default in values
        if prop["editor"] == "checkbox":
            assert set(default) <= set(values)
        if prop["editor"] == "stringList":
            assert all(set(item) == {"string"} for item in default)
        if prop["editor"] in ("requestList", "requestListSource"):
            assert all("url" in item for item in default)
        if prop["editor"] == "requestListSource":
            params = {param["param"] for param in prop["param_list"]}
            assert all(set(item) <= params for item in default)
        if prop["type"] in ("integer", "number"):
            assert prop.get("minimum", -math.inf) <= default <= prop.get("maximum", math.inf)


@pytest.mark.parametrize("worker", WORKERS, ids=lambda worker: worker.path)
def test_schema_root_has_description_and_an_array_split_key(worker: WorkerSpec) -> None:
    schema = worker.input_schema
    assert schema["description"]
    split = [schema["b"]] if "b" in schema else schema["concurrency"]["fields"]
    types = {prop["name"]: prop["type"] for prop in props(worker)}
    assert split and all(types[name] == "array" for name in split)


def test_worker_identities_and_store_words() -> None:
    slugs, paths = {worker.slug for worker in WORKERS}, {w.path for w in WORKERS}
    assert len(slugs) == len(paths) == len(WORKERS)
    for worker in WORKERS:
        assert re.fullmatch(r"[0-7][0-9A-HJKMNP-TV-Z]{25}", worker.slug)
        assert re.fullmatch(r"coreclaw/[a-z0-9-]+", worker.path)
        assert re.fullmatch(r"v\d+\.\d+\.\d+", worker.version)
        assert worker.readme.startswith("# ")
    words = {worker.path: f"{worker.title} {worker.description}".lower() for worker in WORKERS}
    assert "web page" in words["coreclaw/web-page-scraper"]
    assert "catalogue" in words["coreclaw/catalogue-generator"]
    assert "fail" in words["coreclaw/failing-worker"].split()
    assert {"slow", "wait"} <= set(re.findall(r"\w+", words["coreclaw/slow-worker"]))
    assert any(prop.get("sectionCaption") for worker in WORKERS for prop in props(worker))


def test_schema_attributes_are_ones_the_platform_uses(shared_reference: Path) -> None:
    folder = shared_reference / "worker-schemas"
    if not folder.is_dir():
        pytest.skip(f"reference schemas not found at {folder}")
    seen: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), list):
                seen.update(key for prop in node["properties"] if isinstance(prop, dict)
                            for key in prop)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path in folder.glob("*.json"):
        collect(json.loads(path.read_text(encoding="utf-8")))
    ours = {key for worker in WORKERS for prop in props(worker) for key in prop}
    assert ours <= seen


@pytest.mark.parametrize("worker", WORKERS, ids=lambda worker: worker.path)
def test_every_worker_runs_on_its_defaults(worker: WorkerSpec, base_url: str) -> None:
    ctx = RecordingContext(base_url)
    if worker.path == "coreclaw/failing-worker":
        with pytest.raises(WorkerFailed):
            worker.run(ctx, {})
    else:
        worker.run(ctx, {})
    assert ctx.rows and ctx.headers
    header_keys = {header["key"] for header in ctx.headers}
    assert all(set(row) <= header_keys for row in ctx.rows)
