"""Writing to the archive from the crawler without blocking the Twisted reactor.

:class:`ArchiveWriter` owns ONE background thread with its own SQLite connection.  ``put_*``
calls validate their arguments, hash the raw body (sha1, cheap) and enqueue; the thread
compresses raw bodies (``archive/rawcodec.py``: Zstandard), folds text for the FTS index and commits in batches
(``batch_size`` items or ``flush_seconds`` after the first queued item, whichever comes first),
one short transaction per batch.  An article row, its FTS row and its view_counts row are always
in the same transaction, so a process killed at any moment (kill -9) leaves a consistent
archive; re-putting the same items after a restart creates no duplicates (unique keys + upserts).

Synchronous calls (``start_crawl``, ``sync_sites``, ``archived_ids``, ``finish_crawl``) are
executed on the writer thread too, after everything queued before them: there is one writer
connection, so no SQLITE_BUSY between our own connections.

A write error on the thread is kept and re-raised (as :class:`ArchiveWriteError`, chained to the
original) by the next ``put_*``/``finish_crawl``/``close``; once failed the writer drops further
items.  Timestamps (``fetched_at``, ``observed_at``) may be ISO strings with ``Z`` or an offset,
or aware datetimes; they are stored as UTC ``YYYY-MM-DDTHH:MM:SSZ`` (naive = UTC).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archive import failures, rawcodec
from archive.db import now_iso, open_db, sync_sites
from archive.fold import fold
from archive.history import CONTACT_FIELDS, write_contact
from archive.search_index import has_meta, write_fts

__all__ = ["ArchiveWriter", "ArchiveWriteError", "body_hash", "content_hash", "KEPT_HEADERS"]

#: The response headers kept in ``pages.headers``.
KEPT_HEADERS = ("content-type", "last-modified", "etag", "content-encoding", "location")
CRAWL_STATUSES = ("running", "finished", "interrupted", "failed")
COUNTER_KEYS = ("new_articles", "updated_articles", "unchanged_articles", "pages", "errors")


class ArchiveWriteError(RuntimeError):
    """The writer thread failed to write; the original exception is ``__cause__``."""


def body_hash(body: bytes) -> str:
    """sha1 hex of the raw body bytes: the key of ``raw_bodies``."""
    return hashlib.sha1(body).hexdigest()


def content_hash(data: Mapping[str, Any]) -> str:
    """sha1 of title/lead/body_text/published_at: decides 'updated' versus 'unchanged'."""
    parts = [data.get(k) or "" for k in ("title", "lead", "body_text", "published_at")]
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _utc_iso(value: str | datetime | None) -> str:
    if value is None:
        return now_iso()
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"not an ISO timestamp: {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _header_value(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        if not value:
            return None
        value = (
            value[0]
            if len(value) == 1
            else b", ".join(v if isinstance(v, bytes) else str(v).encode("latin-1") for v in value)
        )
    return _text(value)


def _kept_headers(headers: Mapping | Iterable | None) -> dict[str, str]:
    """Lower-cased subset of ``headers`` (a dict, Scrapy ``Headers`` or (k, v) pairs)."""
    if not headers:
        return {}
    items = headers.items() if hasattr(headers, "items") else headers
    out: dict[str, str] = {}
    for key, value in items:
        name = _text(key).strip().lower()
        if name in KEPT_HEADERS:
            text = _header_value(value)
            if text is not None:
                out[name] = text
    return out


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def article_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The extracted fields of an article as the ``articles`` table stores them (text cleaned,
    lists as JSON, view count as int): one mapping for the writer and for re-extraction."""
    return {
        "title": _text(data.get("title")),
        "lead": _text(data.get("lead")),
        "body_text": _text(data.get("body_text")),
        "body_html": _text(data.get("body_html")),
        "published_at": _text(data.get("published_at")),
        "author": _text(data.get("author")),
        "category": _text(data.get("category")),
        "images": _json(data.get("images") or []),
        "attachments": _json(data.get("attachments") or []),
        "view_count": _int(data.get("view_count")),
    }


@dataclass
class _Call:
    """A synchronous request run on the writer thread."""

    fn: Any
    args: tuple = ()
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


_STOP = object()


