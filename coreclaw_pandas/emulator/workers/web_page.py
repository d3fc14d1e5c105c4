"""Web page scraper: crawl from start URLs breadth-first and return one row per page.

It fetches over real HTTP with ``urllib.request`` and parses with ``html.parser``,
so it works against the emulator's demo site (``/demo-site/``) or any site the
machine can reach. A page that answers 404, or a host that refuses the connection,
becomes a row with its ``status`` and ``error`` rather than a crash: reporting
broken links is part of the job. Private, loopback and link-local addresses other
than the emulator's own are refused before any connection, redirects included
(``_addresses``), unless the emulator's ``allow_private_networks`` knob is on.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from ._addresses import BlockedAddress, Guard
from ._inputs import InputReader
from .base import RunContext, WorkerFailed, WorkerSpec

__all__ = ["WORKER"]

#: Bigger pages are cut here: a crawler should not be sunk by one huge file.
MAX_PAGE_BYTES = 5 * 1024 * 1024
_DEMO_START = "/demo-site/index.html"
_DEFAULT_USER_AGENT = "CoreClawWebPageScraper/1.0 (+emulator)"
_SKIP_TEXT_IN = frozenset({"script", "style", "title", "noscript", "template"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Characters left alone when percent-encoding an IRI: URL syntax plus existing escapes.
_URL_SAFE = "/%:@!$&'()*+,;=-._~?"

SCHEMA: dict[str, Any] = {
    "description": (
        "Crawl web pages from a list of start URLs and get one row per page: title, "
        "meta description, headings, word count and links. Broken links come back as rows "
        "with their HTTP status. Try it on the built-in <strong>demo bookshop</strong> "
        "(<code>/demo-site/index.html</code>): relative URLs are resolved against the emulator."
    ),
    "b": "startURLs",
    "properties": [
        {
            "name": "startURLs",
            "type": "array",
            "title": "Start URLs",
            "editor": "requestList",
            "description": (
                "Pages to start crawling from. A URL starting with <code>/</code> is read "
                "relative to the emulator, e.g. <code>/demo-site/index.html</code>."
            ),
            "default": [{"url": _DEMO_START}],
            "required": True,
            "sectionCaption": "Where to crawl",
            "sectionDescription": "Start pages and how far to follow their links.",
        },
        {
            "name": "max_pages",
            "type": "integer",
            "title": "Maximum pages",
            "editor": "number",
            "description": "Stop after this many pages (broken links count as pages).",
            "default": 20,
            "minimum": 1,
            "maximum": 1000,
            "required": True,
        },
        {
            "name": "same_domain_only",
            "type": "boolean",
            "title": "Stay on the same domain",
            "editor": "switch",
            "description": "Follow only links to the host of the start URL they were found from.",
            "default": True,
        },
        {
            "name": "include_links",
            "type": "boolean",
            "title": "Include links in results",
            "editor": "switch",
            "description": "Add each page's outgoing links as a <code>links</code> column.",
            "default": True,
        },
        {
            "name": "user_agent",
            "type": "string",
            "title": "User agent",
            "editor": "input",
            "description": "Sent as the <code>User-Agent</code> header on every request.",
            "default": _DEFAULT_USER_AGENT,
            "sectionCaption": "Requests",
            "sectionDescription": "How each page is fetched.",
        },
        {
            "name": "request_timeout_seconds",
            "type": "number",
            "title": "Request timeout (seconds)",
            "editor": "number",
            "description": "Give up on a page that has not answered within this time.",
            "default": 10.0,
            "minimum": 0.5,
            "maximum": 120,
        },
    ],
}

HEADERS = [
    {"key": key, "label": label, "format": "text"}
    for key, label in [
        ("url", "URL"),
        ("status", "HTTP status"),
        ("title", "Title"),
        ("meta_description", "Meta description"),
        ("headings", "Headings"),
        ("word_count", "Word count"),
        ("links", "Links"),
        ("depth", "Depth"),
        ("referrer", "Found on"),
        ("content_type", "Content type"),
        ("error", "Error"),
        ("fetched_at", "Fetched at"),
        ("start_url", "Start URL"),
    ]
]


class _PageParser(HTMLParser):
    """Collect the parts of one HTML page that end up in its row."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.title: str | None = None
        self.meta_description: str | None = None
        self.headings: list[str] = []
        self.links: list[dict[str, str]] = []
        self.word_count = 0
        self._open: list[str] = []
        self._heading: list[str] | None = None
        self._link: tuple[str, list[str]] | None = None
        self._title: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "meta" and attributes.get("name", "").lower() == "description":
            self.meta_description = attributes.get("content", "").strip()
        elif tag == "title":
            self._title = []
        elif tag in _HEADINGS:
            self._heading = []
        elif tag == "a" and attributes.get("href"):
            self._link = (attributes["href"], [])
        if tag in _SKIP_TEXT_IN:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()
        if tag == "title" and self._title is not None:
            self.title = " ".join("".join(self._title).split())
            self._title = None
        elif tag in _HEADINGS and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag == "a" and self._link is not None:
            href, text = self._link
            self._link = None
            url = _absolute(href, self.page_url)
            if url is not None:
                self.links.append({"url": url, "text": " ".join("".join(text).split())})

    def handle_data(self, data: str) -> None:
        if self._title is not None:
            self._title.append(data)
        if self._open:
            return
        if self._heading is not None:
            self._heading.append(data)
        if self._link is not None:
            self._link[1].append(data)
        self.word_count += len(data.split())


