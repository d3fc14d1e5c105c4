"""Worker input schemas: parse a Worker's descriptor, check and build input values.

Stdlib only: no widgets and no HTTP. The form (:mod:`coreclaw_pandas.forms`)
maps parsed fields to controls; the client checks ``custom`` against them.

Example:
    >>> schema = parse_input_schema({"properties": {"rows": {"type": "integer"}}})
    >>> schema.build({"rows": 3})
    {'rows': 3}
"""

# fields before parse: the parser builds the dataclasses fields defines.
from .fields import MISSING, Field, InputSchema, Option, ParamColumn
from .parse import parse_input_schema

__all__ = ["MISSING", "Field", "InputSchema", "Option", "ParamColumn", "parse_input_schema"]
