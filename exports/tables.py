"""The exportable tables: fixed column names and order, the SQL behind them, filters, row shaping.

The column lists here are a public contract, documented column by column in
``docs/columns.md`` (a test compares the two).  Append new columns at the end; never rename,
reorder or drop one.

Every column has a *kind* that tells the writers how to render it:

``text``    free text; CSV neutralises formula starts, XLSX writes a text cell
``int``     integer (unformatted in CSV, a number cell in XLSX)
``ts``      ISO 8601 timestamp as stored (``published_at`` in Vietnam time ``+07:00``,
            everything else UTC ``Z``); an Excel date-time in XLSX
``date_vn`` ``dd/mm/yyyy`` day; an Excel date in XLSX
``url``     a URL; a hyperlink in XLSX
``urls``    stored as JSON ``[{"url": …}, …]``: URLs joined by ``"; "`` (a JSON array in JSONL)
``list``    stored as a JSON list of strings: joined by ``"; "`` (a JSON array in JSONL)
``phones``  like ``list``, E.164 numbers

:func:`open_rows` turns a table name, a column selection and :class:`Filters` into
``(columns, row iterator)``; rows are tuples of stored values in column order, streamed from a
cursor (memory does not grow with the number of rows).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from archive.fold import fold
from archive.search import fold_query
from govnews.errors import UserError

__all__ = [
    "Column",
    "Table",
    "Filters",
    "TABLES",
    "KINDS",
    "parse_day",
    "select_columns",
    "open_rows",
    "count_rows",
    "open_keys",
]

KINDS = ("text", "int", "ts", "date_vn", "url", "urls", "list", "phones")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    sql: str
    width: int = 14  # XLSX column width (characters)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    source: str  # FROM … (with aliases)
    order_by: str
    filters: frozenset[str]  # supported: site, since, until, query, category, min_views
    site_sql: str | None = None
    date_sql: str | None = None  # what --since/--until compare
    date_utc: bool = False  # date_sql holds UTC ...Z timestamps (else local +07:00)
    views_sql: str | None = None  # what --min-views compares
    base_where: tuple[str, ...] = ()
    description: str = ""
    key_sql: str | None = None  # a stable unique key of a row (parallel CSV export by key)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


# ------------------------------------------------------------------------------ definitions

_DATE_VN = (
    "CASE WHEN a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
    "THEN substr(a.published_at, 9, 2) || '/' || substr(a.published_at, 6, 2) || '/' || "
    "substr(a.published_at, 1, 4) END"
)



ARTICLES = Table(
    name="articles",
    description="one row per archived article (site + article id), latest version",
    columns=(
        Column("site", "text", "a.site", 12),
        Column("article_id", "text", "a.article_id", 11),
        Column("url", "url", "a.url", 40),
        Column("title", "text", "a.title", 60),
        Column("lead", "text", "a.lead", 60),
        Column("body_text", "text", "a.body_text", 80),
        Column("published_at", "ts", "a.published_at", 19),
        Column("published_date_vn", "date_vn", _DATE_VN, 12),
        Column("author", "text", "a.author", 20),
        Column("category", "text", "a.category", 20),
        Column("view_count", "int", "a.view_count", 10),
        Column("images", "urls", "a.images", 40),
        Column("attachments", "urls", "a.attachments", 40),
        Column("first_seen_at", "ts", "a.first_seen_at", 19),
        Column("last_fetched_at", "ts", "a.last_fetched_at", 19),
    ),
    source="articles a",
    order_by="a.site, a.published_at, a.id",
    filters=frozenset({"site", "since", "until", "query", "category", "min_views"}),
    site_sql="a.site",
    date_sql="a.published_at",
    views_sql="a.view_count",
    key_sql="a.id",
)

VIEWS = Table(
    name="views",
    description="one row per view-count observation (article + crawl)",
    columns=(
        Column("site", "text", "a.site", 12),
        Column("article_id", "text", "a.article_id", 11),
        Column("url", "url", "a.url", 40),
        Column("title", "text", "a.title", 60),
        Column("observed_at", "ts", "v.observed_at", 19),
        Column("view_count", "int", "v.view_count", 10),
        Column("crawl_id", "int", "v.crawl_id", 8),
    ),
    source="view_counts v JOIN articles a ON a.id = v.article",
    order_by="a.site, a.published_at, a.id, v.observed_at, v.crawl_id",
    filters=frozenset({"site", "since", "until", "query", "category", "min_views"}),
    site_sql="a.site",
    date_sql="v.observed_at",
    date_utc=True,
    views_sql="v.view_count",
)

_CONTACT_FIELDS = ("agency", "address", "phones", "fax", "emails", "editor", "licence")

CONTACTS = Table(
    name="contacts",
    description="footer contact directory: one row per site and distinct contact, with history",
    columns=(
        Column("site", "text", "s.site", 12),
        Column("agency", "text", "s.agency", 40),
        Column("address", "text", "s.address", 40),
        Column("phones", "phones", "s.phones", 30),
        Column("fax", "phones", "s.fax", 18),
        Column("emails", "list", "s.emails", 28),
        Column("editor", "text", "s.editor", 30),
        Column("licence", "text", "s.licence", 30),
        Column("valid_from", "ts", "s.observed_at", 19),
        Column("valid_to", "ts", "NULL", 19),
    ),
    source="site_snapshots s",
    order_by="s.site, s.observed_at, s.crawl_id",
    filters=frozenset({"site", "since", "until"}),
    site_sql="s.site",
)

COUNTERS = Table(
    name="counters",
    description="visitor counter readings, one row per site and crawl",
    columns=(
        Column("site", "text", "s.site", 12),
        Column("observed_at", "ts", "s.observed_at", 19),
        Column("online", "int", "s.online", 10),
        Column("today", "int", "s.today", 10),
        Column("week", "int", "s.week", 10),
        Column("month", "int", "s.month", 10),
        Column("total", "int", "s.total", 12),
    ),
    source="site_snapshots s",
    order_by="s.site, s.observed_at, s.crawl_id",
    filters=frozenset({"site", "since", "until"}),
    site_sql="s.site",
    date_sql="s.observed_at",
    date_utc=True,
    base_where=(
        "NOT (s.online IS NULL AND s.today IS NULL AND s.week IS NULL AND s.month IS NULL "
        "AND s.total IS NULL)",
    ),
)

SITES = Table(
    name="sites",
    description="the site registry as stored in the archive",
    columns=(
        Column("id", "text", "s.id", 12),
        Column("name", "text", "s.name", 24),
        Column("base_url", "url", "s.base_url", 34),
        Column("platform", "text", "s.platform", 10),
        Column("sname", "text", "s.sname", 16),
        Column("sid", "text", "s.sid", 6),
        Column("agency", "text", "s.agency", 50),
        Column("province_before", "text", "s.province_before", 16),
        Column("province_after", "text", "s.province_after", 16),
        Column("status", "text", "s.status", 10),
        Column("status_note", "text", "s.status_note", 50),
        Column("updated_at", "ts", "s.updated_at", 19),
    ),
    source="sites s",
    order_by="s.id",
    filters=frozenset({"site"}),
    site_sql="s.id",
)

TABLES: dict[str, Table] = {t.name: t for t in (ARTICLES, VIEWS, CONTACTS, COUNTERS, SITES)}


# ------------------------------------------------------------------------------ filters

VN_OFFSET = timedelta(hours=7)


def parse_day(value: str | date | None, name: str) -> date | None:
    """``YYYY-MM-DD`` → date; anything else is a :class:`UserError` naming the option."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"invalid --{name} date {value!r}: expected YYYY-MM-DD") from None


