"""History, never overwrite: article versions, removals, contact periods, and reading them back.

The rules (public, see README "Researchers: history and re-extraction"):

* **Versions.**  Every article row has ``version`` = its current version number and one
  ``article_versions`` row per *published* version.  A fetch whose content hash
  (:func:`archive.store.content_hash`: title, lead, body text, publication date) differs from the
  current version adds version n+1 beside the old rows; a fetch with the same hash only moves the
  current version's ``last_seen_at``.
* **Re-extraction is not a new version.**  ``govnews reextract`` runs today's extractor over the
  stored raw page of each version and corrects that version's fields *in place*; each corrected
  value is logged in ``extraction_changes`` (run, article, version, field, old, new).  The
  publication did not change, only our reading of it.
* **Removals.**  An article whose page answers 404/410, or which is gone from its category list
  on a complete walk of that list (every list page read successfully) and was not fetched
  successfully in the same crawl, gets ``removed_at`` = the first time it was seen missing and an
  ``article_events`` row ('removed', reason).  Its content stays.  A later successful fetch
  clears ``removed_at`` and logs 'restored'.
* **Contacts.**  ``site_contacts`` holds one row per period during which a site's footer contact
  block stayed the same (``valid_from`` / ``valid_to``; NULL ``valid_to`` = current).
  ``site_snapshots`` keeps the visitor counter read on every crawl.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sqlite3
import textwrap
from typing import Any

__all__ = [
    "CONTACT_FIELDS",
    "VERSION_FIELDS",
    "contact_hash",
    "m002_history",
    "find_article",
    "article_history",
    "version_diff",
]

CONTACT_FIELDS = ("agency", "address", "phones", "fax", "emails", "editor", "licence")
#: Fields kept per version (the hashed ones first).
VERSION_FIELDS = (
    "title", "lead", "body_text", "published_at", "author", "category", "images", "attachments",
)


def contact_hash(row: dict[str, Any]) -> str:
    """sha1 of the stored (JSON-encoded) contact columns: decides whether the footer changed."""
    parts = [row.get(k) or "" for k in CONTACT_FIELDS]
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- migration 2
# Applied by archive.db._m002_history.  FROZEN: never edit; a later change is a new migration.


def m002_history(conn: sqlite3.Connection) -> None:
    for col in ("version INTEGER", "removed_at TEXT", "removed_reason TEXT"):
        conn.execute(f"ALTER TABLE articles ADD COLUMN {col}")
    conn.execute(
        """CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY,
            article INTEGER NOT NULL REFERENCES articles(id),
            version INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            title TEXT, lead TEXT, body_text TEXT, published_at TEXT, author TEXT,
            category TEXT, images TEXT, attachments TEXT,
            raw_hash TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            first_crawl_id INTEGER REFERENCES crawls(id),
            last_crawl_id INTEGER REFERENCES crawls(id),
            UNIQUE (article, version))"""
    )
    conn.execute(
        "INSERT INTO article_versions (article, version, content_hash, title, lead, body_text, "
        "published_at, author, category, images, attachments, raw_hash, first_seen_at, "
        "last_seen_at, first_crawl_id, last_crawl_id) "
        "SELECT id, 1, COALESCE(content_hash, ''), title, lead, body_text, published_at, author, "
        "category, images, attachments, raw_hash, COALESCE(first_seen_at, last_fetched_at, ''), "
        "COALESCE(last_fetched_at, first_seen_at, ''), first_crawl_id, last_crawl_id "
        "FROM articles"
    )
    conn.execute("UPDATE articles SET version = 1")
    conn.execute(
        """CREATE TABLE article_events (
            id INTEGER PRIMARY KEY,
            article INTEGER NOT NULL REFERENCES articles(id),
            crawl_id INTEGER REFERENCES crawls(id),
            observed_at TEXT NOT NULL,
            event TEXT NOT NULL,          -- removed | restored
            reason TEXT)"""
    )
    conn.execute("CREATE INDEX article_events_article ON article_events(article)")
    conn.execute(
        """CREATE TABLE list_walks (
            crawl_id INTEGER NOT NULL REFERENCES crawls(id),
            site TEXT NOT NULL,
            catid TEXT NOT NULL,
            pages INTEGER NOT NULL,
            articles INTEGER NOT NULL,
            complete INTEGER NOT NULL,    -- 1 = every list page of the category read OK
            walked_at TEXT NOT NULL,
            PRIMARY KEY (crawl_id, site, catid))"""
    )
    conn.execute(
        """CREATE TABLE article_lists (
            site TEXT NOT NULL,
            article_id TEXT NOT NULL,
            catid TEXT NOT NULL,
            first_crawl_id INTEGER REFERENCES crawls(id),
            last_crawl_id INTEGER REFERENCES crawls(id),
            last_seen_at TEXT NOT NULL,
            PRIMARY KEY (site, article_id, catid))"""
    )
    conn.execute(
        """CREATE TABLE site_contacts (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            contact_hash TEXT NOT NULL,
            agency TEXT, address TEXT, phones TEXT, fax TEXT, emails TEXT,
            editor TEXT, licence TEXT,
            valid_from TEXT NOT NULL,
            valid_to TEXT,
            last_seen_at TEXT NOT NULL,
            first_crawl_id INTEGER REFERENCES crawls(id),
            last_crawl_id INTEGER REFERENCES crawls(id))"""
    )
    conn.execute("CREATE INDEX site_contacts_site ON site_contacts(site, valid_from)")
    _backfill_contacts(conn)
    conn.execute(
        """CREATE TABLE reextract_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            options TEXT,
            pages INTEGER, bodies INTEGER, records INTEGER, changed_records INTEGER,
            changed_fields TEXT,          -- JSON {field: records changed}
            status TEXT NOT NULL)"""
    )
    conn.execute(
        """CREATE TABLE extraction_changes (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES reextract_runs(id),
            article INTEGER NOT NULL REFERENCES articles(id),
            version INTEGER,
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT)"""
    )
    conn.execute("CREATE INDEX extraction_changes_article ON extraction_changes(article)")
    from archive.views import create_views

    create_views(conn)


def _backfill_contacts(conn: sqlite3.Connection) -> None:
    """Fold the per-crawl ``site_snapshots`` contact columns into validity periods."""
    cols = ", ".join(CONTACT_FIELDS)
    rows = conn.execute(
        f"SELECT site, crawl_id, observed_at, {cols} FROM site_snapshots "
        "ORDER BY site, observed_at, crawl_id"
    ).fetchall()
    current: dict[str, list] = {}  # site -> [id, hash]
    for site, crawl_id, observed_at, *values in rows:
        row = dict(zip(CONTACT_FIELDS, values, strict=True))
        if not any(v not in (None, "", "[]") for v in values):
            continue
        write_contact(conn, site, crawl_id, observed_at or "", row, current)


def write_contact(
    conn: sqlite3.Connection,
    site: str,
    crawl_id: int | None,
    observed_at: str,
    row: dict[str, Any],
    current: dict | None = None,
) -> bool:
    """Record one reading of a site's contact block; returns True if it opened a new period."""
    digest = contact_hash(row)
    if current is not None and site in current:
        cur_id, cur_hash = current[site]
    else:
        hit = conn.execute(
            "SELECT id, contact_hash FROM site_contacts WHERE site = ? AND valid_to IS NULL "
            "ORDER BY valid_from DESC, id DESC LIMIT 1",
            (site,),
        ).fetchone()
        cur_id, cur_hash = hit if hit else (None, None)
    if cur_hash == digest:
        conn.execute(
            "UPDATE site_contacts SET last_seen_at = ?, last_crawl_id = ? WHERE id = ?",
            (observed_at, crawl_id, cur_id),
        )
        return False
    if cur_id is not None:
        conn.execute("UPDATE site_contacts SET valid_to = ? WHERE id = ?", (observed_at, cur_id))
    cur = conn.execute(
        f"INSERT INTO site_contacts (site, contact_hash, {', '.join(CONTACT_FIELDS)}, valid_from, "
        "last_seen_at, first_crawl_id, last_crawl_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (site, digest, *(row.get(k) for k in CONTACT_FIELDS), observed_at, observed_at,
         crawl_id, crawl_id),
    )
    if current is not None:
        current[site] = [cur.lastrowid, digest]
    return True


