"""Read a run's ``custom`` input against the Worker's own schema.

Workers cannot trust ``custom``: the engine may pass it through unchecked, and real
callers send numbers as strings (``"max_results": "10"``). ``InputReader`` fills in
schema defaults, coerces the obvious cases and turns anything else into a
``WorkerFailed`` whose message names the field, so a bad input ends the run as
Failed with a readable ``err_msg`` instead of a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .base import WorkerFailed

__all__ = ["InputReader"]


class InputReader:
    """Typed access to ``custom`` values, falling back to the schema's defaults.

    Args:
        schema: The Worker's input schema (``{"properties": [...]}``).
        custom: The run's ``custom`` object as received.

    Example:
        >>> reader = InputReader({"properties": [{"name": "n", "type": "integer",
        ...     "default": 3, "minimum": 1}]}, {})
        >>> reader.integer("n")
        3
    """

    def __init__(self, schema: Mapping[str, Any], custom: Mapping[str, Any] | None) -> None:
        self._props = {prop["name"]: prop for prop in schema.get("properties", [])}
        self._custom = dict(custom or {})

    def raw(self, name: str) -> Any:
        """Return the value given for ``name``, else its default, else None.

        Raises:
            WorkerFailed: The field is required and has neither a value nor a default.
        """
        prop = self._props[name]
        value = self._custom.get(name)
        if value is None:
            value = prop.get("default")
        if value is None and prop.get("required"):
            raise WorkerFailed(f"Input '{name}' is required but was not given.")
        return value

    def integer(self, name: str) -> int:
        """Return ``name`` as an int within the schema's minimum and maximum.

        Raises:
            WorkerFailed: The value is not a whole number or is out of bounds.
        """
        value = self.raw(name)
        if isinstance(value, str):
            value = value.strip()
        try:
            if isinstance(value, bool):
                raise ValueError
            number = int(value)
            # int() truncates 2.5 silently; a fractional count is a caller mistake.
            if isinstance(value, float) and value != number:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise WorkerFailed(f"Input '{name}' must be a whole number, got {value!r}.") from None
        return int(self._bounded(name, number))

    def number(self, name: str) -> float:
        """Return ``name`` as a finite float within the schema's bounds.

        Raises:
            WorkerFailed: The value is not a number or is out of bounds.
        """
        value = self.raw(name)
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise WorkerFailed(f"Input '{name}' must be a number, got {value!r}.") from None
        if not math.isfinite(number):
            raise WorkerFailed(f"Input '{name}' must be a finite number, got {value!r}.")
        return float(self._bounded(name, number))

    def boolean(self, name: str) -> bool:
        """Return ``name`` as a bool; accepts ``"true"``/``"false"`` strings too.

        Raises:
            WorkerFailed: The value is neither a boolean nor a recognisable string.
        """
        value = self.raw(name)
        if isinstance(value, bool) or value is None:
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
            return value.strip().lower() in {"true", "1"}
        raise WorkerFailed(f"Input '{name}' must be true or false, got {value!r}.")

    def string(self, name: str) -> str:
        """Return ``name`` as a string (empty when absent).

        Raises:
            WorkerFailed: The value is a list or an object.
        """
        value = self.raw(name)
        if value is None:
            return ""
        if isinstance(value, dict | list):
            raise WorkerFailed(f"Input '{name}' must be text, got {type(value).__name__}.")
        return str(value)

    def choice(self, name: str) -> Any:
        """Return the ``options`` value matching ``name`` (as the option's own type).

        Raises:
            WorkerFailed: The value is not one of the options.
        """
        value = self.raw(name)
        allowed = [option["value"] for option in self._props[name].get("options", [])]
        for option in allowed:
            # Option values may be ints while forms send "3"; compare as text.
            if not isinstance(value, bool) and str(option) == str(value):
                return option
        raise WorkerFailed(f"Input '{name}' must be one of {allowed}, got {value!r}.")

    def array(self, name: str) -> list[Any]:
        """Return ``name`` as a list (empty when absent).

        Raises:
            WorkerFailed: The value is not an array.
        """
        value = self.raw(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise WorkerFailed(f"Input '{name}' must be an array, got {type(value).__name__}.")
        return value

    def object(self, name: str) -> dict[str, Any]:
        """Return ``name`` as a dict (empty when absent).

        Raises:
            WorkerFailed: The value is not a JSON object.
        """
        value = self.raw(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise WorkerFailed(f"Input '{name}' must be a JSON object, got {type(value).__name__}.")
        return value

    def _bounded(self, name: str, number: float) -> float:
        prop = self._props[name]
        low, high = prop.get("minimum"), prop.get("maximum")
        if (low is not None and number < low) or (high is not None and number > high):
            raise WorkerFailed(
                f"Input '{name}' must be between {low if low is not None else '-inf'} and "
                f"{high if high is not None else 'inf'}, got {number:g}."
            )
        return number
