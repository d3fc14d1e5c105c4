"""Wire-neutral formatting both API versions share."""

from __future__ import annotations

from decimal import Decimal

from coreclaw_pandas.emulator.messages import money


def test_money_format():
    assert money(Decimal(0)) == "0.0000"
    assert money(Decimal("0.0542")) == "0.0542"
    assert money(Decimal("0.00001")) == "0.00001"
    assert money(Decimal("12.5")) == "12.5000"
