"""The CSV writer: encodings, datetimes and missing values."""

from __future__ import annotations

import pandas as pd
import pytest

from coreclaw_pandas.writers import (
    ExportError,
    to_csv,
)

from .helpers import (
    export_warnings,
    read_csv_rows,
)

# --- CSV specifics ---------------------------------------------------------------------------


def test_csv_encodings(out_dir):
    df = pd.DataFrame({"t": ["é€😀"]})
    path = out_dir / "out.csv"
    export_warnings(df, path)
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    export_warnings(df, path, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_csv_rows(path, "utf-8-sig") == [["t"], ["é€😀"]]
    with pytest.raises(ExportError, match="utf-8-sig"):
        to_csv(df, out_dir / "latin.csv", encoding="latin-1")
    assert not (out_dir / "latin.csv").exists()


def test_csv_datetimes_and_missing_values(tmp_path):
    df = pd.DataFrame({
        "aware": pd.Series(pd.to_datetime(["2024-03-01 12:00", None])).dt.tz_localize("UTC"),
        "fine": pd.to_datetime(["2024-01-01 00:00:00.250", "2024-01-02"], format="ISO8601"),
        "f": [0.1, float("nan")],
        "b": [True, False],
    })
    path = tmp_path / "out.csv"
    export_warnings(df, path, tz="Asia/Kolkata")
    assert read_csv_rows(path) == [
        ["aware (Asia/Kolkata)", "fine", "f", "b"],
        ["2024-03-01 17:30:00", "2024-01-01 00:00:00.250000", "0.1", "True"],
        ["", "2024-01-02 00:00:00.000000", "", "False"],
    ]
