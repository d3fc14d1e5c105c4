"""Helpers for the frames tests: row ids and a small catalogue of awkward rows."""

from __future__ import annotations

from coreclaw_pandas.frames import ID_COLUMN
from coreclaw_pandas.models import ResultHeader


def row_id(n: int) -> str:
    """A platform-style row id (64 hex digits)."""
    return f"{n:064x}"


def catalogue() -> tuple[list[dict], list[ResultHeader]]:
    """Rows with missing, extra, nested and non-ASCII values, and their headers."""
    headers = [
        ResultHeader("title", "Title", "text"),
        ResultHeader("price", "Price", "text"),
        ResultHeader("never_sent", "Never sent", "text"),
    ]
    rows = [
        {
            ID_COLUMN: row_id(1),
            "title": "Mug ☕",
            "price": 12,
            "seller": {"name": "Ana", "geo": {"cc": "PT"}},
        },
        {ID_COLUMN: row_id(2), "price": 3.5, "tags": ["a", "b"], "title": None},
        {ID_COLUMN: row_id(3), "brand": "Zeiss", "seller": None},
        {"title": "東京タワー", ID_COLUMN: row_id(4), "seller": {"name": "Bo", "rating": 4}},
    ]
    return rows, headers

