"""Schema for fast and exact search (migration 5): why each structure exists.

* ``articles_fts`` is rebuilt with ``prefix='3'``: FTS5 answers a 3-letter prefix query
  (``ngh*``) from a prefix index as one doclist, so "the newest matches first" stops early
  instead of merging every term that starts with ``ngh`` (≈ 1 s at 1M articles without it).
  The table keeps its name, columns, tokenizer and rowids (= ``articles.id``): writers do not
  change.  Its folded text is copied from the old table, so nothing is re-folded.
* ``articles_fts_exact`` indexes the *original* title/lead/body (``content='articles'``: no second
  copy of the text) with ``unicode61 remove_diacritics 0``: case-insensitive but diacritic-exact,
  for ``govnews search --exact`` (``the`` does not find ``thế``).  Triggers on ``articles`` keep
  it in sync whoever writes the row (crawler, re-extraction, the synthetic benchmark loader); the
  unicode61 tokenizer is part of SQLite, so the ``delete`` of old values is always exact.
* ``articles_search_meta`` covers ``(id, site, published_at, view_count, category)``: filtering
  and sorting a candidate set by these columns reads a few compact index pages instead of article
  rows whose ``published_at`` lies behind kilobytes of body text in overflow pages.

Migration 7 adds a fourth column, ``meta``, to ``articles_fts``: filter tokens for the article's
site and publication month (:func:`meta_sql`), e.g. for ``chauthanh`` in July 2023
``zs636861757468616e68 zy2023 zm202307 zs636861757468616e68y2023 zs636861757468616e68m202307``
(``zs`` + the site id in hex, so any site id is one token; ``zy`` year, ``zm`` month; the
site+year and site+month pairs).  Why: a search with ``--site``/``--since``/``--until`` must
intersect a frequent word's doclist (30% of a million articles) with a few thousand filtered
articles.  Joining the two in SQL either walks the whole doclist or seeks the FTS index once per
filtered article (≈ 75 µs each); ``word AND meta:(zs…y2023)`` lets FTS5 intersect the doclists
itself, skipping through the long one with its doclist index (≈ 10 ms instead of 100–600 ms at
1M articles, ``bench/search.py``), wherever the site's articles lie in rowid order.  The tokens
only narrow the candidates (to whole months); the exact day and site conditions are still checked
against ``articles``.  Every token starts with ``z``; ``archive.search`` keeps a query that has a
word starting with ``z`` to the text columns, so user words never match a filter token (tools
that MATCH the whole table, such as Datasette's search box, could, for such a word).  bm25 is
given weight 0 for ``meta``.

``meta`` is derived from the ``articles`` row in SQL (:func:`meta_sql`), so there is one
definition for the migration, the writers (:func:`write_fts`, used by ``ArchiveWriter`` and
re-extraction) and the trigger ``articles_fts_meta_au`` that follows a changed
``published_at``/``site``.
"""

from __future__ import annotations

import sqlite3
from datetime import date

__all__ = [
    "m005_search",
    "m006_search_views",
    "m007_search_meta",
    "write_fts",
    "has_meta",
    "meta_sql",
    "scope_tokens",
    "site_token",
    "EXACT_TABLE",
    "META_INDEX",
    "META_COLUMN",
]

EXACT_TABLE = "articles_fts_exact"
META_INDEX = "articles_search_meta"

_EXACT_COLUMNS = "title, lead, body_text"


