"""Pools of pre-built row parts for the catalogue generator.

Generating a million realistic rows a second in pure Python leaves no time for
``random`` calls per field. Instead the expensive, varied parts of a row are built
once per run as two pools of partial rows: *products* (what is sold: title, price,
tags, description) and *listings* (who sells it and how it is doing: seller, stock,
reviews, dates). A row is then one product merged with one listing, both picked by
a hash of the row index, so row ``i`` is the same for the same inputs on every run.
Pools are built with ``random.Random(seed)`` so different seeds give different data.

The pools deliberately carry what scraped data really looks like: keys missing
in some rows, ``None`` values, numbers sent as strings, nested objects and lists,
unicode, ISO 8601 dates with and without a time zone, and text that begins with
``=``, ``+``, ``-`` or ``@`` (spreadsheet formula-injection material).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

__all__ = ["CATEGORIES", "CURRENCIES", "LOCALES", "POOL_SIZE", "PoolOptions", "Pools",
           "build_pools", "long_texts"]

#: Entries per pool; a power of two so a row picks one with a shift and a mask.
POOL_SIZE = 1024

CATEGORIES: dict[str, list[str]] = {
    "kitchen": ["kettle", "cast-iron pan", "chef's knife", "espresso grinder", "teapot",
                "mixing bowl set", "rice cooker", "bread bin"],
    "garden": ["secateurs", "watering can", "raised bed kit", "bird feeder", "hose reel",
               "seed tray", "hand trowel"],
    "electronics": ["USB-C charger", "noise-cancelling headphones", "e-reader", "smart plug",
                    "webcam", "power bank", "Bluetooth speaker", "mechanical keyboard"],
    "books": ["cookbook", "field guide", "atlas", "notebook", "graphic novel", "poetry anthology"],
    "toys": ["wooden train set", "kite", "jigsaw puzzle", "building blocks", "plush fox",
             "marble run"],
    "fashion": ["wool scarf", "rain jacket", "leather belt", "linen shirt", "trail shoes",
                "knitted beanie"],
}

#: Conversion from the GBP base price, rounded as the currency is usually shown.
CURRENCIES: dict[str, float] = {"GBP": 1.0, "EUR": 1.17, "USD": 1.27, "JPY": 190.0}

#: Locale code -> (decimal separator, review texts).
LOCALES: dict[str, tuple[str, list[str]]] = {
    "en-GB": (".", ["Does exactly what it says.", "Lovely quality, arrived quickly.",
                    "Smaller than expected but well made.", "Broke after a week, sadly.",
                    "Five stars, would buy again!", "Decent value for the price."]),
    "de-DE": (",", ["Genau wie beschrieben.", "Sehr gute Qualität, schnelle Lieferung.",
                    "Etwas kleiner als erwartet, aber schön verarbeitet.",
                    "Nach einer Woche kaputt, schade.", "Fünf Sterne, gerne wieder!",
                    "Preis-Leistung stimmt."]),
    "ja-JP": (".", ["説明どおりの商品です。", "品質が良く、配送も早かったです。",
                    "思ったより小さいですが、作りは丁寧です。", "一週間で壊れてしまいました。",
                    "星五つ！また買います 😊", "価格相応だと思います。"]),
}

_BRANDS = ["Nordlicht", "Acme & Sons", "Maison Élan", "Kōbō", "Brightwell", "Pampas",
           "Oakhurst", "Zephyr", "Lumière", "Tanuki Works", "Hallstrøm", "Copperleaf",
           "Verde Vivo", "Riverstone", "Blåbær", "Fennick", "Sōma", "Quillon"]
_ADJECTIVES = ["Classic", "Compact", "Deluxe", "Eco", "Heritage", "Pro", "Travel", "Ultra",
               "Artisan", "Everyday", "Premium", "Mini", "Smart", "Vintage", "Studio"]
_COLOURS = ["black", "white", "sage green", "terracotta", "navy", "oatmeal", "mustard",
            "charcoal", "rose", "ocean blue"]
_TAGS = ["bestseller", "new", "eco-friendly", "gift idea", "limited edition", "sale",
         "handmade", "vegan", "recycled", "made in EU", "free delivery", "🔥 trending"]
_SELLERS = ["Corner Shop Ltd", "Ōsaka Trading", "Bäckerei Braun GmbH", "@deals_daily",
            "Northwind Goods", "Café Crème SARL", "BigBox Outlet", "Élite Maison",
            "Happy Panda 熊猫商店", "=Warehouse Direct", "Smith & Daughters", "Ñandú Importaciones"]
_COUNTRIES = ["GB", "DE", "FR", "JP", "US", "ES", "IT", "NL", "CN", "SE"]
_REVIEWERS = ["Anna K.", "José Á.", "李娜", "Tom", "Zoë Q.", "Mika", "Priya", "Olúwaseun",
              "Björn", "anonymous", "@happy_customer", "Chloé"]
_SENTENCES = ["Built to last and easy to clean.", "Ships in recyclable packaging ♻️.",
              "Includes a two-year warranty.", "Designed in Copenhagen, made in Portugal.",
              "Perfect for small flats and big families alike.", "Crème de la crème of its kind.",
              "Now 20% lighter than the previous model.", "Dishwasher safe (top rack only).",
              "Tested by our team for six months.", "使いやすくて丈夫です。"]
# Scraped text that a spreadsheet would read as a formula or an operator.
_INJECTION_TEXT = ["=HYPERLINK(\"https://example.com\",\"Click for discount\")",
                   "+44 20 7946 0958 (call to order)", "-20% today only, while stocks last",
                   "@everyone: back in stock!", "=1+1", "-- limited run --"]
_TIMEZONES = ["Z", "+00:00", "+01:00", "+02:00", "-05:00", "+09:00", "+05:30"]


@dataclass(frozen=True)
class PoolOptions:
    """Inputs that shape the pools (everything except the row count and pacing)."""

    seed: int
    categories: tuple[str, ...]
    currency: str
    locale: str
    max_reviews: int
    start_date: date
    keywords: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]


def _price_text(price: float, currency: str, separator: str) -> str:
    text = f"{price:.0f}" if currency == "JPY" else f"{price:.2f}"
    return text.replace(".", separator)


def _product(rng: random.Random, index: int, options: PoolOptions) -> dict[str, Any]:
    category = options.categories[index % len(options.categories)]
    brand = rng.choice(_BRANDS)
    keyword = options.keywords[index % len(options.keywords)] if options.keywords else None
    # Search results mix exact matches with related products, as real ones do.
    noun = keyword if keyword and index % 2 == 0 else rng.choice(CATEGORIES[category])
    title = f"{brand} {rng.choice(_ADJECTIVES)} {noun}"
    if rng.random() < 0.02:
        title = f"+1 spare: {title}"
    base = round(rng.lognormvariate(3.0, 0.8), 2)
    price = round(base * CURRENCIES[options.currency], 0 if options.currency == "JPY" else 2)
    description = " ".join(rng.sample(_SENTENCES, rng.choice((1, 1, 2))))
    if rng.random() < 0.05:
        description = f"{rng.choice(_INJECTION_TEXT)} {description}"
    product: dict[str, Any] = {
        "title": title,
        "brand": brand,
        "category": category,
        "price": price,
        "price_text": _price_text(price, options.currency, LOCALES[options.locale][0]),
        "currency": options.currency,
        # A barcode is digits but not a number: the leading zero must survive.
        "ean": f"0{rng.randrange(10**11, 10**12)}",
        "description": description,
        "tags": rng.sample(_TAGS, rng.randint(0, 3)),
    }
    if keyword is not None:
        product["search_keyword"] = keyword
    if rng.random() < 0.7:
        product["colour"] = rng.choice(_COLOURS)
    if rng.random() < 0.3:
        product["discount"] = rng.choice([0.05, 0.1, 0.15, 0.2, 0.25, 0.5])
    if rng.random() < 0.4:
        product["dimensions"] = {"width_cm": rng.randint(5, 120), "height_cm": rng.randint(2, 90),
                                 "weight_kg": round(rng.uniform(0.05, 25), 2)}
    return product


def _listing(rng: random.Random, index: int, options: PoolOptions) -> dict[str, Any]:
    reviews_text = LOCALES[options.locale][1]
    marketplace = options.sources[index % len(options.sources)][1]
    listed = options.start_date + timedelta(days=rng.randrange(0, 1096))
    updated = datetime(listed.year, listed.month, listed.day) + timedelta(
        days=rng.randrange(0, 60), seconds=rng.randrange(0, 86400))
    stock = rng.choice([0, 0, 1, 3, 7, 12, 17, 25, 48, 120, 999])
    listing: dict[str, Any] = {
        "seller": {"name": rng.choice(_SELLERS), "country": rng.choice(_COUNTRIES),
                   "rating": None if rng.random() < 0.15 else round(rng.uniform(2.5, 5.0), 1)},
        "in_stock": stock > 0,
        # Sites print stock levels; scrapers pass them on as text.
        "stock": str(stock),
        "rating": None if rng.random() < 0.1 else round(rng.uniform(1.0, 5.0), 1),
        "review_count": rng.choice([0, 1, 2, 5, 13, 42, 108, 1570]),
        "listed_on": listed.isoformat(),
        "updated_at": updated.isoformat() + rng.choice(_TIMEZONES),
        "scraped_at": (updated + timedelta(hours=rng.randrange(1, 48))).isoformat(),
        "marketplace": marketplace,
    }
    if options.max_reviews and rng.random() < 0.35:
        listing["reviews"] = [
            {"author": rng.choice(_REVIEWERS), "stars": rng.randint(1, 5),
             "text": rng.choice(reviews_text)}
            for _ in range(rng.randint(1, options.max_reviews))
        ]
    return listing


@dataclass(frozen=True)
class Pools:
    """Partial rows for one run; rows share the nested values, so treat them as read-only.

    Attributes:
        products: ``POOL_SIZE`` product parts.
        listings: ``POOL_SIZE`` listing parts.
        url_prefixes: For each listing, its marketplace's item URL up to the product id.
    """

    products: list[dict[str, Any]]
    listings: list[dict[str, Any]]
    url_prefixes: list[str]


def build_pools(options: PoolOptions) -> Pools:
    """Build the product and listing pools for one run.

    Args:
        options: Seed and content choices.

    Returns:
        The pools, the same for the same options.
    """
    rng = random.Random(options.seed)
    products = [_product(rng, index, options) for index in range(POOL_SIZE)]
    listings = [_listing(rng, index, options) for index in range(POOL_SIZE)]
    prefixes = [options.sources[index % len(options.sources)][0].rstrip("/") + "/item/"
                for index in range(POOL_SIZE)]
    return Pools(products, listings, prefixes)


def long_texts(seed: int) -> list[str]:
    """A few descriptions over 40,000 characters (more than a spreadsheet cell holds).

    Args:
        seed: Run seed, so long texts differ between seeds like everything else.

    Returns:
        Eight long strings, each a full review essay of repeated paragraphs.
    """
    rng = random.Random(seed ^ 0x5EED)
    texts = []
    for _ in range(8):
        paragraph = " ".join(rng.sample(_SENTENCES, len(_SENTENCES)))
        body = "\n\n".join(paragraph for _ in range(45_000 // len(paragraph) + 1))
        texts.append(f"Full specification and user manual (scraped verbatim).\n\n{body}")
    return texts