# --------------------------------------------------------------------------- reading


def find_article(conn: sqlite3.Connection, ref: str, site: str | None = None) -> dict | None:
    """The ``articles`` row for a URL, a portal article id (``397719``) or ``site:id``.

    Raises ``LookupError`` (with the candidate sites) when a bare id exists on several sites."""
    ref = ref.strip()
    conn.row_factory = sqlite3.Row
    try:
        if "://" in ref:
            row = conn.execute("SELECT * FROM articles WHERE url = ?", (ref,)).fetchone()
            if row:
                return dict(row)
            from crawler.extract import parse_vnportal_url
            from crawler.registry import site_for_sname

            ids = parse_vnportal_url(ref)
            if not ids or not ids.get("article_id"):
                return None
            known = site_for_sname(ids["sname"])
            site = site or (known.id if known else None)
            ref = str(ids["article_id"])
        elif ":" in ref and site is None:
            site, ref = ref.split(":", 1)
        sql, params = "SELECT * FROM articles WHERE article_id = ?", [ref]
        if site:
            sql += " AND site = ?"
            params.append(site)
        rows = conn.execute(sql, params).fetchall()
    finally:
        conn.row_factory = None
    if len(rows) > 1:
        raise LookupError(", ".join(sorted(r["site"] for r in rows)))
    return dict(rows[0]) if rows else None