@dataclass
class Filters:
    """The search filters, validated.  Days are inclusive and in Vietnam time (UTC+7)."""

    sites: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    query: str | None = None
    categories: tuple[str, ...] = ()
    min_views: int | None = None
    given: set[str] = field(default_factory=set)

    @classmethod
    def build(
        cls,
        *,
        sites: Sequence[str] = (),
        since: str | date | None = None,
        until: str | date | None = None,
        query: str | None = None,
        categories: Sequence[str] = (),
        min_views: int | str | None = None,
    ) -> Filters:
        f = cls()
        f.sites = tuple(s.strip() for s in sites if s and s.strip())
        f.since = parse_day(since, "since")
        f.until = parse_day(until, "until")
        if f.since and f.until and f.since > f.until:
            raise UserError(f"--since {f.since} is after --until {f.until}")
        if query is not None:
            if not fold_query(query).strip():
                raise UserError("empty --query")
            f.query = query
        f.categories = tuple(c for c in categories if c and c.strip())
        if min_views is not None and min_views != "":
            try:
                f.min_views = int(str(min_views).strip())
            except ValueError:
                raise UserError(f"invalid --min-views {min_views!r}: expected an integer") from None
            if f.min_views < 0:
                raise UserError("--min-views must be 0 or more")
        for name, val in (
            ("site", f.sites),
            ("since", f.since),
            ("until", f.until),
            ("query", f.query),
            ("category", f.categories),
            ("min_views", f.min_views),
        ):
            if val not in (None, ()):
                f.given.add(name)
        return f

    def utc_bounds(self) -> tuple[str | None, str | None]:
        """[since, until] Vietnam days as UTC ``...Z`` bounds: ``>= lo`` and ``< hi``."""
        lo = hi = None
        if self.since:
            lo = _utc_stamp(datetime.combine(self.since, datetime.min.time()) - VN_OFFSET)
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), datetime.min.time())
            hi = _utc_stamp(end - VN_OFFSET)
        return lo, hi


