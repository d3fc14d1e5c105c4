"""The 64-character row id is the last column everywhere a user sees a result (issue 16 #3)."""

from __future__ import annotations

import pandas as pd

import coreclaw_pandas as cc
from coreclaw_pandas.models import ID_COLUMN

from ..writers.helpers import read_csv_rows, read_rows
from .helpers import CATALOGUE


def test_results_df_has_the_row_id_last_unique_and_kept(configured) -> None:
    run = cc.run_worker(CATALOGUE, {"rows": 30}, progress=False)
    df = cc.results_df(run, progress=False)
    assert df.columns[-1] == ID_COLUMN
    assert df.columns[0] != ID_COLUMN
    assert df[ID_COLUMN].is_unique and df[ID_COLUMN].str.len().eq(64).all()

    picked = cc.results_df(run, columns=["title"], progress=False, cache=False)
    assert list(picked.columns) == ["title", ID_COLUMN]


def test_excel_and_csv_exports_keep_the_row_id_last(configured, tmp_path) -> None:
    df = cc.results_df(cc.run_worker(CATALOGUE, {"rows": 5}, progress=False), progress=False)
    xlsx = df.coreclaw.to_excel(tmp_path / "r.xlsx")
    csv = df.coreclaw.to_csv(tmp_path / "r.csv")
    assert read_rows(xlsx)[0][-1] == ID_COLUMN
    assert read_rows(xlsx)[0][0] != ID_COLUMN
    assert read_csv_rows(csv)[0][-1] == ID_COLUMN


def test_an_empty_result_still_has_the_id_column() -> None:
    from coreclaw_pandas.frames import rows_to_frame

    assert list(rows_to_frame([])) == [ID_COLUMN]
    assert isinstance(rows_to_frame([]), pd.DataFrame)