def _rows(conn: sqlite3.Connection, sql: str, params: tuple) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def article_history(conn: sqlite3.Connection, article: dict) -> dict:
    """Versions (oldest first, each with ``diff`` from the previous one), removal events,
    extraction corrections and view-count observations of one article row."""
    aid = article["id"]
    versions = _rows(
        conn,
        "SELECT version, content_hash, title, lead, body_text, published_at, author, category, "
        "raw_hash, first_seen_at, last_seen_at, first_crawl_id, last_crawl_id "
        "FROM article_versions WHERE article = ? ORDER BY version",
        (aid,),
    )
    for prev, ver in zip([None, *versions], versions, strict=False):
        ver["diff"] = version_diff(prev, ver) if prev else ""
    events = _rows(
        conn,
        "SELECT event, observed_at, crawl_id, reason FROM article_events WHERE article = ? "
        "ORDER BY observed_at, id",
        (aid,),
    )
    corrections = _rows(
        conn,
        "SELECT c.run_id, r.started_at AS reextracted_at, c.version, c.field, c.old_value, "
        "c.new_value FROM extraction_changes c JOIN reextract_runs r ON r.id = c.run_id "
        "WHERE c.article = ? ORDER BY c.id",
        (aid,),
    )
    views = _rows(
        conn,
        "SELECT observed_at, crawl_id, view_count FROM view_counts WHERE article = ? "
        "ORDER BY observed_at, crawl_id",
        (aid,),
    )
    return {
        "site": article["site"],
        "article_id": article["article_id"],
        "url": article["url"],
        "title": article["title"],
        "version": article.get("version"),
        "first_seen_at": article["first_seen_at"],
        "last_fetched_at": article["last_fetched_at"],
        "removed_at": article.get("removed_at"),
        "removed_reason": article.get("removed_reason"),
        "versions": versions,
        "events": events,
        "extraction_changes": corrections,
        "view_counts": views,
    }


def _lines(field: str, value: Any) -> list[str]:
    text = "" if value is None else str(value)
    if field != "body_text":
        return [text]
    out: list[str] = []
    for para in text.split("\n"):
        out.extend(textwrap.wrap(para, 100) or [""])
    return out


def version_diff(old: dict, new: dict) -> str:
    """A readable unified diff (difflib) of the fields that differ between two versions."""
    chunks: list[str] = []
    for field in ("title", "lead", "published_at", "body_text"):
        if old.get(field) == new.get(field):
            continue
        diff = difflib.unified_diff(
            _lines(field, old.get(field)),
            _lines(field, new.get(field)),
            fromfile=f"{field} (v{old['version']})",
            tofile=f"{field} (v{new['version']})",
            lineterm="",
            n=1,
        )
        chunks.append("\n".join(diff))
    return "\n".join(chunks)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
