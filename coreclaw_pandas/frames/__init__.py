"""Result rows to DataFrames: builder, dtypes, provenance, history and the cache.

Pure functions of rows (pandas, NumPy, pyarrow); no HTTP.

Example:
    >>> df = rows_to_frame([{"title": "Mug", "price": 12.5, "seller": {"name": "Ana"}}])
    >>> list(df.columns)
    ['title', 'price', 'seller.name']
"""

from .builder import (
    ATTRS_KEY,
    ID_COLUMN,
    PROVENANCE_KEYS,
    FrameBuilder,
    explode_nested,
    flatten_columns,
    log_to_frame,
    rows_to_frame,
    runs_to_frame,
    set_provenance,
)

__all__ = [
    "ATTRS_KEY",
    "ID_COLUMN",
    "PROVENANCE_KEYS",
    "FrameBuilder",
    "explode_nested",
    "flatten_columns",
    "log_to_frame",
    "rows_to_frame",
    "runs_to_frame",
    "set_provenance",
]
