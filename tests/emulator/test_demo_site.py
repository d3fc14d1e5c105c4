"""The demo bookshop: every page renders, links resolve or are known to be broken."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin

import pytest

from coreclaw_pandas.emulator import demo_site as site

ROOT = "http://demo.test/demo-site/"


class _Page(HTMLParser):
    """Independent of the scraper's parser, so the two cannot share a bug."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.meta: dict[str, str] = {}
        self.text: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in.append(tag)
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.hrefs.append(found["href"] or "")
        if tag == "meta" and found.get("name"):
            self.meta[found["name"] or ""] = found.get("content") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: str) -> _Page:
    status, content_type, body = site.render(path)
    assert status == 200, path
    assert content_type.startswith("text/html") and "utf-8" in content_type
    page = _Page()
    page.feed(body.decode("utf-8"))
    return page


def test_home_page_aliases_render_the_same_page() -> None:
    bodies = {site.render(path)[2] for path in ("", "/", "index.html", "index.html?x=1#top")}
    assert len(bodies) == 1
    assert site.SITE_NAME.replace("&", "&amp;").encode() in bodies.pop()


@pytest.mark.parametrize("path", site.PAGES)
def test_every_page_is_complete_html(path: str) -> None:
    page = parse(path)
    assert page.tags[0] == "html"
    for tag in ("head", "title", "body", "h1", "h2"):
        assert tag in page.tags, (path, tag)
    assert page.meta.get("description", "").strip()
    assert page._in == [], f"unclosed tags on {path}: {page._in}"


def test_catalogue_has_about_thirty_books_in_every_category() -> None:
    assert 25 <= len(site.BOOKS) <= 40
    assert len({book.slug for book in site.BOOKS}) == len(site.BOOKS)
    assert {book.category for book in site.BOOKS} == set(site.CATEGORIES)
    assert len(site.PAGES) == 2 + len(site.CATEGORIES) + len(site.BOOKS)


def test_book_page_shows_price_rating_date_and_description() -> None:
    for book in site.BOOKS:
        html = site.render(f"book/{book.slug}.html")[2].decode()
        assert re.fullmatch(r"£\d+\.\d\d", book.price)
        assert f'<dd class="price">{book.price}</dd>' in html
        assert f'data-stars="{book.rating}"' in html
        assert f'datetime="{book.published.isoformat()}"' in html
        assert book.author.replace("'", "&#x27;") in html


def test_text_contains_accents_cjk_and_emoji() -> None:
    text = "".join("".join(parse(path).text) for path in site.PAGES)
    assert re.search(r"[éèüñøó]", text)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text)
    assert re.search(r"[\U0001F300-\U0001FAFF]", text)


def test_every_link_resolves_or_is_a_known_broken_link() -> None:
    served = set(site.PAGES)
    linked: set[str] = set()
    for path in site.PAGES:
        for href in parse(path).hrefs:
            url = urljoin(ROOT + path, href).split("#")[0]
            if url.startswith(ROOT):
                linked.add(unquote(url[len(ROOT):]))
    assert served <= linked | {"index.html"}, "some pages are unreachable"
    assert linked - served == set(site.BROKEN_LINKS)
    for broken in site.BROKEN_LINKS:
        assert site.render(broken)[0] == 404


def test_unknown_path_is_a_404_html_page_with_a_relative_way_home() -> None:
    status, content_type, body = site.render("author/nobody.html")
    assert status == 404
    assert content_type.startswith("text/html")
    assert b"Page not found" in body
    assert b'href="../index.html"' in body


def test_percent_encoded_path_is_decoded() -> None:
    assert site.render("book/small-hours.html") == site.render("book/small%2Dhours.html")


def test_pages_are_built_the_same_every_time() -> None:
    # render() caches, so build the pages afresh twice to catch any hidden randomness.
    assert site._routes() == site._routes()