def _utc_stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def select_columns(table: Table, spec: str | Sequence[str] | None) -> tuple[Column, ...]:
    """``--columns a,b,c`` → those columns in that order (default: all, documented order)."""
    if spec is None:
        return table.columns
    names = [n.strip() for n in spec.split(",")] if isinstance(spec, str) else list(spec)
    names = [n for n in names if n]
    if not names:
        raise UserError("--columns is empty")
    out: list[Column] = []
    for name in names:
        try:
            col = table.column(name)
        except KeyError:
            raise UserError(
                f"unknown column {name!r} for table {table.name}; "
                f"columns: {','.join(table.column_names)}"
            ) from None
        if col in out:
            raise UserError(f"column {name!r} listed twice in --columns")
        out.append(col)
    return tuple(out)


def _site_known(conn: sqlite3.Connection, site: str) -> bool:
    for sql in (
        "SELECT 1 FROM sites WHERE id = ?",
        "SELECT 1 FROM articles WHERE site = ? LIMIT 1",
        "SELECT 1 FROM site_snapshots WHERE site = ? LIMIT 1",
    ):
        if conn.execute(sql, (site,)).fetchone():
            return True
    return False


def _where(conn: sqlite3.Connection, table: Table, f: Filters) -> tuple[list[str], dict]:
    unsupported = sorted(f.given - table.filters)
    if unsupported:
        opts = ", ".join(_option(n) for n in unsupported)
        raise UserError(f"{opts} does not apply to table {table.name}")
    for site in f.sites:
        if not _site_known(conn, site):
            raise UserError(f"unknown site {site!r}")
    where = list(table.base_where)
    params: dict[str, Any] = {}
    if f.sites:
        marks = ", ".join(f":site{i}" for i in range(len(f.sites)))
        where.append(f"{table.site_sql} IN ({marks})")
        params.update({f"site{i}": s for i, s in enumerate(f.sites)})
    if table.date_sql and (f.since or f.until):
        if table.date_utc:
            lo, hi = f.utc_bounds()
        else:
            lo = f.since.isoformat() if f.since else None
            hi = (f.until + timedelta(days=1)).isoformat() if f.until else None
        if lo:
            where.append(f"{table.date_sql} >= :since")
            params["since"] = lo
        if hi:
            where.append(f"{table.date_sql} < :until")
            params["until"] = hi
    if f.query:
        where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match)")
        params["match"] = fold_query(f.query)
    if f.categories:
        marks = ", ".join(f":cat{i}" for i in range(len(f.categories)))
        where.append(f"govnews_fold(a.category) IN ({marks})")
        params.update({f"cat{i}": fold(c.strip()) for i, c in enumerate(f.categories)})
    if f.min_views is not None:
        where.append(f"{table.views_sql} >= :min_views")
        params["min_views"] = f.min_views
    return where, params


_FTS_ERRORS = ("fts5:", "unterminated string", "no such column", "unknown special query")


