"""Editions of the catalogue: the same shop scraped again a week later.

Edition 1 is the catalogue as it always was. Each later edition changes it by
fixed, documented rules, so a test can work out the exact difference between
editions ``N`` and ``N + 1`` without running anything. With ``rows = n`` and
``step = max(1, n // 100)``:

* **Window.** Edition ``e`` lists the products with index ``(e - 1) * step`` up to
  ``(e - 1) * step + n - 1``: each new edition drops the ``step`` lowest-indexed
  products and adds ``step`` new ones after the last.
* **Price changes.** In edition ``e >= 2``, every listed product with
  ``index % 10 == e % 10`` goes up in price; only ``price`` and ``price_text``
  change. Each rise adds 5% of the edition-1 price (at least one cent, or one
  yen), so a product's price in edition ``e`` is its edition-1 price plus ``k``
  rises, ``k`` being the number of editions ``2..e`` whose number ends in the
  product's last index digit.

So editions ``N`` and ``N + 1`` differ by ``step`` removed products, ``step``
added ones, and the price of every product in both whose index ends in the digit
``(N + 1) % 10``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["edition_window", "reprice"]


def edition_window(rows: int, edition: int) -> range:
    """The product indexes listed in ``edition`` of a ``rows``-row catalogue."""
    first = (edition - 1) * max(1, rows // 100)
    return range(first, first + rows)


def _rises(index: int, edition: int) -> int:
    """How many editions ``2..edition`` end in the same digit as ``index``."""
    digit = index % 10

    def upto(last: int) -> int:  # editions 0..last ending in ``digit``
        return (last - digit) // 10 + 1 if last >= digit else 0

    return upto(edition) - upto(1)


def reprice(rows: list[dict[str, Any]], edition: int, separator: str) -> list[dict[str, Any]]:
    """Apply ``edition``'s price rises to edition-1 ``rows`` (in place; returns them)."""
    if edition <= 1:
        return rows
    for row in rows:
        rises = _rises(row["index"], edition)
        price = row.get("price")
        if not rises or not isinstance(price, (int, float)):
            continue
        whole = row.get("currency") == "JPY"
        unit = 1.0 if whole else 0.01
        step = max(unit, round(price * 0.05, 0 if whole else 2))
        new = round(price + rises * step, 0 if whole else 2)
        text = f"{new:.0f}" if whole else f"{new:.2f}"
        row["price"] = new
        row["price_text"] = text.replace(".", separator)
    return rows
