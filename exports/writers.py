"""Streaming writers for the export tables: CSV (Excel-safe), XLSX (openpyxl write-only), JSONL.

All three take the selected :class:`exports.tables.Column` list and an iterator of row tuples
(stored values, see :mod:`exports.tables`) and never hold more than one chunk of rows.

CSV (what Excel and Google Sheets open without a wizard):

* UTF-8 with a BOM, CRLF line ends, one header row, RFC 4180 quoting: a field is quoted only
  when it contains ``,`` ``"`` CR or LF, and ``"`` is doubled; newlines inside a body stay
  inside the quotes.
* Integers unformatted; timestamps ISO 8601 as stored; list columns joined by ``"; "``.
* Formula injection: a text cell starting with ``=`` ``+`` ``-`` ``@`` TAB or CR gets a leading
  ``'`` (OWASP), unless ``raw=True``.  Integers are never touched, and a phone column whose
  values are all E.164 (``+`` and digits, which no spreadsheet can run as a function) is kept
  exact.

XLSX: typed cells (integers as numbers, timestamps as date-times, ``published_date_vn`` as a
date shown ``dd/mm/yyyy``), bold frozen header, autofilter, fixed column widths, hyperlinked
URLs (the first :data:`XLSX_MAX_LINKS` rows of a sheet: Excel's limit per sheet), text cells
are always text (a title ``=HYPERLINK(…)`` is not a formula).  Characters XML cannot carry
(C0 controls) are dropped and cells are cut to Excel's 32,767 characters.  A sheet holds at
most 1,048,575 data rows; the rest continues on ``articles (2)`` etc.

JSONL: one JSON object per line (LF), same field names, UTF-8 without ``\\u`` escapes, integers
as numbers, list columns as arrays of strings, missing values as ``null``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from itertools import islice
from typing import Any, BinaryIO

from exports.tables import SHAPERS, Column, json_list

__all__ = [
    "BOM",
    "write_csv",
    "write_jsonl",
    "write_xlsx",
    "csv_cell",
    "csv_header",
    "neutralise",
    "WRITERS",
    "XLSX_MAX_LINKS",
]

BOM = b"\xef\xbb\xbf"
DANGEROUS = frozenset("=+-@\t\r")
CHUNK_ROWS = 64  # rows per write / progress update (small: the pieces stay in malloc's reuse)
Progress = Callable[[int], None]


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would read as a formula."""
    return "'" + text if text[:1] in DANGEROUS else text


# ------------------------------------------------------------------------------ CSV
#
# The CSV path works on UTF-8 *bytes*: export_table() reads text columns from SQLite as bytes
# (``text_factory=bytes``), which are already UTF-8, so no cell is ever decoded to str and
# encoded back (that round trip was most of the cost).  str values are accepted too.

_NEEDS_QUOTES_B = re.compile(rb'[,"\r\n]').search
_DANGEROUS_B = frozenset(bytes([c]) for c in b"=+-@\t\r")
_E164_B = re.compile(rb"\+\d{4,15}").fullmatch
_URL_ITEMS = re.compile(rb'\{"url":"([^"]*)"').findall


def _to_bytes(v: Any) -> bytes:
    if v.__class__ is str:
        return v.encode("utf-8", "surrogatepass")
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, float):
        return repr(v).encode()
    return str(v).encode("utf-8", "surrogatepass")


def _csv_text(v: Any) -> bytes:
    if v is None:
        return b""
    if v.__class__ is not bytes:
        if v.__class__ is int:
            return b"%d" % v
        v = _to_bytes(v)
    if v[:1] in _DANGEROUS_B:
        v = b"'" + v
    if _NEEDS_QUOTES_B(v):
        return b'"' + v.replace(b'"', b'""') + b'"'
    return v


def _csv_text_raw(v: Any) -> bytes:
    if v is None:
        return b""
    if v.__class__ is not bytes:
        if v.__class__ is int:
            return b"%d" % v
        v = _to_bytes(v)
    if _NEEDS_QUOTES_B(v):
        return b'"' + v.replace(b'"', b'""') + b'"'
    return v


