"""Check a run's ``custom`` and ``system`` input the way the platform does.

This is the emulator's own validator: it must not share code with the client's
schema module, so a misreading of the input-schema format cannot hide on both
sides. Rules (docs/platform.md §5.2-§5.4):

- ``custom`` is an object; every property with ``required: true`` is present and
  not null, and not an empty string or empty array.
- A value's JSON type must match the property's ``type`` (the ``editor`` does not
  matter); a property without ``type`` accepts anything. ``integer`` rejects
  ``5.0`` and booleans, ``number`` rejects booleans.
- Numbers respect ``minimum``/``maximum`` when the schema gives them.
- Keys the schema does not list are ignored, as the platform passes them through.

Functions return problem strings that name the field; callers prefix the path of
``custom`` in their own wire format.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .regions import is_region

#: Memory sizes (MB) the platform offers.
MEMORY_SIZES = (512, 1024, 2048, 4096, 8192, 16384)
#: System fields every start must send (openapi-v1 ``SystemRunParameters``).
REQUIRED_SYSTEM = (
    "cpus",
    "memory",
    "execute_limit_time_seconds",
    "max_total_charge",
    "max_total_traffic",
)

_TYPE_NAMES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """Return the JSON type name of a decoded JSON value."""
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def matches_type(value: Any, expected: str) -> bool:
    """Return True when ``value`` is of the input-schema ``type`` ``expected``.

    Unknown type names accept anything: the platform tolerates them too.
    """
    if expected == "string":
        return isinstance(value, str)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "array":
        return isinstance(value, list)
    if expected == "object":
        return isinstance(value, dict)
    return True


def short(value: Any, limit: int = 60) -> str:
    """Return a ``repr`` of ``value`` cut to ``limit`` characters, for error messages."""
    try:
        text = repr(value)
    except ValueError:  # ints too long to print
        return f"<{json_type(value)}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def first_missing(schema: Mapping[str, Any], custom: Mapping[str, Any]) -> str | None:
    """Return the title of the first required property ``custom`` lacks, or None.

    A Worker reports it as production does for a task saved with flat input:
    "Keyword is required".
    """
    for prop in schema.get("properties") or []:
        if prop.get("required") and _is_blank(custom.get(prop.get("name"))):
            return str(prop.get("title") or prop.get("name"))
    return None


def check_custom(schema: Mapping[str, Any], custom: Any) -> list[str]:
    """Return the problems of ``custom`` against a Worker input schema (empty when fine)."""
    if not isinstance(custom, dict):
        return [f"must be an object, got {json_type(custom)}"]
    problems = []
    props = [p for p in schema.get("properties", []) if isinstance(p, Mapping) and "name" in p]
    missing = [p["name"] for p in props if p.get("required") and _is_blank(custom.get(p["name"]))]
    if missing:
        problems.append("missing required field(s): " + ", ".join(missing))
    for prop in props:
        name = prop["name"]
        value = custom.get(name)
        if value is None:
            continue
        expected = prop.get("type")
        if isinstance(expected, str) and not matches_type(value, expected):
            problems.append(f"field '{name}' must be of type {expected}, got {json_type(value)}")
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            problems.extend(_bounds(name, value, prop))
    return problems


def _bounds(name: str, value: float, prop: Mapping[str, Any]) -> list[str]:
    low, high = prop.get("minimum"), prop.get("maximum")
    if isinstance(value, float) and not math.isfinite(value):
        return [f"field '{name}' must be a finite number"]
    if isinstance(low, int | float) and value < low:
        return [f"field '{name}' must be >= {low}, got {short(value)}"]
    if isinstance(high, int | float) and value > high:
        return [f"field '{name}' must be <= {high}, got {short(value)}"]
    return []


def check_system(system: Any) -> list[str]:
    """Return the problems of run ``system`` parameters (empty when fine)."""
    if not isinstance(system, dict):
        return [f"must be an object, got {json_type(system)}"]
    problems = []
    missing = [key for key in REQUIRED_SYSTEM if system.get(key) is None]
    if missing:
        problems.append("missing required field(s): " + ", ".join(missing))
    numeric = {
        "cpus": "number",
        "memory": "integer",
        "execute_limit_time_seconds": "integer",
        "max_total_charge": "number",
        "max_total_traffic": "number",
    }
    for key, expected in numeric.items():
        value = system.get(key)
        if value is None:
            continue
        if not matches_type(value, expected):
            problems.append(f"field '{key}' must be of type {expected}, got {json_type(value)}")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"field '{key}' must be a finite number")
        elif value < 0 or (key == "cpus" and value == 0):
            problems.append(f"field '{key}' must be {'> 0' if key == 'cpus' else '>= 0'}")
    memory = system.get("memory")
    if matches_type(memory, "integer") and memory not in MEMORY_SIZES:
        sizes = ", ".join(str(m) for m in MEMORY_SIZES)
        problems.append(f"field 'memory' must be one of {sizes} (MB), got {short(memory)}")
    region = system.get("proxy_region")
    if region is not None and not is_region(region):
        problems.append(
            "field 'proxy_region' must be an ISO 3166-1 alpha-2 code such as 'US', "
            f"got {short(region)}"
        )
    return problems
