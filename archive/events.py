"""Monitoring events in the archive: what changed on the portals, and its delivery to webhooks.

Tables (created by the migration :func:`create_monitoring_tables`; public contract):

* ``events``: ``id, type, site, article (articles.id), article_id (portal id), key, payload
  (JSON), crawl_id, created_at``.  ``type`` is one of :data:`EVENT_TYPES`.  ``key`` is unique: an
  event is recorded at most once whatever crashes and re-runs happen (``new_post:chauthanh:397719``).
* ``deliveries``: the webhook outbox, one row per (event, url): ``status`` pending | sending |
  delivered | failed, ``attempts``, ``last_error``, ``next_attempt_at``, ``delivered_at``.
* ``site_health``: per site, the monitor's memory between passes: ``state`` up | down,
  ``consecutive_failures``, ``moved_to`` (new base URL after a permanent redirect: the registry
  CSV ships with the package, so the override lives here), and the high-water marks up to which
  articles / pages / snapshots were already turned into events.

Why marks instead of "what this crawl wrote": a watch pass killed mid-crawl leaves archived
articles behind that no event describes yet; the next pass picks up everything above the marks,
and events plus their deliveries plus the new marks are written in ONE transaction, so an event
is never lost and never recorded twice.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.db import now_iso
from archive.fold import fold

EVENT_TYPES = (
    "new_post",
    "keyword_match",
    "site_down",
    "site_back",
    "site_moved",
    "contact_changed",
    "post_removed",
)
CONTACT_FIELDS = ("agency", "address", "phones", "fax", "emails")
JSON_CONTACT_FIELDS = ("phones", "fax", "emails")


def create_monitoring_tables(conn: sqlite3.Connection) -> None:
    """The migration body (idempotent: IF NOT EXISTS everywhere).  Statement by statement, not
    ``executescript`` (which would COMMIT the migration's transaction half-way)."""
    script = (
        """
        CREATE TABLE IF NOT EXISTS events (
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            site TEXT,
            article INTEGER REFERENCES articles(id),
            article_id TEXT,
            key TEXT NOT NULL UNIQUE,
            payload TEXT,
            crawl_id INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS events_site_type ON events (site, type);
        CREATE INDEX IF NOT EXISTS events_type ON events (type);
        CREATE TABLE IF NOT EXISTS deliveries (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES events(id),
            url TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_attempt_at TEXT,
            next_attempt_at TEXT,
            delivered_at TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (event_id, url)
        );
        CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, url);
        CREATE TABLE IF NOT EXISTS site_health (
            site TEXT PRIMARY KEY,
            state TEXT NOT NULL DEFAULT 'up',
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_pass_at TEXT,
            last_ok_at TEXT,
            last_error TEXT,
            moved_to TEXT,
            moved_at TEXT,
            baseline INTEGER NOT NULL DEFAULT 0,
            article_mark INTEGER NOT NULL DEFAULT 0,
            page_mark INTEGER NOT NULL DEFAULT 0,
            snapshot_mark INTEGER NOT NULL DEFAULT 0
        );
        """
    )
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


# --------------------------------------------------------------------------- keywords


@dataclass
class KeywordList:
    """A named list of keywords, matched Vietnamese-folded as whole words."""

    name: str
    keywords: list[str]
    _patterns: list[tuple[str, re.Pattern]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for kw in self.keywords:
            words = fold(kw).split()
            if words:
                body = r"\s+".join(re.escape(w) for w in words)
                self._patterns.append((kw, re.compile(rf"(?<!\w){body}(?!\w)")))

    def matches(self, *texts: str | None) -> list[str]:
        folded = fold(" \n ".join(t for t in texts if t))
        return [kw for kw, pat in self._patterns if pat.search(folded)]


def read_keywords(path: str) -> KeywordList:
    """One keyword (or phrase) per line; blank lines and ``#`` comments ignored.  The list is
    named after the file (``papi.txt`` → ``papi``)."""
    from pathlib import Path

    p = Path(path)
    lines = p.read_text(encoding="utf-8-sig").splitlines()
    keywords = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    return KeywordList(name=p.stem, keywords=keywords)


# --------------------------------------------------------------------------- recording


@dataclass
class SiteOutcome:
    """What one watch pass saw of one site (from the spider's ``govnews/watch`` stat)."""

    ok: bool
    status: int | None = None
    location: str | None = None
    error: str | None = None

    @classmethod
    def from_stat(cls, stat: dict | None) -> SiteOutcome:
        if not stat or stat.get("ok") is None:
            return cls(ok=False, error=(stat or {}).get("error") or "home page not fetched")
        return cls(ok=bool(stat["ok"]), status=stat.get("status"), location=stat.get("location"),
                   error=stat.get("error"))


def _insert_event(conn, created: list[int], *, type: str, site: str, key: str,  # noqa: A002
                  payload: dict, crawl_id: int | None, article: int | None = None,
                  article_id: str | None = None) -> None:
    cur = conn.execute(
        "INSERT OR IGNORE INTO events (type, site, article, article_id, key, payload, crawl_id, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (type, site, article, article_id, key, json.dumps(payload, ensure_ascii=False),
         crawl_id, now_iso()),
    )
    if cur.rowcount:
        created.append(cur.lastrowid)


def prepare_sites(conn: sqlite3.Connection, sites: Iterable[str]) -> None:
    """Give a site seen for the first time its marks (before the crawl, so a crash mid-crawl
    still finds the new articles above them).  A site with nothing archived yet is watched as a
    *baseline*: its first successful pass archives the site without a flood of new_post events."""
    with conn:
        for site in sites:
            if conn.execute("SELECT 1 FROM site_health WHERE site = ?", (site,)).fetchone():
                continue
            art = conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles WHERE site = ?",
                               (site,)).fetchone()[0]
            page = conn.execute("SELECT COALESCE(MAX(id), 0) FROM pages").fetchone()[0]
            snap = conn.execute(
                "SELECT COALESCE(MAX(rowid), 0) FROM site_snapshots WHERE site = ?", (site,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO site_health (site, baseline, article_mark, page_mark, snapshot_mark) "
                "VALUES (?, ?, ?, ?, ?)",
                (site, 0 if art else 1, art, page, snap),
            )


def _base_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def record_pass(
    conn: sqlite3.Connection,
    site: str,
    outcome: SiteOutcome,
    *,
    crawl_id: int | None,
    down_after: int = 3,
    keyword_lists: Iterable[KeywordList] = (),
    webhooks: Iterable[str] = (),
) -> list[int]:
    """Turn one pass's observations of ``site`` into events (+ outbox rows); one transaction.

    Returns the ids of the events created.
    """
    created: list[int] = []
    keyword_lists = list(keyword_lists)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "SELECT state, consecutive_failures, moved_to, baseline, article_mark, page_mark, "
            "snapshot_mark FROM site_health WHERE site = ?", (site,)
        ).fetchone()
        state, failures, moved_to, baseline, art_mark, page_mark, snap_mark = row
        now = now_iso()
        ev = dict(conn=conn, created=created, site=site, crawl_id=crawl_id)

        # -- health: down / back / moved
        if outcome.ok:
            if state == "down":
                _insert_event(**ev, type="site_back", key=f"site_back:{site}:{crawl_id}:{now}",
                              payload={"after_failed_passes": failures, "status": outcome.status})
            state, failures = "up", 0
            location = outcome.location
            if outcome.status in (301, 308) and location:
                old_host = urlsplit(_site_base(conn, site)).hostname
                new_base = _base_url(location)
                if urlsplit(new_base).hostname != old_host and new_base != moved_to:
                    _insert_event(**ev, type="site_moved", key=f"site_moved:{site}:{new_base}",
                                  payload={"old_base_url": _site_base(conn, site),
                                           "new_base_url": new_base, "location": location,
                                           "status": outcome.status})
                    moved_to = new_base
                    conn.execute("UPDATE site_health SET moved_at = ? WHERE site = ?", (now, site))
        else:
            failures += 1
            if failures >= down_after and state == "up":
                _insert_event(**ev, type="site_down", key=f"site_down:{site}:{crawl_id}:{now}",
                              payload={"failed_passes": failures, "error": outcome.error})
                state = "down"

        # -- new posts (+ keyword matches) above the article mark
        arts = conn.execute(
            "SELECT id, article_id, title, lead, body_text FROM articles "
            "WHERE site = ? AND id > ? ORDER BY id", (site, art_mark)
        ).fetchall()
        if not (baseline and not outcome.ok):
            for rowid, aid, title, lead, body in arts:
                art_mark = max(art_mark, rowid)
                if baseline:
                    continue
                _insert_event(**ev, type="new_post", key=f"new_post:{site}:{aid}", article=rowid,
                              article_id=aid, payload={"title": title})
                for kl in keyword_lists:
                    hits = kl.matches(title, lead, body)
                    if hits:
                        _insert_event(**ev, type="keyword_match",
                                      key=f"keyword_match:{kl.name}:{site}:{aid}", article=rowid,
                                      article_id=aid,
                                      payload={"list": kl.name, "keywords": hits, "title": title})
            if outcome.ok:
                baseline = 0

        # -- removed posts: a revisit answered 404/410
        gone = conn.execute(
            "SELECT p.id, a.id, a.article_id, a.title, p.status FROM pages p "
            "JOIN articles a ON a.url = p.url AND a.site = ? "
            "WHERE p.id > ? AND p.status IN (404, 410) ORDER BY p.id", (site, page_mark)
        ).fetchall()
        for _pid, rowid, aid, title, status in gone:
            _insert_event(**ev, type="post_removed", key=f"post_removed:{site}:{aid}",
                          article=rowid, article_id=aid, payload={"title": title, "status": status})
        page_mark = conn.execute("SELECT COALESCE(MAX(id), 0) FROM pages").fetchone()[0]

        # -- contact details: each new snapshot against the one before it
        snaps = conn.execute(
            f"SELECT rowid, {', '.join(CONTACT_FIELDS)} FROM site_snapshots "
            "WHERE site = ? AND rowid > ? ORDER BY rowid", (site, snap_mark)
        ).fetchall()
        for snap in snaps:
            prev = conn.execute(
                f"SELECT {', '.join(CONTACT_FIELDS)} FROM site_snapshots "
                "WHERE site = ? AND rowid < ? ORDER BY rowid DESC LIMIT 1", (site, snap[0])
            ).fetchone()
            snap_mark = snap[0]
            if prev is None:
                continue
            changes = {}
            for name, old, new in zip(CONTACT_FIELDS, prev, snap[1:], strict=True):
                if name in JSON_CONTACT_FIELDS:
                    old, new = json.loads(old or "[]"), json.loads(new or "[]")
                if old != new and new not in (None, []):
                    changes[name] = {"old": old, "new": new}
            if changes:
                _insert_event(**ev, type="contact_changed",
                              key=f"contact_changed:{site}:{snap[0]}", payload={"changes": changes})

        conn.execute(
            "UPDATE site_health SET state = ?, consecutive_failures = ?, last_pass_at = ?, "
            "last_ok_at = CASE WHEN ? THEN ? ELSE last_ok_at END, last_error = ?, moved_to = ?, "
            "baseline = ?, article_mark = ?, page_mark = ?, snapshot_mark = ? WHERE site = ?",
            (state, failures, now, outcome.ok, now, None if outcome.ok else outcome.error,
             moved_to, baseline, art_mark, page_mark, snap_mark, site),
        )
        for event_id in created:
            for url in webhooks:
                conn.execute(
                    "INSERT OR IGNORE INTO deliveries (event_id, url, status, attempts, created_at) "
                    "VALUES (?, ?, 'pending', 0, ?)", (event_id, url, now),
                )
    return created


