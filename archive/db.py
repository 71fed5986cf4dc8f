"""Opening the SQLite archive: path resolution, connection settings, versioned migrations.

Every connection gets ``journal_mode=WAL`` (readers never block the writer), ``synchronous=NORMAL``
(a commit is one WAL append, no fsync; a crash can lose the last commits but never corrupts),
``busy_timeout=10000`` and ``foreign_keys=ON``, plus a ``govnews_fold(text)`` SQL function (the
same folding as :func:`archive.fold.fold`) for ad-hoc SQL.

The schema is built by :data:`MIGRATIONS`, applied in order, each in one ``BEGIN IMMEDIATE``
transaction that also bumps ``PRAGMA user_version`` and records a row in ``schema_migrations``.
A later change appends a function to the list; never edit an applied one.

Full-text index design: ``articles_fts`` is an FTS5 table that **stores its own content**: the
folded title/lead/body (see ``archive/fold.py``; no SQLite tokenizer folds ``đ`` or two-mark
letters, so folding happens in Python).  We chose own content over a contentless table
(``content=''``) because

* updating/deleting a row of a contentless table (SQLite 3.40 has no ``contentless_delete``)
  needs the exact old folded values; if ``fold()`` ever improves, the old values can no longer be
  reproduced and the index silently rots, while an own-content row is deleted by rowid;
* ``INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')`` and plain ``SELECT`` work,
  so "every article has exactly one FTS row" is checkable;
* the cost, one folded copy of the plain text, is small next to ``body_html`` and the raw bodies.

An external-content table (``content='articles'``) would need folded shadow columns in
``articles``, i.e. the same space, plus triggers calling ``govnews_fold``.  The FTS rows are
written by :class:`archive.store.ArchiveWriter` in the same transaction as the article row.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from archive.fold import fold
from govnews.errors import UserError

__all__ = [
    "open_db",
    "resolve_db_path",
    "sync_sites",
    "now_iso",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SITE_COLUMNS",
    "DEFAULT_DB",
]

DEFAULT_DB = "govnews.db"
ENV_DB = "GOVNEWS_DB"


def now_iso() -> str:
    """Current UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_db_path(path: str | os.PathLike | None) -> Path:
    """Explicit path, else ``$GOVNEWS_DB``, else ``./govnews.db``."""
    if path is not None and str(path) != "":
        return Path(path).expanduser()
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    return Path(DEFAULT_DB)


# --------------------------------------------------------------------------- migrations


