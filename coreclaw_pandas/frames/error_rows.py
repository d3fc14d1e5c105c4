"""Error records: rows a "succeeded" run wrote about a page it could not scrape.

A Worker that meets a CAPTCHA, a 403 or a 429 often still succeeds, writing one
row per blocked page: ``{"url": ..., "status_code": 403, "error": "captcha"}``.
Counted as data, such rows make a run of 500 CAPTCHA pages look like a good
one. A row is an *error record* when its only real fields are error markers:

* a truthy value in an error column (``error``, ``error_message``, ``errors``...);
* an HTTP status of 400 or more in a status column (``status_code``, ``http_status``...);
* text saying the page was blocked ("captcha", "access denied", "too many requests"...).

Bookkeeping fields (the row id, the URL asked for, timestamps) are neither real
nor markers, so ``{"url", "scraped_at", "status_code": 429}`` is an error record
while a product row that merely mentions "403" in its description is not: its
price and title are real fields.

The test is vectorised and narrows as it goes: a column that shows a real value
in a row rules that row out, so the costly text matching runs only on the few
rows still in question.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .._warnings import warn
from ..exceptions import CoreClawError
from ..models import ID_COLUMN

__all__ = [
    "ERROR_ROW_POLICIES",
    "ErrorRowsError",
    "ErrorRowsWarning",
    "apply_error_rows",
    "error_row_mask",
]

#: What ``results_df(on_error_rows=...)`` may be asked to do with error records.
ERROR_ROW_POLICIES = ("keep", "warn", "drop", "raise")

#: Column names (lower case, ``_``/``-``/space removed) whose truthy values are markers.
_ERROR_COLUMNS = frozenset(
    "error errors errormessage errmsg errorcode errortype exception blocked captcha "
    "#error failure failed".split()
)
#: Columns holding an HTTP status: a marker from 400 up, a real field below.
_STATUS_COLUMNS = frozenset("statuscode httpstatus httpstatuscode responsestatus status".split())
#: Bookkeeping: the request, the run, the time. Neither real data nor a marker.
_META_COLUMNS = frozenset(
    "url inputurl requesturl sourceurl loadedurl finalurl pageurl scrapedat fetchedat "
    "crawledat timestamp createdat runslug firstseen lastseen index row".split()
)
#: Text that a block page, not a product, says. Matched case-insensitively.
_BLOCK_TEXT = re.compile(
    r"captcha|access denied|access to this page has been denied|forbidden|too many requests"
    r"|rate.?limit|are you a (?:robot|human)|verify you are (?:a )?human|unusual traffic"
    r"|attention required|just a moment|request blocked|bot detection|\b(?:403|429|503)\b",
    re.IGNORECASE,
)


class ErrorRowsWarning(UserWarning):
    """The frame holds error records (CAPTCHA, 403, 429 pages) besides or instead of data."""


class ErrorRowsError(CoreClawError):
    """With ``on_error_rows="raise"``: the run's rows include error records.

    Attributes:
        run_slug: The run, when known.
        count: How many rows are error records.
        total: How many rows were read.
    """

    def __init__(self, message: str, *, run_slug: str | None, count: int, total: int) -> None:
        super().__init__(message)
        self.run_slug = run_slug
        self.count = count
        self.total = total


def _norm(name: Any) -> str:
    text = str(name).rsplit(".", 1)[-1].lower()
    return re.sub(r"[\s_\-]", "", text)


def _role(name: Any) -> str:
    """``"error"``, ``"status"``, ``"meta"`` or ``"data"`` for a column name."""
    if str(name).startswith("__") or name == ID_COLUMN:
        return "meta"
    norm = _norm(name)
    if norm in _ERROR_COLUMNS:
        return "error"
    if norm in _STATUS_COLUMNS:
        return "status"
    if norm in _META_COLUMNS:
        return "meta"
    return "data"


def _present(values: pd.Series) -> np.ndarray:
    """True where a cell holds something: not null, not "", not an empty list or dict."""
    present = values.notna().to_numpy(dtype=bool, na_value=False, copy=True)
    if _texty(values):
        idx = np.flatnonzero(present)
        if len(idx):
            sub = values.iloc[idx]
            empty = np.fromiter(
                (v == "" or (isinstance(v, (list, dict)) and not v) for v in sub),
                dtype=bool,
                count=len(sub),
            )
            present[idx[empty]] = False
    elif values.dtype == bool or isinstance(values.dtype, pd.BooleanDtype):
        present &= values.fillna(False).to_numpy(dtype=bool)
    return present


def _texty(values: pd.Series) -> bool:
    return values.dtype == object or isinstance(values.dtype, pd.StringDtype)


def _http_error(values: pd.Series) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce")
    return (numbers >= 400).to_numpy(dtype=bool, na_value=False)


def _block_text(values: pd.Series) -> np.ndarray:
    texts = values.map(lambda v: v if isinstance(v, str) else None)
    return texts.str.contains(_BLOCK_TEXT, na=False).to_numpy(dtype=bool)


def error_row_mask(df: pd.DataFrame) -> pd.Series:
    """Which rows of ``df`` are error records (see the module docstring).

    Args:
        df: Result rows, nested columns flattened or not.

    Returns:
        A boolean Series aligned with ``df``.

    Example:
        >>> rows = pd.DataFrame({"url": ["a", "b"], "status_code": [403, 200],
        ...                      "title": ["Access denied", "Kettle"]})
        >>> error_row_mask(rows).tolist()
        [True, False]
    """
    n = len(df)
    open_ = np.ones(n, dtype=bool)  # rows still free of real fields
    marked = np.zeros(n, dtype=bool)
    roles = {name: _role(name) for name in df.columns}
    # Cheap columns first: a non-text data column with a value rules its rows out at once.
    order = sorted(df.columns, key=lambda c: (roles[c] != "data", df[c].dtype == object))
    for name in order:
        role = roles[name]
        if role == "meta" or not open_.any():
            continue
        rows = np.flatnonzero(open_)
        values = df[name].iloc[rows]
        present = _present(values)
        if role == "error":
            marked[rows[present]] = True
        elif role == "status":
            bad = _http_error(values)
            marked[rows[present & bad]] = True
            open_[rows[present & ~bad]] = False
        else:
            block = np.zeros(len(rows), dtype=bool)
            if present.any() and _texty(values):
                block[present] = _block_text(values[present])
            marked[rows[present & block]] = True
            open_[rows[present & ~block]] = False
    return pd.Series(open_ & marked, index=df.index, name="error_row")


def apply_error_rows(
    df: pd.DataFrame, policy: str, *, run_slug: str | None = None
) -> pd.DataFrame:
    """Keep, warn about, drop or refuse a frame's error records.

    Args:
        df: A results frame.
        policy: One of :data:`ERROR_ROW_POLICIES`.
        run_slug: Named in the messages.

    Returns:
        ``df`` itself (``keep``, ``warn``, or no error records), or a copy without them
        (``drop``), its attrs kept.

    Raises:
        ValueError: ``policy`` is not one of the four.
        ErrorRowsError: ``policy="raise"`` and error records were found.
    """
    if policy not in ERROR_ROW_POLICIES:
        raise ValueError(
            f"on_error_rows must be one of {', '.join(ERROR_ROW_POLICIES)}, got {policy!r}."
        )
    if policy == "keep" or df.empty:
        return df
    mask = error_row_mask(df)
    count = int(mask.sum())
    if not count:
        return df
    what = f"run {run_slug}" if run_slug else "the frame"
    said = (
        f"{count:,} of {len(df):,} rows of {what} are error records (CAPTCHA, blocked or "
        "HTTP 4xx/5xx pages, not data)"
    )
    if policy == "raise":
        raise ErrorRowsError(
            f"{said}. Inspect them with cc.verify(...), or pass on_error_rows='drop' to "
            "keep only the real rows.",
            run_slug=run_slug,
            count=count,
            total=len(df),
        )
    if policy == "warn":
        warn(ErrorRowsWarning(f"{said}. Pass on_error_rows='drop' to leave them out."))
        return df
    kept = df.loc[~mask.to_numpy()]
    kept.attrs = df.attrs
    return kept
