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
"""

from __future__ import annotations

import sqlite3

__all__ = ["m005_search", "m006_search_views", "EXACT_TABLE", "META_INDEX"]

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