def _site_base(conn: sqlite3.Connection, site: str) -> str:
    row = conn.execute("SELECT base_url FROM sites WHERE id = ?", (site,)).fetchone()
    return row[0] if row and row[0] else ""


# --------------------------------------------------------------------------- reading


def event_dicts(conn: sqlite3.Connection, where: str = "1", params: tuple = (),
                limit: int | None = None) -> list[dict]:
    """Events (newest first) with their article's fields, as JSON-ready dicts."""
    sql = (
        "SELECT e.id, e.type, e.site, e.article_id, e.payload, e.crawl_id, e.created_at, "
        "a.title, a.url, a.published_at, a.lead, a.view_count, s.sname "
        "FROM events e LEFT JOIN articles a ON a.id = e.article "
        f"LEFT JOIN sites s ON s.id = e.site WHERE {where} ORDER BY e.id DESC"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for r in conn.execute(sql, params):
        d = {
            "id": r[0], "type": r[1], "site": r[2], "article_id": r[3],
            "payload": json.loads(r[4] or "{}"), "crawl_id": r[5], "created_at": r[6],
            "sname": r[12],
        }
        if r[7] is not None or r[8] is not None:
            d["article"] = {"title": r[7], "url": r[8], "published_at": r[9], "lead": r[10],
                            "view_count": r[11]}
        out.append(d)
    return out
