"""A small, fixed demo website for the web page Worker to crawl.

"Quill & Lantern Books" is a book catalogue of a few dozen linked pages: a home
page, one page per category, one page per book, an about page, and a handful of
links to pages that do not exist (broken links, so crawls report 404s). Every page
is generated in code from the tables below, so the site is the same on every run
and needs no data files. Links are relative, so the site works under any prefix;
the emulator serves it under ``/demo-site/``.

Example:
    >>> status, content_type, body = render("index.html")
    >>> status, content_type
    (200, 'text/html; charset=utf-8')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import unquote

__all__ = ["BOOKS", "BROKEN_LINKS", "CATEGORIES", "PAGES", "SITE_NAME", "Book", "render"]

SITE_NAME = "Quill & Lantern Books"
_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Book:
    """One book in the demo catalogue.

    Attributes:
        slug: Page name, ``book/{slug}.html``.
        title: Book title (may contain accents, CJK characters or emoji).
        author: Author's name.
        category: Slug of the book's category.
        price_pence: Price in pence; shown as ``£12.99``.
        rating: Stars, 1 to 5.
        published: Publication date.
        blurb: One-sentence description.
    """

    slug: str
    title: str
    author: str
    category: str
    price_pence: int
    rating: int
    published: date
    blurb: str

    @property
    def price(self) -> str:
        """The price as shown on the page, for example ``"£12.99"``."""
        return f"£{self.price_pence // 100}.{self.price_pence % 100:02d}"

    @property
    def author_slug(self) -> str:
        """The author's page name; those pages are never served (broken links)."""
        return "-".join(self.author.lower().replace(".", "").split())


CATEGORIES: dict[str, str] = {
    "fiction": "Fiction",
    "science-nature": "Science & Nature",
    "history": "History",
    "poetry": "Poetry",
    "travel": "Travel",
    "cookery": "Cookery",
}

