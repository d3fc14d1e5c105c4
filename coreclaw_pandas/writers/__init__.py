"""Safe Excel and CSV export of any DataFrame.

Cells are sanitised (formulas, illegal XML characters, Excel's limits) and files
are written atomically. xlsxwriter is imported only when an .xlsx is written.

Example:
    >>> from coreclaw_pandas.writers import to_excel
    >>> to_excel(df, "results.xlsx")
    PosixPath('results.xlsx')
"""

from .._atomic import atomic_path
from .export import ExportError, ExportWarning, to_csv, to_excel

__all__ = ["ExportError", "ExportWarning", "atomic_path", "to_csv", "to_excel"]
