"""A small result gets no row bar (issue 16 #12): it arrives in one page, in well under a second."""

from __future__ import annotations

import io
import sys

import pytest

import coreclaw_pandas as cc

from .helpers import CATALOGUE


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, so tqdm draws where it decides to."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("rows", "bar"), [(25, False), (100, False), (250, True)])
def test_a_small_result_gets_no_row_bar(configured, monkeypatch, rows, bar) -> None:
    run = cc.run_worker(CATALOGUE, {"rows": rows}, progress=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    df = cc.results_df(run, cache=False)
    assert len(df) == rows
    assert (f"rows of {run.slug}" in terminal.getvalue()) is bar
