"""Render an export snapshot in the 8 v2 formats, streamed in chunks.

Choices (docs/platform.md §4.5 leaves them open): CSV columns are the header *keys*
then any other keys of the first rows (``filter_keys`` when given), nested values
are compact JSON, ``null`` is an empty cell and booleans are ``true``/``false``;
JSON is an array of row objects and JSON Lines one object per line. xlsx (v2 only)
has the CSV's columns in one sheet; numbers and booleans keep their type, nested
values are JSON text. XML is ``<items><item>`` with one element per column (a
``<field name="...">`` where the key is no XML name); HTML is one table; xls is
that same HTML table served as an Excel file, the way many export services write
"xls" (no evidence shows production's bytes: docs/emulator.md lists the choice);
RSS 2.0 has one ``<item>`` per row, its text cells as JSON in ``<description>``.
The internal ``__coreclaw_data_id__`` is left out of all of them unless asked for
in ``filter_keys``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from .ids import DATA_ID_KEY
from .state import Export

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "jsonl": "application/jsonl; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}
#: Every format written, in the order the v2 spec lists them.
FORMATS = tuple(CONTENT_TYPES)
#: A key usable as an XML element name as it is (no colon: namespaces are not meant).
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
#: Data rows an xlsx sheet holds (1,048,576 rows minus the header row).
XLSX_MAX_ROWS = 1_048_575
#: Longest text an xlsx cell holds.
_XLSX_MAX_TEXT = 32_767
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
    elif export.fmt == "jsonl":
        yield from _render_jsonl(export)
    elif export.fmt == "xlsx":
        columns = _columns(export)
        rows = (_values(json.loads(raw), columns) for raw in export.rows)
        big = sum(map(len, export.rows)) > 1 << 30
        yield from _render_xlsx(columns, rows, len(export.rows), big=big)
    elif export.fmt in _MARKUP:
        yield from _render_markup(export, _MARKUP[export.fmt])
    else:
        yield from _render_json(export)


def _values(row: dict[str, Any], columns: list[str]) -> list[Any]:
    return [row.get(key) for key in columns]


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


def _json_chunks(export: Export) -> Iterator[list[bytes]]:
    rows = export.rows
    keys = export.filter_keys
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
        yield parts


def _render_json(export: Export) -> Iterator[bytes]:
    yield b"["
    for index, parts in enumerate(_json_chunks(export)):
        yield (b"," if index else b"") + b",".join(parts)
    yield b"]"


def _render_jsonl(export: Export) -> Iterator[bytes]:
    for parts in _json_chunks(export):
        yield b"\n".join(parts) + b"\n"


# xlsx: the few parts a spreadsheet needs, written with zipfile; cells are inline
# strings, so no shared-string table has to be built before the sheet is written.
_NS = "http://schemas.openxmlformats.org/"
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_NS}package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{_NS}officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_NS}spreadsheetml/2006/main" '
        f'xmlns:r="{_NS}officeDocument/2006/relationships"><sheets>'
        '<sheet name="results" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_NS}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_NS}officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_NS}officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_NS}spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
        'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
        'builtinId="0"/></cellStyles></styleSheet>'
    ),
}
# Characters XML 1.0 cannot carry at all; they are dropped from cell text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _Sink:
    """A write-only stream: zipfile writes into it, the renderer hands out what piled up."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: ``take`` hands the bytes on."""

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _xlsx_cell(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    # Excel keeps 15 significant digits: longer integers stay exact as text.
    if isinstance(value, float) or (isinstance(value, int) and abs(value) < 10**15):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = _XML_ILLEGAL.sub("", _cell(value))[:_XLSX_MAX_TEXT]
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _xlsx_row(number: int, names: list[str], values: list[Any]) -> list[str]:
    cells = (_xlsx_cell(f"{n}{number}", v) for n, v in zip(names, values, strict=True))
    return [f'<row r="{number}">', *cells, "</row>"]


def _render_xlsx(
    columns: list[str], rows: Iterable[list[Any]], count: int, *, big: bool = False
) -> Iterator[bytes]:
    names = [_column_name(i) for i in range(len(columns))]
    # Readers that stream (openpyxl read-only) size the sheet from its dimension.
    extent = f"A1:{names[-1]}{count + 1}" if names else "A1"

    sink = _Sink()
    # The sink cannot seek, so zipfile writes data descriptors; zip64 must be chosen upfront.
    # Level 1: a little larger than the default level, and several times faster to write.
    # The ignore: the stubs ask for close() too, which ZipFile never calls on a stream it is given.
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:  # type: ignore[call-overload]
        for name, text in _XLSX_PARTS.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>\n' + text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=big) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="{extent}"/>'.encode()
                + b"<sheetData>"
            )
            batch = _xlsx_row(1, names, columns)
            for number, values in enumerate(rows, start=2):
                batch += _xlsx_row(number, names, values)
                if len(batch) > 20_000:
                    sheet.write("".join(batch).encode())
                    batch.clear()
                    yield sink.take()
            sheet.write("".join(batch).encode() + b"</sheetData></worksheet>")
    yield sink.take()


# Markup formats: XML, HTML (also served as xls) and RSS, built from the same columns.


def _text(value: Any) -> str:
    return escape(_XML_ILLEGAL.sub("", _cell(value)))


def _xml_row(row: dict[str, Any], columns: list[str]) -> str:
    fields = []
    for key in columns:
        text = _text(row.get(key))
        if _XML_NAME.fullmatch(key) and not key.lower().startswith("xml"):
            fields.append(f"<{key}>{text}</{key}>")
        else:
            fields.append(f'<field name="{_text(key)}">{text}</field>')
    return "<item>" + "".join(fields) + "</item>\n"


def _html_row(row: dict[str, Any], columns: list[str]) -> str:
    return "<tr>" + "".join(f"<td>{_text(row.get(key))}</td>" for key in columns) + "</tr>\n"


def _rss_row(row: dict[str, Any], columns: list[str]) -> str:
    kept = {key: row.get(key) for key in columns}
    title = next((v for v in kept.values() if isinstance(v, str) and v), "row")
    guid = row.get(DATA_ID_KEY, "")
    return (
        f"<item><title>{_text(title)}</title><description>{_text(kept)}</description>"
        f'<guid isPermaLink="false">{_text(guid)}</guid></item>\n'
    )


def _markup_frame(fmt: str, export: Export, columns: list[str]) -> tuple[str, str]:
    if fmt == "xml":
        return '<?xml version="1.0" encoding="UTF-8"?>\n<items>\n', "</items>\n"
    if fmt == "rss":
        title = f"CoreClaw run {export.run_slug}"
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{_text(title)}</title><link>https://coreclaw.com/</link>"
            f"<description>{len(export.rows)} rows</description>\n",
            "</channel></rss>\n",
        )
    head = "".join(f"<th>{_text(key)}</th>" for key in columns)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{_text(export.run_slug)}</title></head><body><table>\n"
        f"<thead><tr>{head}</tr></thead><tbody>\n",
        "</tbody></table></body></html>\n",
    )


_MARKUP = {"xml": _xml_row, "html": _html_row, "xls": _html_row, "rss": _rss_row}


def _render_markup(export: Export, render_row: Any) -> Iterator[bytes]:
    columns = _columns(export)
    head, tail = _markup_frame(export.fmt, export, columns)
    yield head.encode()
    rows = export.rows
    for start in range(0, len(rows), _CHUNK_ROWS):
        chunk = (json.loads(raw) for raw in rows[start : start + _CHUNK_ROWS])
        yield "".join(render_row(row, columns) for row in chunk).encode()
    yield tail.encode()