def _m001_initial(db: sqlite_utils.Database) -> None:
    db["sites"].create(
        {
            "id": str,
            "name": str,
            "base_url": str,
            "platform": str,
            "sname": str,
            "sid": str,
            "agency": str,
            "province_before": str,
            "province_after": str,
            "status": str,
            "status_note": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["crawls"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "sites": str,  # JSON list of site ids
            "options": str,  # JSON object
            "status": str,  # running | finished | interrupted | failed
            "pages": int,
            "new_articles": int,
            "updated_articles": int,
            "unchanged_articles": int,
            "errors": int,
        },
        pk="id",
        not_null=["started_at", "status"],
    )
    db["articles"].create(
        {
            "id": int,
            "site": str,
            "article_id": str,
            "url": str,
            "title": str,
            "lead": str,
            "body_text": str,
            "body_html": str,
            "published_at": str,  # ISO, +07:00 as extracted
            "author": str,
            "category": str,
            "view_count": int,  # latest observed
            "images": str,  # JSON [{url, caption}]
            "attachments": str,  # JSON [{url, name}]
            "content_hash": str,
            "raw_hash": str,  # raw_bodies.hash of the page it was extracted from
            "first_seen_at": str,
            "last_fetched_at": str,
            "first_crawl_id": int,
            "last_crawl_id": int,
        },
        pk="id",
        not_null=["site", "article_id", "url"],
        foreign_keys=[("first_crawl_id", "crawls", "id"), ("last_crawl_id", "crawls", "id")],
    )
    db["articles"].create_index(["site", "article_id"], "articles_site_article_id", unique=True)
    db["articles"].create_index(["site", "published_at"], "articles_site_published_at")
    db["articles"].create_index(["published_at"], "articles_published_at")
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5("
        "title, lead, body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    db["raw_bodies"].create(
        {"hash": str, "compression": str, "size": int, "data": bytes},
        pk="hash",
        not_null=["compression", "size", "data"],
    )
    db["pages"].create(
        {
            "id": int,
            "crawl_id": int,
            "url": str,
            "final_url": str,
            "status": int,
            "content_type": str,
            "headers": str,  # JSON, only the headers that matter
            "fetched_at": str,
            "body_hash": str,
        },
        pk="id",
        not_null=["url", "fetched_at"],
        foreign_keys=[("crawl_id", "crawls", "id")],
    )
    db["pages"].create_index(["crawl_id"], "pages_crawl_id")
    db["pages"].create_index(["url"], "pages_url")
    db["view_counts"].create(
        {"article": int, "crawl_id": int, "observed_at": str, "view_count": int},
        not_null=["article", "view_count"],
        foreign_keys=[("article", "articles", "id"), ("crawl_id", "crawls", "id")],
    )
    db["view_counts"].create_index(
        ["article", "crawl_id"], "view_counts_article_crawl", unique=True
    )
    db["site_snapshots"].create(
        {
            "site": str,
            "crawl_id": int,
            "observed_at": str,
            "agency": str,
            "address": str,
            "phones": str,  # JSON list (E.164)
            "fax": str,  # JSON list
            "emails": str,  # JSON list
            "editor": str,
            "licence": str,
            "online": int,
            "today": int,
            "week": int,
            "month": int,
            "total": int,
        },
        not_null=["site"],
        foreign_keys=[("crawl_id", "crawls", "id")],
    )
    db["site_snapshots"].create_index(
        ["site", "crawl_id"], "site_snapshots_site_crawl", unique=True
    )


def _m002_history(db: sqlite_utils.Database) -> None:
    """History, never overwrite: article versions, removals, list membership, contact validity,
    re-extraction runs, researcher views.  Existing rows become version 1 / the first contact
    period, so an archive of schema 1 loses nothing (see ``archive/history.py``)."""
    from archive.history import m002_history

    m002_history(db.conn)


def _m003_failures(db: sqlite_utils.Database) -> None:
    """Requests the crawler gave up on, until a later crawl succeeds (``archive/failures.py``)."""
    from archive.failures import create_table

    create_table(db.conn)


def _m004_monitoring(db: sqlite_utils.Database) -> None:
    """Monitoring: events, the webhook outbox (deliveries), site health (``archive/events.py``)."""
    from archive.events import create_monitoring_tables

    create_monitoring_tables(db.conn)


def _m005_search(db: sqlite_utils.Database) -> None:
    """Search: 3-letter prefix index on ``articles_fts``, diacritic-exact ``articles_fts_exact``
    kept in sync by triggers, covering index for filters (``archive/search_index.py``)."""
    from archive.search_index import m005_search

    m005_search(db.conn)


def _m006_search_views(db: sqlite_utils.Database) -> None:
    """``articles_browse`` view (articles without bodies, with ``month``) for Datasette facets
    (``archive/search_index.py``)."""
    from archive.search_index import m006_search_views

    m006_search_views(db.conn)


def _m007_search_meta(db: sqlite_utils.Database) -> None:
    """Search filters inside FTS5: ``articles_fts.meta`` holds site/year/month tokens, so a
    frequent word with ``--site``/``--since``/``--until`` is intersected by FTS5 itself
    (``archive/search_index.py``)."""
    from archive.search_index import m007_search_meta

    m007_search_meta(db.conn)


#: Applied in order; migration i (1-based) brings ``user_version`` to i.  Append, never edit.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _m001_initial, _m002_history, _m003_failures, _m004_monitoring, _m005_search,
    _m006_search_views, _m007_search_meta,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _migrate(db: sqlite_utils.Database, path: Path) -> None:
    conn = db.conn
    version = _user_version(conn)
    if version > SCHEMA_VERSION:
        raise UserError(
            f"archive {path} has schema version {version}, newer than this govnews "
            f"understands ({SCHEMA_VERSION}); upgrade govnews"
        )
    if version == SCHEMA_VERSION:
        return
    if version == 0:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if names:
            raise UserError(f"{path} is a SQLite database but not a govnews archive")
    for number in range(version + 1, SCHEMA_VERSION + 1):
        migration = MIGRATIONS[number - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if _user_version(conn) >= number:
                conn.execute("COMMIT")
                continue
            if number == 1:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
            migration(db)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (number, migration.__name__.lstrip("_"), now_iso()),
            )
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


# --------------------------------------------------------------------------- opening


def _sqlite_fold(value: object) -> str | None:
    if value is None:
        return None
    return fold(str(value))


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        uri = path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10.0)
    else:
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
    conn.create_function("govnews_fold", 1, _sqlite_fold, deterministic=True)
    return conn