@dataclass
class _Fetched:
    status: int | None
    url: str
    content_type: str | None
    body: bytes
    charset: str
    error: str | None


def _iri_to_uri(url: str) -> str:
    """Percent-encode non-ASCII characters; ``http.client`` only sends ASCII."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme, parts.netloc, quote(parts.path, safe=_URL_SAFE),
         quote(parts.query, safe=_URL_SAFE), "")
    )


def _absolute(href: str, page_url: str) -> str | None:
    """Resolve ``href`` against the page; None for mailto:, javascript: and the like."""
    url = urljoin(page_url, href.strip())
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    return _iri_to_uri(url)


def _resolve_start(item: Any, base_url: str) -> str | None:
    """Turn one requestList item (``{"url": ...}`` or a plain string) into a URL."""
    raw = item.get("url") if isinstance(item, dict) else item
    if not isinstance(raw, str) or not raw.strip():
        return None
    raw = raw.strip()
    if raw.startswith("/"):
        # Relative to the emulator, so the default works whatever port it runs on.
        raw = base_url.rstrip("/") + raw
    if urlsplit(raw).scheme not in ("http", "https"):
        return None
    return _iri_to_uri(raw)


def _read_capped(response: Any) -> bytes:
    return response.read(MAX_PAGE_BYTES + 1)


def _fetch(
    url: str, *, opener: urllib.request.OpenerDirector, user_agent: str, timeout: float
) -> _Fetched:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with opener.open(request, timeout=timeout) as response:
            return _Fetched(response.status, response.url, response.headers.get_content_type(),
                            _read_capped(response),
                            response.headers.get_content_charset() or "utf-8", None)
    except urllib.error.HTTPError as exc:
        # An error page still has a body (and traffic); keep it for the title.
        try:
            body = _read_capped(exc)
        except (OSError, http.client.HTTPException):
            body = b""
        headers = exc.headers
        return _Fetched(exc.code, url, headers.get_content_type() if headers else None, body,
                        (headers.get_content_charset() if headers else None) or "utf-8",
                        f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, BlockedAddress):
            return _Fetched(None, url, None, b"", "utf-8", f"Blocked: {reason}")
        return _Fetched(None, url, None, b"", "utf-8", f"Connection failed: {reason}")


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(ctx: RunContext, custom: dict[str, Any]) -> None:
    """Crawl breadth-first from ``startURLs`` and push one row per fetched page.

    Args:
        ctx: The run context (rows, logs, abort checks, traffic).
        custom: The run's input; see ``SCHEMA``.

    Raises:
        WorkerFailed: No usable start URL was given, or an input is invalid.
    """
    reader = InputReader(SCHEMA, custom)
    max_pages = reader.integer("max_pages")
    same_domain_only = reader.boolean("same_domain_only")
    include_links = reader.boolean("include_links")
    user_agent = reader.string("user_agent") or _DEFAULT_USER_AGENT
    timeout = reader.number("request_timeout_seconds")
    # A context without the knob (a test double) gets the safe default.
    allow = bool(getattr(ctx, "allow_private_networks", False))
    opener = Guard(ctx.base_url, allow_private=allow).opener()

    # Each page carries the start URL it was reached from, as given, so that rows of a run
    # over many start URLs join back to their input exactly.
    queue: deque[tuple[str, int, str | None, str, str]] = deque()
    seen: set[str] = set()
    for item in reader.array("startURLs"):
        url = _resolve_start(item, ctx.base_url)
        if url is None:
            ctx.log(3, f"Skipping start URL {item!r}: not an http(s) URL.")
        elif url not in seen:
            seen.add(url)
            raw = item.get("url") if isinstance(item, dict) else item
            queue.append((url, 0, None, urlsplit(url).netloc, str(raw).strip()))
    if not queue:
        raise WorkerFailed("No valid start URL: give at least one http(s) URL in startURLs.")

    ctx.set_headers([h for h in HEADERS if include_links or h["key"] != "links"])
    ctx.log(2, f"Crawling from {len(queue)} start URL(s), up to {max_pages} page(s).")
    pages = broken = 0
    while queue and pages < max_pages:
        ctx.checkpoint()
        url, depth, referrer, scope, start = queue.popleft()
        fetched = _fetch(url, opener=opener, user_agent=user_agent, timeout=timeout)
        ctx.add_traffic(len(fetched.body))
        pages += 1
        parser = _PageParser(fetched.url)
        is_html = fetched.content_type in ("text/html", "application/xhtml+xml")
        if is_html and fetched.body:
            parser.feed(_decode(fetched.body[:MAX_PAGE_BYTES], fetched.charset))
            parser.close()
        if len(fetched.body) > MAX_PAGE_BYTES:
            ctx.log(3, f"{url} is larger than {MAX_PAGE_BYTES} bytes; parsed the start only.")

        row: dict[str, Any] = {
            "url": url,
            "status": fetched.status,
            "title": parser.title,
            "meta_description": parser.meta_description,
            "headings": parser.headings,
            "word_count": parser.word_count,
            "depth": depth,
            "referrer": referrer,
            "content_type": fetched.content_type,
            "error": fetched.error,
            "fetched_at": _now(),
            "start_url": start,
        }
        if include_links:
            row["links"] = parser.links
        ctx.push([row])

        if fetched.error is not None:
            broken += 1
            where = f"linked from {referrer}" if referrer else "start URL"
            ctx.log(3, f"Broken link {url} ({fetched.error}), {where}.")
            continue
        ctx.log(2, f"Fetched {url} (HTTP {fetched.status}, {len(fetched.body)} bytes).")
        for link in parser.links:
            target = link["url"]
            if target in seen or (same_domain_only and urlsplit(target).netloc != scope):
                continue
            seen.add(target)
            queue.append((target, depth + 1, url, scope, start))

    left = f", {len(queue)} queued page(s) not fetched (max_pages)" if queue else ""
    ctx.log(2, f"Finished: {pages} page(s), {broken} broken{left}.")


WORKER = WorkerSpec(
    slug="01JM9S346Q3D25VT4F5V37E3S3",
    path="coreclaw/web-page-scraper",
    title="Web Page Scraper",
    description=(
        "Crawl any website from start URLs and extract each web page's title, meta "
        "description, headings, word count and links. Finds broken links (404s) too."
    ),
    version="v1.2.0",
    readme="""# Web Page Scraper

Crawls websites breadth-first from your start URLs and returns one row per web page.

## What you get
| column | meaning |
|---|---|
| `url`, `status` | the page and its HTTP status (`null` when the host could not be reached) |
| `title`, `meta_description` | the page's `<title>` and `<meta name="description">` |
| `headings` | the texts of its `<h1>` to `<h6>` headings, in page order |
| `word_count` | words of visible text |
| `links` | outgoing links as `{"url", "text"}` (switch off with **Include links**) |
| `depth`, `referrer` | how many clicks from a start URL, and the page the link was found on |
| `start_url` | the start URL (as given) the page was reached from |
| `error` | why a page failed, e.g. `HTTP 404 Not Found` |
| `fetched_at` | when the page was fetched (UTC, ISO 8601) |

## Tips
- Start with `/demo-site/index.html` to crawl the emulator's demo bookshop.
- **Maximum pages** counts every fetched URL, broken ones included.
- Broken links are also written to the log as warnings.
""",
    input_schema=SCHEMA,
    run=run,
    price_per_row=0.001,
)