def _rebuild_folded_with_prefix(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE VIRTUAL TABLE articles_fts_new USING fts5("
        "title, lead, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '3')"
    )
    conn.execute(
        "INSERT INTO articles_fts_new (rowid, title, lead, body) "
        "SELECT rowid, title, lead, body FROM articles_fts ORDER BY rowid"
    )
    conn.execute("DROP TABLE articles_fts")
    conn.execute("ALTER TABLE articles_fts_new RENAME TO articles_fts")
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")


def _create_exact(conn: sqlite3.Connection) -> None:
    conn.execute(
        f"CREATE VIRTUAL TABLE {EXACT_TABLE} USING fts5({_EXACT_COLUMNS}, "
        "content = 'articles', content_rowid = 'id', "
        "tokenize = 'unicode61 remove_diacritics 0')"
    )
    new = ", ".join(f"new.{c.strip()}" for c in _EXACT_COLUMNS.split(","))
    old = ", ".join(f"old.{c.strip()}" for c in _EXACT_COLUMNS.split(","))
    conn.execute(
        f"CREATE TRIGGER articles_fts_exact_ai AFTER INSERT ON articles BEGIN "
        f"INSERT INTO {EXACT_TABLE} (rowid, {_EXACT_COLUMNS}) VALUES (new.id, {new}); END"
    )
    conn.execute(
        f"CREATE TRIGGER articles_fts_exact_ad AFTER DELETE ON articles BEGIN "
        f"INSERT INTO {EXACT_TABLE} ({EXACT_TABLE}, rowid, {_EXACT_COLUMNS}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    conn.execute(
        f"CREATE TRIGGER articles_fts_exact_au AFTER UPDATE OF title, lead, body_text ON articles "
        f"BEGIN "
        f"INSERT INTO {EXACT_TABLE} ({EXACT_TABLE}, rowid, {_EXACT_COLUMNS}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {EXACT_TABLE} (rowid, {_EXACT_COLUMNS}) VALUES (new.id, {new}); END"
    )
    conn.execute(f"INSERT INTO {EXACT_TABLE} ({EXACT_TABLE}) VALUES ('rebuild')")


def m005_search(conn: sqlite3.Connection) -> None:
    """Migration body (runs inside the migration transaction of ``archive.db``)."""
    legacy = conn.execute("PRAGMA legacy_alter_table").fetchone()[0]
    conn.execute("PRAGMA legacy_alter_table = ON")  # rename without re-checking unrelated views
    try:
        _rebuild_folded_with_prefix(conn)
    finally:
        conn.execute(f"PRAGMA legacy_alter_table = {int(legacy)}")
    _create_exact(conn)
    conn.execute(
        f"CREATE INDEX {META_INDEX} ON articles (id, site, published_at, view_count, category)"
    )


def m006_search_views(conn: sqlite3.Connection) -> None:
    """``articles_browse``: articles without their heavy columns, plus ``month`` (YYYY-MM), so
    Datasette can facet by month and list search results without loading bodies."""
    conn.execute(
        "CREATE VIEW articles_browse AS SELECT id, site, category, "
        "substr(published_at, 1, 7) AS month, published_at, title, lead, view_count, url, "
        "article_id FROM articles"
    )


# --------------------------------------------------------------------------- filter tokens

META_COLUMN = "meta"


def meta_sql(alias: str = "") -> str:
    """SQL expression for the ``meta`` text of the articles row ``alias`` (``new.``, ``a.``…).

    ``published_at`` is ISO (``YYYY-MM-DDTHH:MM:SS+07:00``, from the extractor): its first seven
    characters give the year and month tokens.  An undated article gets only its site token."""
    site, day = f"{alias}site", f"{alias}published_at"
    year = f"substr({day}, 1, 4)"
    month = f"substr({day}, 1, 4) || substr({day}, 6, 2)"
    st = f"'zs' || lower(hex({site}))"
    return (
        f"{st} || CASE WHEN {day} IS NULL THEN '' ELSE "
        f"' zy' || {year} || ' zm' || {month} || ' ' || {st} || 'y' || {year} || ' ' || {st} "
        f"|| 'm' || {month} END"
    )


def site_token(site: str) -> str:
    """The ``meta`` token of a site id (same as :func:`meta_sql`: ``zs`` + UTF-8 hex)."""
    return "zs" + site.encode("utf-8").hex()


def scope_tokens(site: str | None, first: date | None, last: date | None) -> list[str]:
    """``meta`` tokens whose union holds every article of ``site`` (None: any site) published
    between ``first`` and ``last`` (inclusive days; None: unbounded on that side) — and a few
    more, since months are the finest unit.  Whole years become one year token each.  Empty
    when nothing narrows (no site, no dates)."""
    prefix = site_token(site) if site is not None else "z"
    if first is None or last is None:
        return [prefix] if site is not None else []
    tokens: list[str] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        whole_year = m == 1 and (y < last.year or last.month == 12)
        if whole_year:
            tokens.append(f"{prefix}y{y}")
            y += 1
            continue
        tokens.append(f"{prefix}m{y}{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tokens


def has_meta(conn: sqlite3.Connection) -> bool:
    """Whether ``articles_fts`` has the ``meta`` column (migration 7)."""
    return _has_meta(conn)


def _has_meta(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM pragma_table_info('articles_fts') WHERE name = ?", (META_COLUMN,)
        ).fetchone()
        is not None
    )


def write_fts(
    conn: sqlite3.Connection,
    rowid: int,
    title: str,
    lead: str,
    body: str,
    *,
    replace: bool,
    meta: bool | None = None,
) -> None:
    """Write the FTS row of article ``rowid`` (already in ``articles``): the folded text given,
    ``meta`` from the article row.  ``replace`` deletes the old row first.  Also works on an
    archive older than migration 7 (no ``meta`` column), which tests of upgrades write.
    ``meta`` says whether the column exists (None: look it up; a writer that writes thousands of
    rows looks it up once)."""
    if replace:
        conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (rowid,))
    if meta if meta is not None else _has_meta(conn):
        conn.execute(
            "INSERT INTO articles_fts (rowid, title, lead, body, meta) "
            f"SELECT a.id, ?, ?, ?, {meta_sql('a.')} FROM articles a WHERE a.id = ?",
            (title, lead, body, rowid),
        )
    else:
        conn.execute(
            "INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
            (rowid, title, lead, body),
        )


def m007_search_meta(conn: sqlite3.Connection) -> None:
    """Migration body: rebuild ``articles_fts`` with the ``meta`` column (folded text copied, not
    re-folded; rowids kept), merged into one segment, and the trigger that keeps ``meta`` in step
    with ``articles.site``/``published_at``.  Minutes at a million articles (as migration 5)."""
    legacy = conn.execute("PRAGMA legacy_alter_table").fetchone()[0]
    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        conn.execute(
            "CREATE VIRTUAL TABLE articles_fts_new USING fts5(title, lead, body, meta, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '3')"
        )
        conn.execute(
            "INSERT INTO articles_fts_new (rowid, title, lead, body, meta) "
            f"SELECT f.rowid, f.title, f.lead, f.body, {meta_sql('a.')} "
            "FROM articles_fts f LEFT JOIN articles a ON a.id = f.rowid ORDER BY f.rowid"
        )
        conn.execute("DROP TABLE articles_fts")
        conn.execute("ALTER TABLE articles_fts_new RENAME TO articles_fts")
    finally:
        conn.execute(f"PRAGMA legacy_alter_table = {int(legacy)}")
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
    conn.execute(
        "CREATE TRIGGER articles_fts_meta_au AFTER UPDATE OF site, published_at ON articles "
        "WHEN old.site IS NOT new.site OR old.published_at IS NOT new.published_at BEGIN "
        f"UPDATE articles_fts SET meta = {meta_sql('new.')} WHERE rowid = new.id; END"
    )