BOOKS: tuple[Book, ...] = (
    Book("the-lighthouse-keepers-daughter", "The Lighthouse Keeper's Daughter", "Maren Solberg",
         "fiction", 1299, 4, date(2019, 3, 14), "A storm, a missing ledger and a family secret."),
    Book("cafe-de-la-memoire", "Café de la Mémoire", "Élodie Marchand", "fiction", 1450, 5,
         date(2021, 9, 2), "Regulars of a Lyon café trade memories instead of money."),
    Book("yoru-no-toshokan", "夜の図書館 (The Night Library)", "Haruki Tanabe", "fiction", 999, 4,
         date(2018, 11, 20), "A library in Kyōto that opens only after midnight."),
    Book("salt-and-saffron", "Salt & Saffron", "Priya Raman", "fiction", 850, 3,
         date(2016, 5, 7), "Two sisters inherit a spice stall and a feud."),
    Book("the-glass-orchard", "The Glass Orchard", "Tobias Grünewald", "fiction", 1675, 4,
         date(2022, 2, 28), "An orchard where the apples ring like bells 🍎."),
    Book("winter-in-reykjavik", "Winter in Reykjavík", "Sigrún Ólafsdóttir", "fiction", 1125, 2,
         date(2015, 12, 1), "A detective story set in the long polar night."),
    Book("how-rivers-think", "How Rivers Think", "Dr. Amara Osei", "science-nature", 2000, 5,
         date(2020, 6, 15), "Hydrology for the curious, with 40 hand-drawn maps 🌊."),
    Book("the-quiet-atom", "The Quiet Atom", "Lena Kowalczyk", "science-nature", 1899, 4,
         date(2017, 4, 3), "Quantum physics without the equations (almost)."),
    Book("fungi-underfoot", "Fungi Underfoot", "Ciarán Ó Briain", "science-nature", 1499, 5,
         date(2023, 10, 9), "The hidden networks beneath every forest 🍄."),
    Book("stars-over-atacama", "Stars over Atacama", "Mateo Núñez", "science-nature", 2250, 4,
         date(2019, 8, 22), "A year with the astronomers of Chile's high desert ✨."),
    Book("the-bee-almanac", "The Bee Almanac", "Ruth Ashdown", "science-nature", 1050, 3,
         date(2014, 3, 30), "Twelve months in the life of a hive 🐝."),
    Book("kanji-of-the-sea", "海の漢字: Kanji of the Sea", "Yui Nakamura", "science-nature", 1320,
         4, date(2021, 1, 18), "Marine biology through the characters that name it."),
    Book("the-silk-ledger", "The Silk Ledger", "Zhang Wei (张伟)", "history", 2499, 5,
         date(2018, 7, 11), "Trade accounts that rewrite the history of the Silk Road."),
    Book("empire-of-clocks", "Empire of Clocks", "Hannah Bergström", "history", 1799, 3,
         date(2012, 9, 25), "How railway time conquered the world ⏰."),
    Book("the-last-hansa-captain", "The Last Hansa Captain", "Jörg Müller", "history", 1599, 4,
         date(2020, 11, 4), "Lübeck, 1669: the final Diet of the Hanseatic League."),
    Book("women-of-the-chancery", "Women of the Chancery", "Dr. Margaret O'Neill", "history",
         2100, 5, date(2022, 5, 19), "Forgotten clerks who ran medieval England's paperwork."),
    Book("the-map-thief", "The Map Thief", "Álvaro Jiménez", "history", 1399, 4,
         date(2017, 2, 14), "A Seville cartographer who sold the New World twice."),
    Book("ashes-of-pompeii", "Ashes of Pompeii", "Giulia Rossi", "history", 1250, 2,
         date(2011, 8, 24), "The last two days of a Roman town, hour by hour 🌋."),
    Book("small-hours", "Small Hours", "Nell Okafor", "poetry", 899, 5,
         date(2020, 3, 21), "Poems written between 2 a.m. and dawn 🌙."),
    Book("haiku-for-commuters", "Haiku for Commuters / 通勤俳句", "Kenji Mori", "poetry", 650, 4,
         date(2019, 4, 1), "Seventeen syllables per station."),
    Book("the-salt-road-sonnets", "The Salt Road Sonnets", "Aoife Brennan", "poetry", 1000, 3,
         date(2016, 10, 13), "Sonnets following a medieval salt route."),
    Book("canciones-del-sur", "Canciones del Sur", "Lucía Fernández", "poetry", 1150, 4,
         date(2023, 6, 5), "Bilingual songs from Andalucía, en español e inglés."),
    Book("atlas-of-slow-trains", "Atlas of Slow Trains", "Pierre-Louis Dubois", "travel", 2400, 5,
         date(2021, 4, 12), "Forty railway journeys that take their time 🚂."),
    Book("walking-the-kumano-kodo", "Walking the Kumano Kodō", "Emma Whitfield", "travel", 1599,
         4, date(2018, 5, 30), "An ancient pilgrimage trail through Japan's Kii mountains."),
    Book("the-fjord-handbook", "The Fjord Handbook", "Lars Øvergaard", "travel", 1875, 3,
         date(2015, 6, 18), "Ferries, huts and weather from Bergen to the North Cape."),
    Book("street-food-of-hanoi", "Street Food of Hà Nội", "Nguyễn Thị Lan", "travel", 1399, 5,
         date(2022, 9, 9), "A walking guide, stall by stall 🍜."),
    Book("sourdough-seasons", "Sourdough Seasons", "Ben Hartley", "cookery", 2200, 4,
         date(2020, 1, 27), "Bread for every month, from rye to panettone 🍞."),
    Book("the-dumpling-atlas", "The Dumpling Atlas · 饺子图鉴", "Li Mei", "cookery", 2599, 5,
         date(2023, 2, 10), "Folded, pleated and steamed: 80 recipes from 20 countries 🥟."),
    Book("one-pan-provence", "One-Pan Provence", "Amélie Chastain", "cookery", 1750, 3,
         date(2017, 7, 14), "Weeknight dishes from the south of France."),
    Book("the-fermentation-shelf", "The Fermentation Shelf", "Søren Lindqvist", "cookery", 1950,
         4, date(2019, 10, 31), "Kimchi, kraut and kefir for small kitchens."),
)

