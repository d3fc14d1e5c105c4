"""Where a frame came from, in ``df.attrs["coreclaw"]``: JSON-safe values only.

pandas carries ``attrs`` through filtering and column selection, and Parquet
keeps them, so a frame saved and reloaded still knows its run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .. import _clock
from ..models import ATTRS_KEY, Run
from .dtypes import check_json_safe

__all__ = ["PROVENANCE_KEYS", "provenance_of", "run_provenance", "set_provenance"]

#: Keys the package records under ``df.attrs["coreclaw"]``.
PROVENANCE_KEYS = tuple(
    "run_slug scraper_slug worker_title version status row_count usage fetched_at base_url"
    " api_version".split()
)


def set_provenance(df: pd.DataFrame, info: Mapping[str, Any]) -> pd.DataFrame:
    """Record where a frame came from in ``df.attrs["coreclaw"]`` (see ``PROVENANCE_KEYS``).

    The frame's attrs are updated in place; the info is copied, so later changes
    to ``info`` do not leak in. pandas carries attrs through filtering and column
    selection, and Parquet keeps them.

    Returns:
        ``df`` itself, for chaining.

    Raises:
        ValueError: A value is not JSON-safe (only str, int, finite float, bool,
            None, lists and dicts with string keys).
    """
    check_json_safe(dict(info), "provenance")
    info = dict(info)
    if isinstance(info.get("base_url"), str):
        # attrs are shown and saved (Parquet, the About sheet): never with a password.
        scheme, sep, rest = info["base_url"].partition("://")
        host, slash, path = rest.partition("/")
        if sep:
            info["base_url"] = f"{scheme}{sep}{host.rpartition('@')[2]}{slash}{path}"
    df.attrs[ATTRS_KEY] = json.loads(json.dumps(info))
    return df


def provenance_of(df: pd.DataFrame) -> dict[str, Any]:
    """The provenance recorded on ``df`` (a copy), or ``{}`` for a frame made elsewhere."""
    info = df.attrs.get(ATTRS_KEY)
    return dict(info) if isinstance(info, Mapping) else {}


def run_provenance(run: Run, rows: int, *, base_url: str, api_version: str) -> dict[str, Any]:
    """The provenance of ``rows`` rows read from ``run`` now, for :func:`set_provenance`.

    One definition for every reader (``results_df``, streams, the export path), so that
    their frames carry the same keys.
    """
    return {
        "run_slug": run.slug,
        "scraper_slug": run.scraper_slug,
        "worker_title": run.scraper_title,
        "version": run.version,
        "status": run.status.label,
        "row_count": rows,
        "usage": run.usage,
        "fetched_at": _clock.utc_now().isoformat(timespec="seconds"),
        "base_url": base_url,
        "api_version": api_version,
    }