def _csv_int(text: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    def conv(v: Any) -> bytes:
        if v.__class__ is int:
            return b"%d" % v
        return text(v)  # None, or a stray non-integer value: treated as text

    return conv


def _list_items(v: Any) -> list[bytes]:
    """Items of a stored JSON list as UTF-8 bytes; the common shapes without a JSON parse."""
    if v.__class__ is not bytes:
        v = _to_bytes(v)
    if v.startswith(b'[{"url":"'):
        # ArchiveWriter's compact JSON of {"url": …, …} objects.  Inside a JSON string a quote
        # is always escaped, so '{"url":"' can only be the start of an object.
        if b"\\" not in v:
            items = _URL_ITEMS(v)
            if len(items) == v.count(b'{"url":"'):
                return items
        parts = v.split(b'{"url":"')
        items = [p[: p.find(b'"')] for p in parts[1:]]
        if b"\\" not in v or not any(b"\\" in i for i in items):
            return items
    elif v.startswith(b'["') and v.endswith(b'"]') and b"\\" not in v:
        items = v[2:-2].split(b'","')
        if not any(b'"' in i for i in items):
            return items
    return [i.encode("utf-8", "surrogatepass") for i in json_list(v.decode("utf-8", "replace"))]


def _csv_joined(text: Callable[[Any], bytes], phones: bool) -> Callable[[Any], bytes]:
    def conv(v: Any) -> bytes:
        if v is None or v == b"[]" or v == "[]" or v == b"" or v == "":
            return b""
        items = _list_items(v)
        joined = b"; ".join(items)
        if phones and items and all(_E164_B(p) for p in items):
            return joined  # '+' and digits only: exact, never a formula call
        return text(joined)

    return conv


def csv_converters(columns: Sequence[Column], raw: bool = False) -> list[Callable[[Any], bytes]]:
    text = _csv_text_raw if raw else _csv_text
    convs = []
    for c in columns:
        if c.kind == "int":
            convs.append(_csv_int(text))
        elif c.kind in ("urls", "list", "phones"):
            convs.append(_csv_joined(text, c.kind == "phones"))
        else:
            convs.append(text)
    return convs


def csv_cell(value: Any, kind: str = "text", raw: bool = False) -> str:
    """One cell as the CSV writer renders it (for tests and ad-hoc use)."""
    return csv_converters([Column("x", kind, "x")], raw)[0](value).decode("utf-8")


def _chunk_function(columns: Sequence[Column], raw: bool) -> Callable[[Iterable, list], int]:
    """Compile ``render(rows, pieces) -> n``: extends the list ``pieces`` with the CSV bytes of
    ``rows`` (cells, separators and line ends as separate pieces: the caller joins a whole
    chunk once, so no line is ever copied on its own).

    The per-cell rules of :func:`_csv_text` are unrolled into one expression per column, so a
    plain bytes cell (the common case) costs a type check, a first-byte check and one regex
    search, without a function call; a quoted cell is built with one join (one copy of a
    3 KB body, not two).  Anything unusual (None, int in a text column, str, a formula start)
    goes through the converter functions, which define the rules."""
    convs = csv_converters(columns, raw)
    scope: dict[str, Any] = {"Q": _NEEDS_QUOTES_B, "D": _DANGEROUS_B, "J": b"".join}
    exprs = []
    for i, col in enumerate(columns):
        scope[f"c{i}"] = convs[i]
        v = f"v{i}"
        if col.kind == "int":
            exprs.append(f"(b'%d' % {v} if {v}.__class__ is int else c{i}({v}))")
        elif col.kind in ("urls", "list", "phones"):
            exprs.append(f"(b'' if {v} is None or {v} == b'[]' else c{i}({v}))")
        else:
            odd = f"{v}.__class__ is not bytes" + ("" if raw else f" or {v}[:1] in D")
            quoted = f"""J((b'"', {v}.replace(b'"', b'""'), b'"'))"""
            exprs.append(f"(c{i}({v}) if {odd} else {quoted} if Q({v}) else {v})")
    names = "".join(f"v{i}, " for i in range(len(columns)))
    line = ", b',', ".join(exprs) + ", b'\\r\\n'"
    src = "\n".join(
        [
            "def render(rows, pieces):",
            "    n = 0",
            "    extend = pieces.extend",
            "    for r in rows:",
            f"        {names}= r",
            f"        extend(({line}))",
            "        n += 1",
            "    return n",
            "",
        ]
    )
    exec(src, scope)  # noqa: S102 - generated from our own column list only
    return scope["render"]


def csv_header(columns: Sequence[Column], bom: bool = True) -> bytes:
    """The BOM (optional) and header line every CSV export starts with, serial or parallel."""
    line = (",".join(c.name for c in columns) + "\r\n").encode("utf-8")
    return BOM + line if bom else line


def write_csv(
    fp: BinaryIO,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    raw: bool = False,
    bom: bool = True,
    progress: Progress | None = None,
) -> int:
    """Write header and rows to the binary stream ``fp``; returns the number of data rows.

    Cells may be UTF-8 bytes (fastest), str, int, float or None."""
    fp.write(csv_header(columns, bom))
    render = _chunk_function(columns, raw)
    write = fp.write
    it = iter(rows)
    total = 0
    while True:
        pieces: list[bytes] = []
        n = render(islice(it, CHUNK_ROWS), pieces)
        if not n:
            break
        write(b"".join(pieces))
        total += n
        if progress is not None:
            progress(n)
    return total


# ------------------------------------------------------------------------------ JSONL


def write_jsonl(
    fp: BinaryIO,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    progress: Progress | None = None,
) -> int:
    """One JSON object per line; returns the number of rows."""
    names = [c.name for c in columns]
    shapers = [(i, SHAPERS[c.kind]) for i, c in enumerate(columns) if c.kind in SHAPERS]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    n = 0
    it = iter(rows)
    while True:
        lines = []
        for _, r in zip(range(CHUNK_ROWS), it, strict=False):
            if shapers:
                r = list(r)
                for i, shape in shapers:
                    r[i] = shape(r[i])
            lines.append(dumps(dict(zip(names, r, strict=True))))
        if not lines:
            break
        lines.append("")
        fp.write("\n".join(lines).encode("utf-8", "surrogatepass"))
        n += len(lines) - 1
        if progress is not None:
            progress(len(lines) - 1)
    return n


# ------------------------------------------------------------------------------ XLSX

XLSX_MAX_ROWS = 1_048_576  # including the header row
XLSX_MAX_LINKS = 65_530  # hyperlinks per worksheet Excel accepts
XLSX_MAX_CELL = 32_767
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TS_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "dd/mm/yyyy"


def _other_text(v: Any) -> str:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8", "replace")
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _xlsx_text(v: Any) -> Any:
    if v is None:
        return None
    if v.__class__ is not str:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
        v = _other_text(v)
    if _ILLEGAL_XML.search(v):
        v = _ILLEGAL_XML.sub("", v)
    if len(v) > XLSX_MAX_CELL:
        v = v[: XLSX_MAX_CELL - 1] + "…"
    return v


def _parse_ts(v: str) -> datetime | None:
    """ISO timestamp → naive datetime in the time zone it was written in (Excel has none)."""
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00") if v.endswith("Z") else v)
    except ValueError:
        return None
    return dt.replace(tzinfo=None)


def _parse_vn_day(v: str) -> date | None:
    try:
        return date(int(v[6:10]), int(v[3:5]), int(v[0:2]))
    except ValueError:
        return None


def write_xlsx(
    fp: BinaryIO | str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "export",
    progress: Progress | None = None,
) -> int:
    """Write an .xlsx workbook (one sheet, more when over Excel's row limit) to ``fp``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    link_font = Font(color="0563C1", underline="single")
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    state = {"ws": None, "rows": 0, "links": 0, "sheets": 0}

    def new_sheet() -> Any:
        state["sheets"] += 1
        title = sheet if state["sheets"] == 1 else f"{sheet} ({state['sheets']})"
        ws = wb.create_sheet(title[:31])
        for letter, col in zip(letters, columns, strict=True):
            ws.column_dimensions[letter].width = col.width
        ws.freeze_panes = "A2"
        header = []
        for col in columns:
            cell = WriteOnlyCell(ws, value=col.name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        state.update(ws=ws, rows=0, links=0)
        return ws

    def close_sheet() -> None:
        ws = state["ws"]
        ws.auto_filter.ref = f"A1:{letters[-1]}{state['rows'] + 1}"

    def text_cell(v: Any) -> Any:
        v = _xlsx_text(v)
        if v.__class__ is str and v[:1] == "=":
            cell = WriteOnlyCell(state["ws"], value=v)
            cell.data_type = "s"  # text, never a formula
            return cell
        return v

    def url_cell(v: Any) -> Any:
        v = _xlsx_text(v)
        if not v:
            return v
        if state["links"] < XLSX_MAX_LINKS and v.startswith(("http://", "https://")):
            cell = WriteOnlyCell(state["ws"], value=v)
            cell.data_type = "s"
            cell.hyperlink = v
            cell.font = link_font
            state["links"] += 1
            return cell
        return text_cell(v)

    def ts_cell(v: Any) -> Any:
        if v is None or v == "":
            return None
        dt = _parse_ts(v) if isinstance(v, str) else None
        if dt is None:
            return text_cell(v)
        cell = WriteOnlyCell(state["ws"], value=dt)
        cell.number_format = TS_FORMAT
        return cell

    def day_cell(v: Any) -> Any:
        if v is None or v == "":
            return None
        d = _parse_vn_day(v) if isinstance(v, str) else None
        if d is None:
            return text_cell(v)
        cell = WriteOnlyCell(state["ws"], value=d)
        cell.number_format = DATE_FORMAT
        return cell

    def int_cell(v: Any) -> Any:
        return v if v is None or v.__class__ is int else text_cell(v)

    def joined_cell(v: Any) -> Any:
        return text_cell("; ".join(json_list(v))) if v not in (None, "", "[]") else None

    by_kind = {
        "text": text_cell,
        "int": int_cell,
        "ts": ts_cell,
        "date_vn": day_cell,
        "url": url_cell,
        "urls": joined_cell,
        "list": joined_cell,
        "phones": joined_cell,
    }
    convs = [by_kind[c.kind] for c in columns]

    new_sheet()
    n = pending = 0
    for r in rows:
        if state["rows"] >= XLSX_MAX_ROWS - 1:
            close_sheet()
            new_sheet()
        state["ws"].append([conv(v) for conv, v in zip(convs, r, strict=True)])
        state["rows"] += 1
        n += 1
        pending += 1
        if pending == CHUNK_ROWS:
            if progress is not None:
                progress(pending)
            pending = 0
    close_sheet()
    if progress is not None and pending:
        progress(pending)
    wb.save(fp)
    return n


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl}