#: Books whose pages link to an author page that does not exist.
_AUTHOR_LINK_EVERY = 5

#: Pages that are linked from the site but not served (relative to the site root).
BROKEN_LINKS: tuple[str, ...] = ("events.html",) + tuple(
    f"author/{book.author_slug}.html" for book in BOOKS[::_AUTHOR_LINK_EVERY]
)

_BOOKS_BY_SLUG = {book.slug: book for book in BOOKS}

_STAFF_PICKS = ("cafe-de-la-memoire", "fungi-underfoot", "the-silk-ledger", "small-hours",
                "street-food-of-hanoi", "the-dumpling-atlas")


def _page(title: str, description: str, body: str, *, depth: int) -> bytes:
    """Wrap ``body`` in the shared layout; ``depth`` is how many folders down the page is."""
    up = "../" * depth
    nav = " | ".join(
        [f'<a href="{up}index.html">Home</a>']
        + [f'<a href="{up}category/{slug}.html">{escape(name)}</a>'
           for slug, name in CATEGORIES.items()]
        + [f'<a href="{up}about.html">About</a>', f'<a href="{up}events.html">Events</a>']
    )
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<meta name="description" content="{escape(description)}">
</head>
<body>
<header><p class="site-name">{escape(SITE_NAME)}</p><nav>{nav}</nav></header>
<main>
{body}
</main>
<footer><p>© 2024 {escape(SITE_NAME)}, 12 Lantern Row, Bath. Prices include VAT.</p></footer>
</body>
</html>
"""
    return html.encode("utf-8")


def _stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


def _book_item(book: Book, up: str) -> str:
    return (f'<li><a href="{up}book/{book.slug}.html">{escape(book.title)}</a> by '
            f'{escape(book.author)}, <span class="price">{book.price}</span></li>')


def _home() -> bytes:
    categories = "\n".join(
        f'<li><a href="category/{slug}.html">{escape(name)}</a> '
        f"({sum(book.category == slug for book in BOOKS)} books)</li>"
        for slug, name in CATEGORIES.items()
    )
    picks = "\n".join(_book_item(_BOOKS_BY_SLUG[slug], "") for slug in _STAFF_PICKS)
    body = f"""<h1>{escape(SITE_NAME)}</h1>
<p>An independent bookshop with {len(BOOKS)} carefully chosen titles, from Kyōto to Reykjavík.</p>
<h2>Categories</h2>
<ul>
{categories}
</ul>
<h2 id="staff-picks">Staff picks</h2>
<ul>
{picks}
</ul>"""
    return _page(f"{SITE_NAME}: independent books",
                 "Independent bookshop: fiction, science, history, poetry, travel and cookery.",
                 body, depth=0)


def _about() -> bytes:
    body = f"""<h1>About us</h1>
<p>{escape(SITE_NAME)} opened in 2009 in a former chandler's shop. We read everything we sell,
and we still write the shelf cards by hand ✍️.</p>
<h2>Visit</h2>
<p>Open Tuesday to Sunday, 10:00–18:00. Café au lait on the house for anyone carrying a map.</p>
<h2>Contact</h2>
<p>Write to <a href="mailto:hello@example.com">hello@example.com</a> or see
<a href="index.html#staff-picks">this week's picks</a>.</p>"""
    return _page(f"About us | {SITE_NAME}", f"Who we are and how to find {SITE_NAME}.", body,
                 depth=0)


def _category(slug: str) -> bytes:
    name = CATEGORIES[slug]
    books = [book for book in BOOKS if book.category == slug]
    items = "\n".join(_book_item(book, "../") for book in books)
    body = f"""<h1>{escape(name)}</h1>
<p>{len(books)} books in {escape(name)}.</p>
<h2>Books in this category</h2>
<ul>
{items}
</ul>"""
    return _page(f"{name} | {SITE_NAME}", f"Browse {len(books)} {name} books at {SITE_NAME}.",
                 body, depth=1)


