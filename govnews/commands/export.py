"""``govnews export``: a table of the archive as Excel-safe CSV, XLSX or JSONL (read-only)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from govnews.errors import UserError

SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
TABLE_NAMES = ("articles", "views", "contacts", "counters", "sites")


class _OneLineErrors(click.Command):
    """Bad options are reported like every other bad input: one line, exit 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            raise UserError(e.format_message().splitlines()[0]) from None


def _format_for(fmt: str | None, output: str | None) -> str:
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in ("csv", "xlsx", "jsonl"):
            raise UserError(f"unknown --format {fmt!r}; choose csv, xlsx or jsonl")
    if output is None or output == "-":
        fmt = fmt or "csv"
        if fmt == "xlsx":
            raise UserError("--format xlsx needs an output file: -o FILE.xlsx")
        return fmt
    suffix = Path(output).suffix.lower()
    inferred = SUFFIXES.get(suffix)
    if fmt is None:
        if inferred is None:
            raise UserError(
                f"cannot tell the format from {output!r}; use a .csv, .xlsx or .jsonl "
                "name or give --format"
            )
        return inferred
    if inferred is not None and inferred != fmt:
        raise UserError(f"--format {fmt} does not match the file name {output!r}")
    return fmt


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, so the temporary file is cleaned up as on Ctrl-C."""

    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _progress(conn, table, filters, enabled: bool) -> Iterator:
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    from exports.tables import count_rows

    total = count_rows(conn, table, filters)
    bar = tqdm(total=total, unit=" rows", unit_scale=True, file=sys.stderr, leave=False)
    try:
        yield bar.update
    finally:
        bar.close()


@click.command(name="export", cls=_OneLineErrors)
@click.argument("table", metavar="TABLE")
@click.option(
    "--format",
    "fmt",
    default=None,
    metavar="csv|xlsx|jsonl",
    help="Output format (default: from the -o suffix, else csv).",
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE",
    help="Output file (default: stdout for csv/jsonl). Written atomically.",
)
@click.option(
    "--db",
    "db_path",
    default=None,
    help="Archive file (default: $GOVNEWS_DB, else ./govnews.db).",
)
@click.option("--site", "sites", multiple=True, help="Only this site id (repeatable).")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="On or after this day.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="On or before this day.")
@click.option(
    "--query", default=None, help="Full-text filter, diacritics optional (as govnews search)."
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    help="Only this category (repeatable; case and diacritics ignored).",
)
@click.option("--min-views", default=None, metavar="N", help="Only rows with view_count >= N.")
@click.option("--columns", default=None, metavar="a,b,c", help="Only these columns, in this order.")
@click.option("--raw", is_flag=True, help="CSV: do not neutralise formula-like cells.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="CSV of articles: processes to use (default: one per core for large exports; "
    "1 = a single process). The output is identical.",
)
def cli(
    table: str,
    fmt: str | None,
    output: str | None,
    db_path: str | None,
    sites: tuple[str, ...],
    since: str | None,
    until: str | None,
    query: str | None,
    categories: tuple[str, ...],
    min_views: str | None,
    columns: str | None,
    raw: bool,
    force: bool,
    workers: int | None,
) -> None:
    """Export TABLE (articles, views, contacts, counters, sites) for spreadsheets.

    CSV is UTF-8 with BOM and CRLF, so Excel shows Vietnamese correctly; cells
    that start like a formula (= + - @) get a leading ' (--raw keeps them).
    Column names and order are fixed: see docs/columns.md.  --since/--until
    are days in Vietnam time (published_at for articles, the observation time
    for views and counters, the validity period for contacts).

    \b
    Example:
        govnews export articles -o bai-viet.csv --site chauthanh --since 2024-01-01
        govnews export articles -o papi.xlsx --query "chi so papi" --min-views 100
        govnews export views --format jsonl | head
        govnews export contacts -o danh-ba.xlsx
    """
    from archive.db import open_db, resolve_db_path
    from exports import export_table
    from exports.atomic import AtomicOutput, check_output_path
    from exports.tables import TABLES, Filters, select_columns

    if table not in TABLES:
        raise UserError(f"unknown table {table!r}; choose one of {', '.join(TABLE_NAMES)}")
    to_stdout = output is None or output == "-"
    if not to_stdout:
        check_output_path(output, force)
    fmt = _format_for(fmt, output)
    filters = Filters.build(
        sites=sites,
        since=since,
        until=until,
        query=query,
        categories=categories,
        min_views=min_views,
    )
    select_columns(TABLES[table], columns)  # fail before opening anything

    db = open_db(resolve_db_path(db_path), readonly=True)
    conn = db.conn
    show = sys.stderr.isatty() and not os.environ.get("GOVNEWS_NO_PROGRESS")
    try:
        if to_stdout:
            sys.stdout.flush()
            out = sys.stdout.buffer
            try:
                with _progress(conn, TABLES[table], filters, show) as progress:
                    export_table(
                        conn,
                        table,
                        out,
                        fmt,
                        columns=columns,
                        filters=filters,
                        raw=raw,
                        progress=progress,
                        workers=workers,
                    )
                out.flush()
            except BrokenPipeError:
                # `govnews export … | head`: stop quietly.
                with contextlib.suppress(OSError):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise SystemExit(0) from None
            return
        with _sigterm_as_interrupt(), _progress(conn, TABLES[table], filters, show) as progress:
            with AtomicOutput(output, force) as fp:
                n = export_table(
                    conn,
                    table,
                    fp,
                    fmt,
                    columns=columns,
                    filters=filters,
                    raw=raw,
                    progress=progress,
                    workers=workers,
                )
        click.echo(f"Exported {n:,} {table} rows to {output} ({fmt}).", err=True)
    finally:
        db.close()


__all__ = ["cli", "UserError"]
