"""System parameters of a run start (docs/platform.md §5.2): what may be set, and what is valid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_REGION", "MEMORY_SIZES", "SYSTEM_DEFAULTS", "SYSTEM_KEYS", "system_problems"]

#: The memory sizes the platform allows, in MB (docs/platform.md §5.2).
MEMORY_SIZES = (512, 1024, 2048, 4096, 8192, 16384)
#: Every system parameter a start may set.
SYSTEM_KEYS = (
    "cpus",
    "memory",
    "execute_limit_time_seconds",
    "max_total_charge",
    "max_total_traffic",
    "proxy_region",
)
#: System defaults when the Worker gives none (the values every /api/scraper shows).
SYSTEM_DEFAULTS = {
    "cpus": 0.125,
    "memory": 512,
    "execute_limit_time_seconds": 1800,
    "max_total_charge": 0,
    "max_total_traffic": 0,
}
#: The platform's default region when none is sent.
DEFAULT_REGION = "US"


def system_problems(overrides: Mapping[str, Any], merged: Mapping[str, Any]) -> list[str]:
    """Problems with the system parameters a start would send (empty when fine).

    Args:
        overrides: What the user set.
        merged: The Worker's defaults with the overrides applied.
    """
    problems = [
        f"unknown system parameter `{key}`; known: {', '.join(SYSTEM_KEYS)}"
        for key in overrides
        if key not in SYSTEM_KEYS
    ]
    memory = merged.get("memory")
    if memory is not None and memory not in MEMORY_SIZES:
        problems.append(
            f"system `memory` must be one of {', '.join(map(str, MEMORY_SIZES))} (MB), "
            f"got {memory!r}"
        )
    for key in ("cpus", "execute_limit_time_seconds", "max_total_charge", "max_total_traffic"):
        value = merged.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            problems.append(f"system `{key}` must be a number >= 0, got {value!r}")
    region = merged.get("proxy_region")
    if region is not None and not (
        isinstance(region, str) and len(region) == 2 and region.isupper()
    ):
        problems.append(
            f"system `proxy_region` must be a two-letter code such as 'US', got {region!r} "
            "(cc.Client().proxy_regions() lists them)"
        )
    return problems
