"""Render an export snapshot as CSV or JSON bytes, streamed in chunks.

Choices (CONTRACT §2.8 leaves them open): CSV columns are the header *keys*
then any other keys of the first rows (``filter_keys`` when given), nested values
are compact JSON, ``null`` is an empty cell and booleans are ``true``/``false``;
JSON is an array of row objects. The internal ``__coreclaw_data_id__`` is left
out of both unless asked for in ``filter_keys``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from .state import DATA_ID_KEY, Export

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
#: Rows whose keys are sampled for CSV columns beyond the declared headers.
_SAMPLE_ROWS = 1000
#: Rows per streamed chunk: big enough to keep write calls few, small enough to stay lean.
_CHUNK_ROWS = 2000
# Stored rows start with '{"__coreclaw_data_id__":"<64 hex>"', so the id can be cut off
# without decoding the row.
_ID_PREFIX_LEN = len('{"' + DATA_ID_KEY + '":"') + 64 + 1


def _without_id(row: bytes) -> bytes:
    rest = row[_ID_PREFIX_LEN:]
    return b"{" + rest[1:] if rest.startswith(b",") else b"{}"


def _columns(export: Export) -> list[str]:
    if export.filter_keys:
        return list(export.filter_keys)
    # Declared header keys first, then keys the rows carry beyond them (sampled from the
    # first rows: a CSV needs its columns before the first line is written).
    seen: dict[str, None] = dict.fromkeys(h["key"] for h in export.headers)
    for row in export.rows[:_SAMPLE_ROWS]:
        seen.update((k, None) for k in json.loads(row) if k != DATA_ID_KEY)
    return list(seen)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render(export: Export) -> Iterator[bytes]:
    """Yield the export file's bytes in chunks."""
    if export.fmt == "csv":
        yield from _render_csv(export)
    else:
        yield from _render_json(export)


def _render_csv(export: Export) -> Iterator[bytes]:
    columns = _columns(export)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    rows = export.rows
    for start in range(0, len(rows), _CHUNK_ROWS):
        for raw in rows[start : start + _CHUNK_ROWS]:
            row = json.loads(raw)
            writer.writerow([_cell(row.get(key)) for key in columns])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _render_json(export: Export) -> Iterator[bytes]:
    rows = export.rows
    keys = export.filter_keys
    yield b"["
    for start in range(0, len(rows), _CHUNK_ROWS):
        chunk = rows[start : start + _CHUNK_ROWS]
        if keys:
            parts = []
            for raw in chunk:
                row = json.loads(raw)
                kept = {key: row[key] for key in keys if key in row}
                parts.append(json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode())
        else:
            parts = [_without_id(raw) for raw in chunk]
        yield (b"," if start else b"") + b",".join(parts)
    yield b"]"