def _description(book: Book) -> str:
    # Two extra sentences built from the book's own fields keep pages distinct
    # without a hand-written essay per book.
    return (f"{book.blurb} Published on {book.published.strftime('%d %B %Y')}, "
            f"“{book.title}” is one of our most talked-about {CATEGORIES[book.category].lower()} "
            f"titles. Readers call {book.author}’s writing “précis, généreux et drôle”.")


def _book(book: Book) -> bytes:
    index = BOOKS.index(book)
    related = [other for other in BOOKS if other.category == book.category and other != book][:2]
    author_link = (f'<p><a href="../author/{book.author_slug}.html">More by '
                   f"{escape(book.author)}</a></p>" if index % _AUTHOR_LINK_EVERY == 0 else "")
    related_items = "\n".join(_book_item(other, "../") for other in related)
    body = f"""<h1>{escape(book.title)}</h1>
<p class="author">by {escape(book.author)}</p>
<h2>Details</h2>
<dl>
<dt>Price</dt><dd class="price">{book.price}</dd>
<dt>Rating</dt><dd class="rating" data-stars="{book.rating}">{_stars(book.rating)} \
({book.rating} out of 5)</dd>
<dt>Published</dt><dd><time datetime="{book.published.isoformat()}">\
{book.published.strftime("%d %B %Y")}</time></dd>
<dt>Category</dt><dd><a href="../category/{book.category}.html">\
{escape(CATEGORIES[book.category])}</a></dd>
</dl>
<h2>Description</h2>
<p class="description">{escape(_description(book))}</p>
{author_link}
<h2>You may also like</h2>
<ul>
{related_items}
</ul>"""
    return _page(f"{book.title} | {SITE_NAME}", book.blurb, body, depth=1)


def _not_found(path: str) -> bytes:
    depth = path.count("/")
    body = f"""<h1>Page not found</h1>
<p>Sorry, there is no page at <code>{escape(path)}</code>.</p>
<p><a href="{"../" * depth}index.html">Back to the shop</a></p>"""
    return _page(f"Page not found | {SITE_NAME}", "This page does not exist.", body, depth=depth)


def _routes() -> dict[str, bytes]:
    pages = {"index.html": _home(), "about.html": _about()}
    pages.update({f"category/{slug}.html": _category(slug) for slug in CATEGORIES})
    pages.update({f"book/{book.slug}.html": _book(book) for book in BOOKS})
    return pages


#: Every page the site serves, relative to the site root.
PAGES: tuple[str, ...] = tuple(
    ["index.html", "about.html"]
    + [f"category/{slug}.html" for slug in CATEGORIES]
    + [f"book/{book.slug}.html" for book in BOOKS]
)

_cache: dict[str, bytes] = {}


def render(path: str) -> tuple[int, str, bytes]:
    """Render one page of the demo site.

    Args:
        path: Path relative to the site root, such as ``"book/small-hours.html"``;
            ``""``, ``"/"`` and ``"index.html"`` are the home page. A query string or
            fragment is ignored; percent-escapes are decoded.

    Returns:
        ``(status, content_type, body)``: 200 with the page, or 404 with an HTML
        "Page not found" page for any other path.
    """
    # Crawlers percent-encode the non-ASCII author links; decoding here makes the
    # page name the same whether or not the server already decoded it.
    clean = unquote(path.split("#", 1)[0].split("?", 1)[0]).lstrip("/")
    if clean in ("", "index.htm"):
        clean = "index.html"
    if not _cache:
        # Built on first use rather than at import: importing the emulator stays cheap.
        _cache.update(_routes())
    body = _cache.get(clean)
    if body is None:
        return 404, _HTML, _not_found(clean)
    return 200, _HTML, body
