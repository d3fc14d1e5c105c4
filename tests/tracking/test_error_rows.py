"""The error-row classifier on frames built in the test (no server)."""

from __future__ import annotations

import pandas as pd

from coreclaw_pandas.frames import error_row_mask


def test_rows_whose_only_real_fields_are_error_markers():
    df = pd.DataFrame({
        "url": ["u1", "u2", "u3", "u4", "u5", "u6", "u7"],
        "status_code": [403, 200, None, 429, None, 500, None],
        "error": [None, None, "captcha", None, None, None, None],
        "title": ["Just a moment...", "Kettle", None, None, "Kettle 403", None, None],
        "price": [None, 9.5, None, None, 12.0, None, None],
        "scraped_at": ["t"] * 7,
    })
    assert error_row_mask(df).tolist() == [True, False, True, True, False, True, False]


def test_text_markers_alone_and_empty_values():
    df = pd.DataFrame({
        "page": ["Access Denied", "Please verify you are human", "A real page", ""],
        "links": [[], [], ["x"], []],
        "__coreclaw_data_id__": ["a", "b", "c", "d"],
    })
    assert error_row_mask(df).tolist() == [True, True, False, False]


def test_a_frame_of_data_has_no_error_rows():
    df = pd.DataFrame({"id": range(1000), "status": ["in stock"] * 1000,
                       "description": ["no 403 here, honest"] * 1000})
    assert not error_row_mask(df).any() and error_row_mask(df.iloc[:0]).empty