class ArchiveWriter:
    """Batched, single-thread writer of one archive file; see the module docstring."""

    def __init__(
        self, path: str | os.PathLike, batch_size: int = 100, flush_seconds: float = 1.0
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.path = path
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(COUNTER_KEYS, 0)
        self._crawl_counts: dict[int, dict[str, int]] = {}
        self._seen: dict[int, set[int]] = {}  # crawl_id -> article rowids counted this crawl
        self._open_crawls: set[int] = set()
        self._error: BaseException | None = None
        self._error_reported = False
        self._closed = False
        # Open (create/migrate) on the caller thread so a bad path fails here, as a UserError.
        self._db = open_db(path)
        self._conn = self._db.conn
        self._fts_meta = has_meta(self._conn)  # once: a pragma per article costs ~0.2 ms
        self._thread = threading.Thread(
            target=self._run, name="govnews-archive-writer", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ public API

    @property
    def counts(self) -> dict[str, int]:
        """Counters of committed writes (for the most recent crawl), as a fresh dict."""
        with self._lock:
            return dict(self._counts)

    def start_crawl(self, sites: Iterable[str] = (), options: Mapping | None = None) -> int:
        """Insert a ``crawls`` row with status 'running'; returns its id."""
        crawl_id = self._call(self._do_start_crawl, list(sites), dict(options or {}))
        with self._lock:
            self._open_crawls.add(crawl_id)
            self._crawl_counts[crawl_id] = dict.fromkeys(COUNTER_KEYS, 0)
            self._counts = self._crawl_counts[crawl_id]
        return crawl_id

    def sync_sites(self, rows: Iterable[Mapping]) -> int:
        """Upsert registry rows (plain dicts) into ``sites``; see :func:`archive.db.sync_sites`."""
        return self._call(sync_sites, self._db, [dict(r) for r in rows])

    def archived_ids(self, site: str) -> set[str]:
        """article_ids already archived for ``site`` (including items queued before this call)."""
        return self._call(self._do_archived_ids, site)

    def put_page(
        self,
        *,
        crawl_id: int | None,
        url: str,
        final_url: str | None = None,
        status: int | None = None,
        headers: Mapping | None = None,
        body: bytes | None = None,
        fetched_at: str | datetime | None = None,
    ) -> str | None:
        """Queue one fetch; returns the body hash (pass it as ``raw_hash`` to put_article)."""
        self._check()
        if body is not None and not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError("body must be bytes")
        body = bytes(body) if body is not None else None
        digest = body_hash(body) if body is not None else None
        kept = _kept_headers(headers)
        row = (
            crawl_id,
            str(url),
            str(final_url) if final_url else None,
            _int(status),
            kept.get("content-type"),
            _json(kept) if kept else None,
            _utc_iso(fetched_at),
            digest,
        )
        self._queue.put(("page", row, body))
        return digest

    def put_article(
        self,
        *,
        crawl_id: int | None,
        site: str,
        article_id: str | int,
        url: str,
        data: Mapping[str, Any],
        raw_hash: str | None = None,
        fetched_at: str | datetime | None = None,
    ) -> None:
        """Queue one extracted article (the ``extract_full()`` dict) for upsert."""
        self._check()
        if not site or article_id is None or str(article_id) == "" or not url:
            raise ValueError("put_article needs site, article_id and url")
        item = {
            "crawl_id": crawl_id,
            "site": str(site),
            "article_id": str(article_id),
            "url": str(url),
            **article_fields(data),
            "content_hash": content_hash(data),
            "raw_hash": raw_hash,
            "fetched_at": _utc_iso(fetched_at),
        }
        self._queue.put(("article", item, None))

    def put_site_snapshot(
        self,
        *,
        crawl_id: int | None,
        site: str,
        observed_at: str | datetime | None = None,
        contact: Mapping[str, Any] | None = None,
        counter: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue the contact block / visitor counter seen on a site (one row per site+crawl)."""
        self._check()
        contact = contact or {}
        counter = counter or {}
        row = (
            str(site),
            crawl_id,
            _utc_iso(observed_at),
            _text(contact.get("agency")),
            _text(contact.get("address")),
            _json(contact.get("phones") or []),
            _json(contact.get("fax") or []),
            _json(contact.get("emails") or []),
            _text(contact.get("editor")),
            _text(contact.get("licence")),
            *(_int(counter.get(k)) for k in ("online", "today", "week", "month", "total")),
        )
        self._queue.put(("snapshot", row, None))

    def put_removal(
        self,
        *,
        crawl_id: int | None,
        site: str,
        article_id: str | int,
        reason: str,
        observed_at: str | datetime | None = None,
    ) -> None:
        """Queue evidence that an archived article is gone (e.g. ``"HTTP 404"``).  Marks it
        removed (first time only; content kept); unknown articles are ignored."""
        self._check()
        row = (crawl_id, str(site), str(article_id), str(reason), _utc_iso(observed_at))
        self._queue.put(("removal", row, None))

    def put_list_walk(
        self,
        *,
        crawl_id: int | None,
        site: str,
        catid: str | int,
        article_ids: Iterable[str | int],
        pages: int,
        complete: bool,
        observed_at: str | datetime | None = None,
    ) -> None:
        """Queue the article ids listed by one category's list pages in this crawl.
        ``complete`` means every list page was read successfully: only then can an article
        missing from the list be marked removed (by :meth:`finish_crawl`)."""
        self._check()
        row = {
            "crawl_id": crawl_id,
            "site": str(site),
            "catid": str(catid),
            "ids": sorted({str(i) for i in article_ids}),
            "pages": int(pages),
            "complete": bool(complete),
            "at": _utc_iso(observed_at),
        }
        self._queue.put(("listwalk", row, None))

    def put_failure(self, *, crawl_id: int | None, url: str, site: str | None,
                    article_id: str | None, kind: str, reason: str | None,
                    attempts: int = 1) -> None:
        """Queue a request the crawler gave up on (see ``archive/failures.py``)."""
        self._check()
        row = dict(url=str(url), site=site, article_id=None if article_id is None else str(article_id),
                   kind=str(kind), reason=reason, attempts=int(attempts), crawl_id=crawl_id,
                   seen_at=now_iso())
        self._queue.put(("sql", lambda conn: failures.record(conn, **row), None))

    def resolve_failure(self, url: str) -> None:
        """Queue: the request ``url`` succeeded, its open failure (if any) is resolved."""
        self._check()
        when = now_iso()
        self._queue.put(("sql", lambda conn: failures.resolve_url(conn, str(url), when), None))

    def unresolved_failures(self, site: str) -> list[dict]:
        """Open failures of ``site`` (articles archived since are resolved first)."""
        return self._call(failures.unresolved, self._conn, site)

    def failure_summary(self, crawl_id: int) -> dict[str, int]:
        """Open failures recorded by ``crawl_id``, per kind."""
        return self._call(failures.summary, self._conn, crawl_id)

    def flush(self) -> None:
        """Block until everything queued so far is committed."""
        self._call(lambda: None)

    def finish_crawl(
        self,
        crawl_id: int,
        status: str = "finished",
        pages: int | None = None,
        errors: int | None = None,
    ) -> dict[str, int]:
        """Flush, then record end time, status and counts.  ``pages`` defaults to the number of
        pages written for this crawl, ``errors`` to 0.  Returns the crawl's counters."""
        if status not in CRAWL_STATUSES:
            raise ValueError(f"status must be one of {CRAWL_STATUSES}")
        stats = self._call(self._do_finish_crawl, crawl_id, status, pages, errors)
        with self._lock:
            self._open_crawls.discard(crawl_id)
        return stats

    def close(self) -> None:
        """Flush, mark crawls left open as 'interrupted', stop the thread.  Idempotent.

        Re-raises a write error that was not reported yet."""
        if self._closed:
            return
        try:
            if self._error is None and self._thread.is_alive():
                with self._lock:
                    left_open = list(self._open_crawls)
                for crawl_id in left_open:
                    try:
                        self.finish_crawl(crawl_id, status="interrupted")
                    except ArchiveWriteError:
                        break
        finally:
            self._closed = True
            if self._thread.is_alive():
                self._queue.put((_STOP, None, None))
                self._thread.join()
            self._db.close()
        if self._error is not None and not self._error_reported:
            self._error_reported = True
            raise ArchiveWriteError(f"archive write failed: {self._error}") from self._error

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            try:
                self.close()
            except ArchiveWriteError:
                pass  # the original exception is the one to see
        else:
            self.close()

    # ------------------------------------------------------------------ caller-side helpers

    def _check(self) -> None:
        if self._error is not None and not self._error_reported:
            self._error_reported = True
            raise ArchiveWriteError(f"archive write failed: {self._error}") from self._error
        if self._closed:
            raise ArchiveWriteError("archive writer is closed")
        if self._error is not None:
            raise ArchiveWriteError(f"archive writer stopped after an error: {self._error}")

    def _call(self, fn, *args):
        self._check()
        call = _Call(fn, args)
        self._queue.put(("call", call, None))
        while not call.done.wait(0.5):
            if not self._thread.is_alive():
                raise ArchiveWriteError("archive writer thread is not running")
        if call.error is not None:
            if self._error is call.error:
                self._error_reported = True
                raise ArchiveWriteError(f"archive write failed: {call.error}") from call.error
            raise call.error
        return call.result

    # ------------------------------------------------------------------ writer thread

    def _run(self) -> None:
        batch: list[tuple] = []
        deadline = 0.0
        while True:
            timeout = None if not batch else max(0.0, deadline - time.monotonic())
            try:
                kind, payload, extra = self._queue.get(timeout=timeout)
            except queue.Empty:
                self._commit(batch)
                batch = []
                continue
            if kind is _STOP:
                self._commit(batch)
                return
            if kind == "call":
                self._commit(batch)
                batch = []
                if self._error is not None:
                    payload.error = self._error
                else:
                    try:
                        payload.result = payload.fn(*payload.args)
                    except BaseException as e:  # noqa: BLE001 - handed to the caller
                        payload.error = e
                payload.done.set()
                continue
            if self._error is not None:
                continue  # failed: drop data items, keep answering calls
            if not batch:
                deadline = time.monotonic() + self.flush_seconds
            batch.append((kind, payload, extra))
            if len(batch) >= self.batch_size:
                self._commit(batch)
                batch = []

    def _commit(self, batch: list[tuple]) -> None:
        if not batch or self._error is not None:
            return
        conn = self._conn
        delta: dict[int | None, dict[str, int]] = {}
        seen: list[tuple[int, int]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for kind, payload, extra in batch:
                if kind == "page":
                    self._write_page(payload, extra, delta)
                elif kind == "article":
                    self._write_article(payload, delta, seen)
                elif kind == "snapshot":
                    self._write_snapshot(payload)
                elif kind == "sql":  # a function of the connection, e.g. archive.failures
                    payload(conn)
                elif kind == "removal":
                    self._write_removal(payload)
                elif kind == "listwalk":
                    self._write_list_walk(payload)
            conn.execute("COMMIT")
        except BaseException as e:  # noqa: BLE001 - surfaced to the caller by _check()
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            finally:
                self._error = e
            return
        with self._lock:
            for crawl_id, counts in delta.items():
                target = self._crawl_counts.get(crawl_id)
                if target is None:
                    continue
                for key, n in counts.items():
                    target[key] += n
            for crawl_id, rowid in seen:
                self._seen.setdefault(crawl_id, set()).add(rowid)

    @staticmethod
    def _bump(delta: dict, crawl_id: int | None, key: str) -> None:
        counts = delta.setdefault(crawl_id, dict.fromkeys(COUNTER_KEYS, 0))
        counts[key] += 1

    def _write_page(self, row: tuple, body: bytes | None, delta: dict) -> None:
        conn = self._conn
        digest = row[-1]
        if (
            body is not None
            and not conn.execute("SELECT 1 FROM raw_bodies WHERE hash = ?", (digest,)).fetchone()
        ):
            conn.execute(
                "INSERT OR IGNORE INTO raw_bodies (hash, compression, size, data) "
                "VALUES (?, ?, ?, ?)",
                (digest, rawcodec.CODEC, len(body), rawcodec.compress(body)),
            )
        conn.execute(
            "INSERT INTO pages (crawl_id, url, final_url, status, content_type, headers, "
            "fetched_at, body_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        self._bump(delta, row[0], "pages")

    def _write_article(self, a: dict, delta: dict, seen: list) -> None:
        conn = self._conn
        crawl_id = a["crawl_id"]
        existing = conn.execute(
            "SELECT id, content_hash, last_crawl_id, version, removed_at FROM articles "
            "WHERE site = ? AND article_id = ?",
            (a["site"], a["article_id"]),
        ).fetchone()
        params = dict(a, id=None)
        if existing is None:
            cur = conn.execute(
                "INSERT INTO articles (site, article_id, url, title, lead, body_text, body_html, "
                "published_at, author, category, view_count, images, attachments, content_hash, "
                "raw_hash, first_seen_at, last_fetched_at, first_crawl_id, last_crawl_id, "
                "version) "
                "VALUES (:site, :article_id, :url, :title, :lead, :body_text, :body_html, "
                ":published_at, :author, :category, :view_count, :images, :attachments, "
                ":content_hash, :raw_hash, :fetched_at, :fetched_at, :crawl_id, :crawl_id, 1)",
                params,
            )
            rowid = cur.lastrowid
            self._write_version(rowid, 1, a)
            self._write_fts(rowid, a, replace=False)
            self._bump(delta, crawl_id, "new_articles")
        else:
            rowid, old_hash, last_crawl, version, removed_at = existing
            params["id"] = rowid
            if removed_at is not None:
                self._write_event(rowid, crawl_id, a["fetched_at"], "restored", "fetched again")
                conn.execute(
                    "UPDATE articles SET removed_at = NULL, removed_reason = NULL WHERE id = ?",
                    (rowid,),
                )
            if old_hash != a["content_hash"]:
                version = (version or 0) + 1
                self._write_version(rowid, version, a)
                conn.execute("UPDATE articles SET version = ? WHERE id = ?", (version, rowid))
                conn.execute(
                    "UPDATE articles SET url = :url, title = :title, lead = :lead, "
                    "body_text = :body_text, body_html = :body_html, "
                    "published_at = :published_at, author = :author, category = :category, "
                    "view_count = COALESCE(:view_count, view_count), images = :images, "
                    "attachments = :attachments, content_hash = :content_hash, "
                    "raw_hash = COALESCE(:raw_hash, raw_hash), last_fetched_at = :fetched_at, "
                    "last_crawl_id = COALESCE(:crawl_id, last_crawl_id) WHERE id = :id",
                    params,
                )
                self._write_fts(rowid, a, replace=True)
                self._bump(delta, crawl_id, "updated_articles")
            else:
                conn.execute(
                    "UPDATE articles SET view_count = COALESCE(?, view_count), "
                    "last_fetched_at = ?, last_crawl_id = COALESCE(?, last_crawl_id) "
                    "WHERE id = ?",
                    (a["view_count"], a["fetched_at"], crawl_id, rowid),
                )
                conn.execute(
                    "UPDATE article_versions SET last_seen_at = ?, "
                    "last_crawl_id = COALESCE(?, last_crawl_id) WHERE article = ? AND version = ?",
                    (a["fetched_at"], crawl_id, rowid, version),
                )
                already = crawl_id is not None and (
                    last_crawl == crawl_id
                    and (rowid in self._seen.get(crawl_id, ()) or (crawl_id, rowid) in seen)
                )
                if not already:
                    self._bump(delta, crawl_id, "unchanged_articles")
        seen.append((crawl_id, rowid))
        if a["view_count"] is not None:
            conn.execute(
                "INSERT OR IGNORE INTO view_counts (article, crawl_id, observed_at, view_count) "
                "VALUES (?, ?, ?, ?)",
                (rowid, crawl_id, a["fetched_at"], a["view_count"]),
            )

    def _write_fts(self, rowid: int, a: dict, *, replace: bool) -> None:
        fields = (fold(a["title"]), fold(a["lead"]), fold(a["body_text"]))
        write_fts(self._conn, rowid, *fields, replace=replace, meta=self._fts_meta)

    def _write_snapshot(self, row: tuple) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO site_snapshots (site, crawl_id, observed_at, agency, address, "
            "phones, fax, emails, editor, licence, online, today, week, month, total) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        contact = dict(zip(CONTACT_FIELDS, row[3:10], strict=True))
        if any(v not in (None, "", "[]") for v in contact.values()):
            write_contact(self._conn, row[0], row[1], row[2], contact)

    def _write_version(self, rowid: int, version: int, a: dict) -> None:
        self._conn.execute(
            "INSERT OR IGNORE INTO article_versions (article, version, content_hash, title, lead, "
            "body_text, published_at, author, category, images, attachments, raw_hash, "
            "first_seen_at, last_seen_at, first_crawl_id, last_crawl_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rowid, version, a["content_hash"], a["title"], a["lead"], a["body_text"],
             a["published_at"], a["author"], a["category"], a["images"], a["attachments"],
             a["raw_hash"], a["fetched_at"], a["fetched_at"], a["crawl_id"], a["crawl_id"]),
        )

    def _write_event(
        self, rowid: int, crawl_id: int | None, at: str, event: str, reason: str
    ) -> None:
        self._conn.execute(
            "INSERT INTO article_events (article, crawl_id, observed_at, event, reason) "
            "VALUES (?, ?, ?, ?, ?)",
            (rowid, crawl_id, at, event, reason),
        )

    def _mark_removed(self, rowid: int, crawl_id: int | None, at: str, reason: str) -> None:
        cur = self._conn.execute(
            "UPDATE articles SET removed_at = ?, removed_reason = ? "
            "WHERE id = ? AND removed_at IS NULL",
            (at, reason, rowid),
        )
        if cur.rowcount:
            self._write_event(rowid, crawl_id, at, "removed", reason)

    def _write_removal(self, row: tuple) -> None:
        crawl_id, site, article_id, reason, at = row
        hit = self._conn.execute(
            "SELECT id FROM articles WHERE site = ? AND article_id = ?", (site, article_id)
        ).fetchone()
        if hit:
            self._mark_removed(hit[0], crawl_id, at, reason)

    def _write_list_walk(self, w: dict) -> None:
        conn = self._conn
        conn.execute(
            "INSERT OR REPLACE INTO list_walks (crawl_id, site, catid, pages, articles, complete, "
            "walked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (w["crawl_id"], w["site"], w["catid"], w["pages"], len(w["ids"]), int(w["complete"]),
             w["at"]),
        )
        conn.executemany(
            "INSERT INTO article_lists (site, article_id, catid, first_crawl_id, last_crawl_id, "
            "last_seen_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site, article_id, catid) "
            "DO UPDATE SET last_crawl_id = excluded.last_crawl_id, "
            "last_seen_at = excluded.last_seen_at",
            [(w["site"], i, w["catid"], w["crawl_id"], w["crawl_id"], w["at"]) for i in w["ids"]],
        )

    def _mark_list_removals(self, crawl_id: int) -> int:
        """Articles listed before, now missing from every one of their category lists, each of
        which was walked completely in this crawl, and not fetched successfully in it."""
        rows = self._conn.execute(
            "SELECT a.id, group_concat(l.catid) FROM articles a "
            "JOIN article_lists l ON l.site = a.site AND l.article_id = a.article_id "
            "WHERE a.removed_at IS NULL AND a.last_crawl_id IS NOT ? "
            "AND a.site IN (SELECT site FROM list_walks WHERE crawl_id = ? AND complete = 1) "
            "GROUP BY a.id "
            "HAVING sum(l.last_crawl_id IS ?) = 0 AND sum(NOT EXISTS ("
            "  SELECT 1 FROM list_walks w WHERE w.crawl_id = ? AND w.site = l.site "
            "  AND w.catid = l.catid AND w.complete = 1)) = 0",
            (crawl_id, crawl_id, crawl_id, crawl_id),
        ).fetchall()
        at = now_iso()
        for rowid, catids in rows:
            self._mark_removed(rowid, crawl_id, at, f"gone from list (catid {catids})")
        return len(rows)

    # ------------------------------------------------------------------ synchronous calls

    def _do_start_crawl(self, sites: list[str], options: dict) -> int:
        with self._db.atomic():
            cur = self._conn.execute(
                "INSERT INTO crawls (started_at, sites, options, status, pages, new_articles, "
                "updated_articles, unchanged_articles, errors) "
                "VALUES (?, ?, ?, 'running', 0, 0, 0, 0, 0)",
                (now_iso(), _json(sites), json.dumps(options, ensure_ascii=False, default=str)),
            )
        return cur.lastrowid

    def _do_archived_ids(self, site: str) -> set[str]:
        # Removed articles are left out: if a link to one shows up again, it is fetched again
        # (and marked restored when the page answers).
        rows = self._conn.execute(
            "SELECT article_id FROM articles WHERE site = ? AND removed_at IS NULL", (site,)
        )
        return {r[0] for r in rows}

    def _do_finish_crawl(
        self, crawl_id: int, status: str, pages: int | None, errors: int | None
    ) -> dict[str, int]:
        with self._lock:
            counts = self._crawl_counts.setdefault(crawl_id, dict.fromkeys(COUNTER_KEYS, 0))
            if pages is not None:
                counts["pages"] = int(pages)
            counts["errors"] = int(errors or 0)
            stats = dict(counts)
        with self._db.atomic():
            if status == "finished":  # removals are recorded as article_events rows
                self._mark_list_removals(crawl_id)
            cur = self._conn.execute(
                "UPDATE crawls SET finished_at = ?, status = ?, pages = ?, new_articles = ?, "
                "updated_articles = ?, unchanged_articles = ?, errors = ? WHERE id = ?",
                (
                    now_iso(),
                    status,
                    stats["pages"],
                    stats["new_articles"],
                    stats["updated_articles"],
                    stats["unchanged_articles"],
                    stats["errors"],
                    crawl_id,
                ),
            )
        if cur.rowcount != 1:
            raise ValueError(f"no crawl with id {crawl_id}")
        self._seen.pop(crawl_id, None)
        return stats
