"""The ``failures`` table: every request the crawler gave up on, until a later crawl succeeds.

A research archive must say what it does *not* hold and why.  One row per request key (the URL;
for an ASP.NET postback the list URL + ``#`` + the event argument, e.g. ``…&catid=12#Page$3``):

``url, site, article_id, kind, reason, attempts, failures, first_seen_at, last_seen_at,
crawl_id, resolved_at``

``kind`` is a short class (``http-503``, ``timeout``, ``reset``, ``truncated``, ``too-large``,
``offsite``, ``robots``, ``redirect-loop``, ``trap``, ``parse-error``, …; see
``crawler/failures.py``), ``attempts`` the downloads tried in the last crawl, ``failures`` the
number of crawls it failed in.  A later success sets ``resolved_at`` (the row stays, as
history); failing again clears it.  All statements are parameterised; callers hold the
transaction (the archive writer thread).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

__all__ = ["create_table", "record", "resolve_url", "resolve_article", "unresolved", "summary", "reconcile"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_table(conn: sqlite3.Connection) -> None:
    """Schema of the table (run by the ``archive.db`` migration)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS failures ("
        "id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, site TEXT, article_id TEXT, "
        "kind TEXT NOT NULL, reason TEXT, attempts INTEGER NOT NULL DEFAULT 1, "
        "failures INTEGER NOT NULL DEFAULT 1, first_seen_at TEXT NOT NULL, "
        "last_seen_at TEXT NOT NULL, crawl_id INTEGER REFERENCES crawls(id), resolved_at TEXT)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS failures_site_article ON failures (site, article_id)")
    conn.execute("CREATE INDEX IF NOT EXISTS failures_unresolved ON failures (site, resolved_at)")


def record(conn: sqlite3.Connection, *, url: str, site: str | None, article_id: str | None,
           kind: str, reason: str | None, attempts: int, crawl_id: int | None, seen_at: str) -> None:
    """Upsert one failure; a failure seen again in the same crawl is not counted twice."""
    conn.execute(
        "INSERT INTO failures (url, site, article_id, kind, reason, attempts, failures, "
        "first_seen_at, last_seen_at, crawl_id, resolved_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, NULL) "
        "ON CONFLICT(url) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, "
        "attempts = excluded.attempts, last_seen_at = excluded.last_seen_at, "
        "site = COALESCE(excluded.site, site), article_id = COALESCE(excluded.article_id, article_id), "
        "failures = failures + (crawl_id IS NOT excluded.crawl_id), "
        "crawl_id = excluded.crawl_id, resolved_at = NULL",
        (url, site, article_id, kind, (reason or "")[:500], int(attempts), seen_at, seen_at,
         crawl_id),
    )


def resolve_url(conn: sqlite3.Connection, url: str, when: str) -> int:
    cur = conn.execute(
        "UPDATE failures SET resolved_at = ? WHERE url = ? AND resolved_at IS NULL", (when, url)
    )
    return cur.rowcount


def resolve_article(conn: sqlite3.Connection, site: str, article_id: str, when: str) -> int:
    cur = conn.execute(
        "UPDATE failures SET resolved_at = ? WHERE site = ? AND article_id = ? "
        "AND resolved_at IS NULL",
        (when, site, article_id),
    )
    return cur.rowcount


def reconcile(conn: sqlite3.Connection, when: str) -> int:
    """Resolve open article failures whose article is archived (e.g. fetched through another
    URL, or its resolution was lost to a kill between two commits).  Commits."""
    cur = conn.execute(
        "UPDATE failures SET resolved_at = ? WHERE resolved_at IS NULL AND article_id IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM articles a WHERE a.site = failures.site "
        "AND a.article_id = failures.article_id)",
        (when,),
    )
    conn.commit()
    return cur.rowcount


def unresolved(conn: sqlite3.Connection, site: str) -> list[dict]:
    """Open failures of ``site``: what the next crawl must try again."""
    reconcile(conn, _now())
    rows = conn.execute(
        "SELECT url, article_id, kind, reason, attempts FROM failures "
        "WHERE site = ? AND resolved_at IS NULL ORDER BY id",
        (site,),
    ).fetchall()
    return [dict(zip(("url", "article_id", "kind", "reason", "attempts"), r, strict=True))
            for r in rows]


def summary(conn: sqlite3.Connection, crawl_id: int) -> dict[str, int]:
    """Open failures recorded by ``crawl_id``, per kind."""
    reconcile(conn, _now())
    rows = conn.execute(
        "SELECT kind, COUNT(*) FROM failures WHERE crawl_id = ? AND resolved_at IS NULL "
        "GROUP BY kind ORDER BY kind",
        (crawl_id,),
    ).fetchall()
    return {k: n for k, n in rows}