def _check_path(path: Path, readonly: bool) -> None:
    if path.is_dir():
        raise UserError(f"{path} is a directory, not an archive file")
    if not path.exists():
        if readonly:
            raise UserError(f"no archive at {path}; run `govnews crawl` first")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise UserError(f"cannot create archive {path}: directory {parent} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UserError(f"cannot create archive {path}: directory {parent} is not writable")
        return
    if not path.is_file():
        raise UserError(f"{path} is not a regular file")
    if not os.access(path, os.R_OK):
        raise UserError(f"cannot read archive {path}: permission denied")
    if not readonly and not os.access(path, os.W_OK):
        raise UserError(f"cannot write archive {path}: permission denied")
    if path.stat().st_size:
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise UserError(f"{path} is not a SQLite database")


def open_db(path: str | os.PathLike, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (and for writers create/migrate) the archive at ``path``.

    ``readonly=True`` never creates the file and opens it with ``mode=ro``; an archive whose
    schema is older than this code is migrated first through a short read-write connection.
    Any unusable path raises :class:`govnews.errors.UserError` with a one-line message.
    """
    path = Path(path).expanduser()
    _check_path(path, readonly)
    try:
        if readonly:
            conn = _connect(path, readonly=True)
            try:
                version = _user_version(conn)
                if version == 0 and path.stat().st_size == 0:
                    raise UserError(f"{path} is an empty file, not a govnews archive")
                if version != SCHEMA_VERSION:
                    conn.close()
                    if not os.access(path, os.W_OK):
                        raise UserError(
                            f"archive {path} needs a schema upgrade but is not writable"
                        )
                    open_db(path).close()
                    conn = _connect(path, readonly=True)
                for pragma in ("busy_timeout=10000", "foreign_keys=ON", "query_only=ON"):
                    conn.execute(f"PRAGMA {pragma}")
            except BaseException:
                conn.close()
                raise
            return sqlite_utils.Database(conn)
        conn = _connect(path, readonly=False)
        try:
            conn.execute("PRAGMA busy_timeout=10000")
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise UserError(f"cannot switch archive {path} to WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            db = sqlite_utils.Database(conn)
            _migrate(db, path)
        except BaseException:
            conn.close()
            raise
        return db
    except UserError:
        raise
    except sqlite3.DatabaseError as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UserError(f"cannot open archive {path}: {msg}") from e


# --------------------------------------------------------------------------- sites

SITE_COLUMNS = (
    "name",
    "base_url",
    "platform",
    "sname",
    "sid",
    "agency",
    "province_before",
    "province_after",
    "status",
    "status_note",
)


def _site_value(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def sync_sites(db: sqlite_utils.Database, rows: Iterable[dict]) -> int:
    """Upsert registry rows (plain dicts with the ``crawler/sites.csv`` columns) into ``sites``.

    Empty strings become NULL, unknown keys are ignored, ``updated_at`` changes only when a
    value changed.  Sites missing from ``rows`` are kept (articles still refer to them).
    Returns the number of rows given.  Runs in one transaction.
    """
    cols = ", ".join(("id",) + SITE_COLUMNS + ("updated_at",))
    marks = ", ".join("?" for _ in range(len(SITE_COLUMNS) + 2))
    sets = ", ".join(f"{c} = excluded.{c}" for c in SITE_COLUMNS + ("updated_at",))
    changed = " OR ".join(f"sites.{c} IS NOT excluded.{c}" for c in SITE_COLUMNS)
    sql = (
        f"INSERT INTO sites ({cols}) VALUES ({marks}) "
        f"ON CONFLICT(id) DO UPDATE SET {sets} WHERE {changed}"
    )
    stamp = now_iso()
    params = []
    for row in rows:
        site_id = _site_value(row.get("id"))
        if not site_id:
            raise ValueError(f"site row without id: {row!r}")
        params.append((site_id, *(_site_value(row.get(c)) for c in SITE_COLUMNS), stamp))
    with db.atomic():
        db.conn.executemany(sql, params)
    return len(params)
