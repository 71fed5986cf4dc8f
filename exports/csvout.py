"""A tiny streaming CSV writer for spreadsheet users.

* UTF-8 with a BOM (so Excel detects the encoding), CRLF line ends, RFC 4180 quoting: a field is
  quoted when it contains ``,`` ``"`` CR or LF, and ``"`` is doubled.
* Formula injection: a *text* cell starting with ``=`` ``+`` ``-`` ``@`` TAB or CR gets a
  leading ``'`` (OWASP advice), so a title like ``=HYPERLINK(...)`` stays text.  Numbers (int,
  float) are written as numbers and never prefixed.
* ``None`` → empty cell, ``bool`` → ``true``/``false``, lists/dicts → compact JSON.

Writes bytes to a binary stream (a file opened ``"wb"`` or ``sys.stdout.buffer``), row by row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, BinaryIO

__all__ = ["CsvWriter", "write_csv", "format_cell", "BOM"]

BOM = "\ufeff".encode()
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = (",", '"', "\r", "\n")


def format_cell(value: Any) -> str:
    """One cell as CSV text: neutralised and quoted as needed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, (list, tuple, dict)):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    else:
        text = str(value)
    if text.startswith(_DANGEROUS_START):
        text = "'" + text
    if any(c in text for c in _NEEDS_QUOTES):
        text = '"' + text.replace('"', '""') + '"'
    return text


class CsvWriter:
    """Streaming writer: ``CsvWriter(fp, columns)`` writes the BOM and header at once."""

    def __init__(self, fp: BinaryIO, columns: Sequence[str], *, bom: bool = True) -> None:
        self.fp = fp
        self.columns = list(columns)
        self.rows = 0
        if bom:
            fp.write(BOM)
        self._write(self.columns)

    def _write(self, cells: Iterable[Any]) -> None:
        self.fp.write((",".join(format_cell(c) for c in cells) + "\r\n").encode("utf-8"))

    def writerow(self, row: Mapping[str, Any] | Sequence[Any]) -> None:
        """Write one row: a mapping (looked up by column, missing → empty) or a sequence."""
        if isinstance(row, Mapping):
            self._write(row.get(c) for c in self.columns)
        else:
            self._write(row)
        self.rows += 1

    def writerows(self, rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> int:
        n = 0
        for row in rows:
            self.writerow(row)
            n += 1
        return n


def write_csv(
    fp: BinaryIO, columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]
) -> int:
    """Write header and rows to ``fp``; returns the number of data rows."""
    return CsvWriter(fp, columns).writerows(rows)