def _execute(conn: sqlite3.Connection, sql: str, params: dict, f: Filters) -> sqlite3.Cursor:
    try:
        return conn.execute(sql, params)
    except sqlite3.OperationalError as e:
        msg = str(e).splitlines()[0] if str(e) else "syntax error"
        if f.query and msg.startswith(_FTS_ERRORS):
            raise UserError(f"invalid --query {f.query!r} ({msg})") from None
        raise


def _sql(table: Table, exprs: Sequence[str], where: list[str], order: bool = True) -> str:
    sql = f"SELECT {', '.join(exprs)} FROM {table.source}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if order:
        sql += f" ORDER BY {table.order_by}"
    return sql


def count_rows(conn: sqlite3.Connection, table: Table, f: Filters) -> int | None:
    """Number of rows an export will write (None when it is only known at the end)."""
    if table is CONTACTS:
        return None
    where, params = _where(conn, table, f)
    sql = _sql(table, ["count(*)"], where, order=False)
    return _execute(conn, sql, params, f).fetchone()[0]


def open_rows(
    conn: sqlite3.Connection, table: Table | str, columns: Sequence[Column], f: Filters
) -> Iterator[tuple]:
    """Stream the rows of ``table`` (tuples of the ``columns``' values, in order)."""
    if isinstance(table, str):
        table = TABLES[table]
    where, params = _where(conn, table, f)
    if table is CONTACTS:
        return _contact_rows(conn, columns, where, params, f)
    return _execute(conn, _sql(table, [c.sql for c in columns], where), params, f)


def open_keys(conn: sqlite3.Connection, table: Table | str, f: Filters) -> sqlite3.Cursor:
    """Stream the keys (``table.key_sql``) of the rows :func:`open_rows` would give, in the
    same order: with no filter this is a covering scan of the site/date index."""
    if isinstance(table, str):
        table = TABLES[table]
    if table.key_sql is None:
        raise ValueError(f"table {table.name} has no row key")
    where, params = _where(conn, table, f)
    return _execute(conn, _sql(table, [table.key_sql], where), params, f)


# ------------------------------------------------------------------------------ contacts


def _contact_rows(
    conn: sqlite3.Connection,
    columns: Sequence[Column],
    where: list[str],
    params: dict,
    f: Filters,
) -> Iterator[tuple]:
    """Periods of unchanged contact data per site, from consecutive ``site_snapshots``.

    Snapshots whose contact fields are all empty carry no information and are skipped.
    ``valid_from`` is the first observation of a contact, ``valid_to`` the first observation
    of the next, different contact of the same site (empty while it is current).
    """
    exprs = ["s.site", "s.observed_at", *(f"s.{n}" for n in _CONTACT_FIELDS)]
    cursor = _execute(conn, _sql(CONTACTS, exprs, where), params, f)
    lo, hi = f.utc_bounds()
    index = {n: i for i, n in enumerate(("site", *_CONTACT_FIELDS, "valid_from", "valid_to"))}
    pick = [index[c.name] for c in columns]

    def emit(period: list) -> tuple | None:
        if lo and period[-1] is not None and period[-1] <= lo:
            return None
        if hi and period[-2] >= hi:
            return None
        return tuple(period[i] for i in pick)

    current: list | None = None
    for site, observed_at, *contact in cursor:
        if all(_empty_contact(v) for v in contact):
            continue
        if current is not None and current[0] == site and current[1:8] == contact:
            continue
        if current is not None:
            if current[0] == site:
                current[-1] = observed_at
            row = emit(current)
            if row is not None:
                yield row
        current = [site, *contact, observed_at, None]
    if current is not None:
        row = emit(current)
        if row is not None:
            yield row


def _empty_contact(value: Any) -> bool:
    return value is None or value == "" or value == "[]"


# ------------------------------------------------------------------------------ shaping


def json_list(value: Any) -> list[str]:
    """A stored JSON list (of strings, or of objects with ``url``) → list of strings."""
    if value is None or value == "" or value == "[]":
        return []
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return [str(value)]
    if not isinstance(items, list):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("url")
        if item is not None and item != "":
            out.append(str(item))
    return out


SHAPERS: dict[str, Callable[[Any], Any]] = {"urls": json_list, "list": json_list, "phones": json_list}
