"""The platform's own export of a run: ``cc.export`` downloads it, ``cc.read_export`` reads it.

The export is made by CoreClaw, not by this package (docs/platform.md); it is fetched
without the API key on the download and kept only when the download completed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .. import frames
from .._atomic import atomic_path
from ..client import Client
from ..exceptions import InputError
from ..progress import CountBar
from .default import RunLike, resolve_client, run_slug_of

__all__ = ["export", "read_export"]


def export(
    run: RunLike,
    path: str | Path,
    *,
    format: str = "csv",
    columns: list[str] | None = None,
    progress: bool | None = None,
    client: Client | None = None,
) -> Path:
    """Export a run's rows on the platform and download the file, atomically.

    The download link is fetched without the API key. No half-written file is
    left behind after an error.

    Args:
        run: A Run or run_slug.
        path: Where to write the file.
        format: ``"csv"`` or ``"json"``; on API v2 also ``"jsonl"``, ``"xlsx"``,
            ``"xls"``, ``"xml"``, ``"html"`` or ``"rss"``.
        columns: Keys to keep; all when None.
        progress: Force the byte bar on/off.
        client: The client to use instead of the default.

    Returns:
        The path written.
    """
    c = resolve_client(client)
    url = c.export_url(run_slug_of(run), format=format, columns=columns)
    target = Path(path)
    with (
        CountBar(
            f"download {target.name}", total=None, unit="B", unit_scale=True, progress=progress
        ) as bar,
        atomic_path(target) as tmp,
        open(tmp, "wb") as out,
    ):
        c.download(url, out, on_progress=bar.set_to)
    return target


#: How each export format is read back: a pandas reader and its options. Text stays
#: text (``dtype=str`` where the reader guesses): this reads what the platform wrote.
_READERS: Mapping[str, tuple[str, dict[str, Any]]] = {
    "xlsx": ("read_excel", {"engine": "openpyxl", "dtype": object}),
    "csv": ("read_csv", {"dtype": str, "keep_default_na": False, "na_values": [""]}),
    "json": ("read_json", {"orient": "records", "dtype": False, "convert_dates": False}),
    "jsonl": ("read_json", {"lines": True, "dtype": False, "convert_dates": False}),
}


def read_export(
    run: RunLike,
    *,
    format: str = "xlsx",
    columns: list[str] | None = None,
    progress: bool | None = None,
    client: Client | None = None,
) -> pd.DataFrame:
    """Read the platform's own export of a run into a DataFrame.

    The platform renders the file (``cc.export`` saves it instead); it is
    downloaded into memory without the API key and read with pandas (openpyxl for
    xlsx). Use it to check what the platform's export holds, or where the export is
    the agreed format; :func:`results_df` is the faster, typed way to the rows.

    Args:
        run: A Run or run_slug.
        format: ``"xlsx"`` (API v2 only), ``"csv"``, ``"json"`` or ``"jsonl"`` (v2).
        columns: Keys to keep; all when None.
        progress: Force the download's byte bar on/off.
        client: The client to use instead of the default.

    Returns:
        The rows as the export has them, with provenance in ``df.attrs["coreclaw"]``
        (``source`` is ``"export"``).

    Raises:
        InputError: ``format`` is not one this reader knows, or the API version cannot
            export it (v1 exports csv and json only).

    Example:
        >>> cc.read_export(run, format="xlsx").head()
    """
    if format not in _READERS:
        raise InputError(
            [f"`format` must be one of {', '.join(_READERS)} to read it back, got {format!r}"]
        )
    c = resolve_client(client)
    slug = run_slug_of(run)
    url = c.export_url(slug, format=format, columns=columns)
    buffer = io.BytesIO()
    with CountBar(
        f"download {slug}.{format}", total=None, unit="B", unit_scale=True, progress=progress
    ) as bar:
        c.download(url, buffer, on_progress=bar.set_to)
    buffer.seek(0)
    reader, options = _READERS[format]
    df = getattr(pd, reader)(buffer, **options)
    frames.set_provenance(df, _export_provenance(c, slug, len(df)))
    return df


def _export_provenance(c: Client, slug: str, rows: int) -> dict[str, Any]:
    info = frames.run_provenance(c.run(slug), rows, base_url=c.base_url, api_version=c.api_version)
    return {**info, "source": "export"}
