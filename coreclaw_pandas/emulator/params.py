"""Read typed fields out of a decoded JSON body or a query string.

Every reader raises ``BadRequest`` with a message that names the field and says
what was expected, so each API version can turn it into its own 4000-style error.
Booleans never pass as integers (JSON ``true`` is not ``1``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, overload
from urllib.parse import urlsplit

from .backend.validation import json_type, short


class BadRequest(Exception):
    """A request field is missing or wrong; the message is safe to show the caller."""


def _get(body: Mapping[str, Any], name: str, required: bool) -> Any:
    value = body.get(name)
    if value is None and required:
        raise BadRequest(f"{name} is required")
    return value


@overload
def get_str(
    body: Mapping[str, Any], name: str, *, required: Literal[True] = ..., allow_empty: bool = ...
) -> str: ...
@overload
def get_str(
    body: Mapping[str, Any], name: str, *, required: bool, allow_empty: bool = ...
) -> str | None: ...
def get_str(
    body: Mapping[str, Any], name: str, *, required: bool = True, allow_empty: bool = False
) -> str | None:
    """Return string field ``name`` (None when optional and absent)."""
    value = _get(body, name, required)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string, got {json_type(value)}")
    if not value.strip() and not allow_empty:
        raise BadRequest(f"{name} must not be empty")
    return value


# Required, or optional with an int default: always an int.
@overload
def get_int(
    body: Mapping[str, Any],
    name: str,
    *,
    required: Literal[True] = ...,
    default: int | None = ...,
    minimum: int | None = ...,
    maximum: int | None = ...,
    maximum_reason: str = ...,
) -> int: ...
@overload
def get_int(
    body: Mapping[str, Any],
    name: str,
    *,
    required: bool,
    default: int,
    minimum: int | None = ...,
    maximum: int | None = ...,
    maximum_reason: str = ...,
) -> int: ...
@overload
def get_int(
    body: Mapping[str, Any],
    name: str,
    *,
    required: bool,
    default: None = ...,
    minimum: int | None = ...,
    maximum: int | None = ...,
    maximum_reason: str = ...,
) -> int | None: ...
def get_int(
    body: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    maximum_reason: str = "",
) -> int | None:
    """Return integer field ``name`` within bounds (``default`` when optional and absent)."""
    value = _get(body, name, required)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{name} must be an integer, got {json_type(value)}")
    return check_bounds(name, value, minimum, maximum, maximum_reason)


def check_bounds(
    name: str, value: int, minimum: int | None, maximum: int | None, maximum_reason: str = ""
) -> int:
    """Return ``value`` if it lies within the bounds, else raise ``BadRequest``."""
    if minimum is not None and value < minimum:
        raise BadRequest(f"{name} must be >= {minimum}, got {short(value)}")
    if maximum is not None and value > maximum:
        reason = f" ({maximum_reason})" if maximum_reason else ""
        raise BadRequest(f"{name} must be <= {maximum}{reason}, got {short(value)}")
    return value


def get_bool(body: Mapping[str, Any], name: str, *, required: bool = True) -> bool | None:
    """Return boolean field ``name`` (None when optional and absent)."""
    value = _get(body, name, required)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be a boolean (true or false), got {json_type(value)}")
    return value


def get_object(body: Mapping[str, Any], name: str, *, required: bool = True) -> dict[str, Any]:
    """Return object field ``name`` (an empty dict when optional and absent)."""
    value = _get(body, name, required)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"{name} must be an object, got {json_type(value)}")
    return value


def get_str_list(body: Mapping[str, Any], name: str, *, required: bool = True) -> list[str]:
    """Return array-of-strings field ``name`` (empty when optional and absent)."""
    value = _get(body, name, required)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"{name} must be an array of strings")
    return value


def get_url(body: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    """Return http(s) URL field ``name`` (None when optional and absent)."""
    value = get_str(body, name, required=required)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest(f"{name} must be an http(s) URL, got {short(value)}")
    return value


@overload
def query_str(
    query: Mapping[str, list[str]], name: str, *, required: Literal[True] = ...
) -> str: ...
@overload
def query_str(query: Mapping[str, list[str]], name: str, *, required: bool) -> str | None: ...
def query_str(query: Mapping[str, list[str]], name: str, *, required: bool = True) -> str | None:
    """Return query parameter ``name`` (the first value), non-empty when required."""
    values = query.get(name)
    value = values[0] if values else None
    if required and (value is None or not value.strip()):
        raise BadRequest(f"{name} is required and must not be empty")
    return value


def query_int(query: Mapping[str, list[str]], name: str, *, default: int, minimum: int = 1) -> int:
    """Return integer query parameter ``name`` (``default`` when absent)."""
    values = query.get(name)
    if not values:
        return default
    text = values[0].strip()
    if not re.fullmatch(r"-?[0-9]{1,18}", text):
        raise BadRequest(f"{name} must be an integer, got {short(values[0])}")
    return check_bounds(name, int(text), minimum, None)
