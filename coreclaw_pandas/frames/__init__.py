"""Result rows to DataFrames: builder, dtypes, reshaping, provenance, history and the cache.

Pure functions of rows (pandas, NumPy, pyarrow); no HTTP.

Example:
    >>> df = rows_to_frame([{"title": "Mug", "price": 12.5, "seller": {"name": "Ana"}}])
    >>> list(df.columns)
    ['title', 'price', 'seller.name']
"""

from ..models import ATTRS_KEY, ID_COLUMN
from .arrow_out import ParquetParts, StableDtypes, frame_to_arrow
from .arrow_pages import PageDecoder, read_json_lines
from .buffers import InexactColumnError
from .builder import FrameBuilder, rows_to_frame
from .dtypes import with_arrow_dtypes
from .error_rows import (
    ERROR_ROW_POLICIES,
    ErrorRowsError,
    ErrorRowsWarning,
    apply_error_rows,
    error_row_mask,
)
from .history import log_to_frame, runs_to_frame
from .provenance import PROVENANCE_KEYS, provenance_of, run_provenance, set_provenance
from .reshape import explode_nested, flatten_columns

__all__ = [
    "ATTRS_KEY",
    "ERROR_ROW_POLICIES",
    "ID_COLUMN",
    "PROVENANCE_KEYS",
    "ErrorRowsError",
    "ErrorRowsWarning",
    "FrameBuilder",
    "apply_error_rows",
    "error_row_mask",
    "InexactColumnError",
    "PageDecoder",
    "ParquetParts",
    "StableDtypes",
    "explode_nested",
    "flatten_columns",
    "frame_to_arrow",
    "log_to_frame",
    "provenance_of",
    "run_provenance",
    "read_json_lines",
    "rows_to_frame",
    "runs_to_frame",
    "set_provenance",
    "with_arrow_dtypes",
]
