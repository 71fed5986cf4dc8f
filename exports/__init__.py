"""File exports of the archive for journalists: CSV (Excel-safe), XLSX, JSONL.

``tables.py`` defines the tables and their fixed columns (documented in ``docs/columns.md``),
``writers.py`` renders rows, ``atomic.py`` publishes files atomically, ``csvout.py`` is the small
row-by-row CSV writer used by ``govnews search --format csv``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import BinaryIO

__all__ = ["export_table", "FORMATS"]

FORMATS = ("csv", "xlsx", "jsonl")


def _parallel_source(conn, spec, fp, fmt: str, workers: int) -> str | None:
    """The archive file the worker processes of a multi-process CSV export would read (see
    :mod:`exports.parallel`), or None when this export cannot take that path."""
    import multiprocessing

    from .parallel import database_file

    if fmt != "csv" or spec.key_sql is None or workers < 2:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None  # the workers inherit the open output file: fork only (Linux, BSD)
    try:
        fp.fileno()  # the workers write to the same open file
    except (AttributeError, OSError, ValueError):
        return None
    return database_file(conn)


def export_table(
    conn: sqlite3.Connection,
    table: str,
    fp: BinaryIO,
    fmt: str = "csv",
    *,
    columns: str | Sequence[str] | None = None,
    filters=None,
    raw: bool = False,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> int:
    """Export ``table`` (filtered by an :class:`exports.tables.Filters`) to ``fp``; returns the
    number of data rows.  ``conn`` needs the ``govnews_fold`` function (``archive.db.open_db``).

    A CSV export of articles runs on ``workers`` processes: by default one per core when it
    has at least :data:`exports.parallel.PARALLEL_MIN_ROWS` rows; ``1`` keeps one process,
    ``2`` or more always splits.  The output is byte-identical either way."""
    from govnews.errors import UserError

    from .parallel import PARALLEL_MIN_ROWS, worker_count, write_csv_parallel
    from .tables import TABLES, Filters, count_rows, open_keys, open_rows, select_columns
    from .writers import write_csv, write_jsonl, write_xlsx

    if table not in TABLES:
        raise UserError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    spec = TABLES[table]
    cols = select_columns(spec, columns)
    filters = filters or Filters()
    n_workers = workers or worker_count()
    path = _parallel_source(conn, spec, fp, fmt, n_workers)
    # --workers N always splits; by default only exports worth starting processes for
    if path and (workers or (count_rows(conn, spec, filters) or 0) >= PARALLEL_MIN_ROWS):
        keys = open_keys(conn, spec, filters)
        return write_csv_parallel(
            fp, path, spec, cols, keys, raw=raw, workers=n_workers, progress=progress
        )
    if fmt == "csv" and spec.name != "contacts":
        # Text straight from SQLite as UTF-8 bytes: the CSV writer never decodes/encodes.
        previous = conn.text_factory
        conn.text_factory = bytes
        try:
            rows = open_rows(conn, spec, cols, filters)
            return write_csv(fp, cols, rows, raw=raw, progress=progress)
        finally:
            conn.text_factory = previous
    rows = open_rows(conn, spec, cols, filters)
    if fmt == "csv":
        return write_csv(fp, cols, rows, raw=raw, progress=progress)
    if fmt == "jsonl":
        return write_jsonl(fp, cols, rows, progress=progress)
    return write_xlsx(fp, cols, rows, sheet=table, progress=progress)
