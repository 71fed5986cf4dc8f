"""Re-run today's extractor over the stored raw pages: no network, versions kept honest.

Why: extractors improve (or get fixed after a bug) long after a portal went offline; the raw
pages are the evidence, the extracted rows are only our current reading of them.

How (fast on 2 cores):

* the parent reads only ids and hashes up front: which article versions, article rows and
  view-count observations come from which raw body (``raw_hash`` / ``pages.body_hash``);
* every *distinct* body is extracted once (content addressing: identical pages cost nothing),
  by a ``multiprocessing`` pool whose workers read the compressed raw pages and the stored rows
  of a batch themselves (own read-only connection, one query per table per batch), compare, and
  send back only the differences: for the usual page, that nothing changed;
* the parent writes the corrections in short batched transactions (a crawl writing at the same
  time waits at most one batch); a row is only corrected if it still holds the raw page and
  content hash the worker compared with (a crawl may have refetched it meanwhile).

Rule: a re-extraction is **not** a new published version.  A version's fields (and content hash)
are corrected in place; every corrected value is logged in ``extraction_changes`` with the
``reextract_runs`` row of this run.  Observations are never deleted: a view count that today's
extractor cannot read is left as observed.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from archive.db import now_iso, open_db
from archive.fold import fold
from archive.history import VERSION_FIELDS
from archive.rawcodec import decompress
from archive.search_index import has_meta, write_fts
from archive.store import article_fields, content_hash

__all__ = ["reextract", "extract_fields", "ARTICLE_FIELDS"]

#: Fields of the ``articles`` row re-extracted (the version fields plus these).
ARTICLE_FIELDS = (*VERSION_FIELDS, "body_html")
BATCH = 64
WRITE_EVERY = 500


def extract_fields(body: bytes, url: str, content_type: str | None) -> dict[str, Any]:
    """The archive's representation of today's extraction of one page (as the writer stores
    it: JSON lists, ints), plus ``view_count`` and ``content_hash``."""
    from crawler.extract import extract_full

    headers = {"content-type": content_type} if content_type else None
    data = extract_full(body, url, headers, site_wide=False)  # contact/counter are not compared
    out = article_fields(data)
    out["content_hash"] = content_hash(data)
    return out


# --------------------------------------------------------------------------- workers

_worker_conn: sqlite3.Connection | None = None


_batches = 0


def _worker_init(path: str, own_process: bool = True) -> None:
    global _worker_conn
    _worker_conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    if own_process:
        # Extraction allocates hundreds of thousands of short-lived objects per batch; the
        # automatic collector would run every 700 of them and rescan the extractor's caches
        # (about a tenth of a worker's CPU).  Nothing here needs it: collect per batch instead.
        gc.freeze()
        gc.disable()


def _collect() -> None:
    """Between batches, with automatic collection off: the young objects every time (the
    extractor makes few reference cycles), everything now and then."""
    global _batches
    if gc.isenabled():
        return
    _batches += 1
    gc.collect() if _batches % 32 == 0 else gc.collect(0)


#: a body's work item: (hash, url, content type, version row ids, article row ids)
Item = tuple[str, str, "str | None", tuple[int, ...], tuple[int, ...]]
_CHUNK = 500  # ids per ``IN (...)`` query


def _rows(sql: str, ids: list) -> dict:
    """``{id: row}`` of ``sql`` (which selects ``id, ...`` ``WHERE id IN ({})``)."""
    assert _worker_conn is not None
    out: dict = {}
    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        for row in _worker_conn.execute(sql.format(",".join("?" * len(part))), part):
            out[row[0]] = row[1:]
    return out


_VERSION_SQL = (f"SELECT id, article, version, content_hash, {', '.join(VERSION_FIELDS)} "
                "FROM article_versions WHERE id IN ({})")
_ARTICLE_SQL = (f"SELECT id, version, content_hash, {', '.join(ARTICLE_FIELDS)} "
                "FROM articles WHERE id IN ({})")
_FTS_FIELDS = {"title", "lead", "body_text"}


def _extract_batch(batch: list[Item]) -> list[tuple[str, tuple | None]]:
    """Worker: read, inflate, extract and compare a batch of bodies.  Per body: None (raw page
    gone) or ``(records, view_count, version_fixes, article_fixes)`` (see :func:`_compare`)."""
    assert _worker_conn is not None
    _collect()
    blobs = {
        digest: (codec, data)
        for digest, codec, data in _worker_conn.execute(
            f"SELECT hash, compression, data FROM raw_bodies WHERE hash IN "
            f"({','.join('?' * len(batch))})",
            [item[0] for item in batch],
        )
    }
    versions = _rows(_VERSION_SQL, [v for item in batch for v in item[3]])
    articles = _rows(_ARTICLE_SQL, [a for item in batch for a in item[4]])
    out = []
    for digest, url, ctype, vids, aids in batch:
        blob = blobs.get(digest)
        if blob is None:
            out.append((digest, None))
            continue
        new = extract_fields(decompress(blob[1], blob[0]), url, ctype)
        out.append((digest, _compare(new, vids, aids, versions, articles)))
    return out


def _compare(new: dict, vids, aids, versions: dict, articles: dict) -> tuple:
    """``(records, view_count, version_fixes, article_fixes)`` of one body's re-extraction.

    ``version_fixes``: ``(id, article, version, old content hash, [(field, old, new)], new
    values of VERSION_FIELDS + content_hash)``; ``article_fixes``: ``(id, version, old content
    hash, body_html changed, new values of ARTICLE_FIELDS + content_hash, folded FTS text or
    None)``.  Rows deleted since the plan are skipped."""
    records = 0
    vfix, afix = [], []
    chash = new["content_hash"]
    for vid in vids:
        row = versions.get(vid)
        if row is None:
            continue
        records += 1
        article, version, old_hash, *old = row
        diff = [(f, o, new[f]) for f, o in zip(VERSION_FIELDS, old, strict=True) if o != new[f]]
        if diff or old_hash != chash:
            vfix.append((vid, article, version, old_hash, diff,
                         (*(new[f] for f in VERSION_FIELDS), chash)))
    for aid in aids:
        row = articles.get(aid)
        if row is None:
            continue
        records += 1
        version, old_hash, *old = row
        diff = {f for f, o in zip(ARTICLE_FIELDS, old, strict=True) if o != new[f]}
        if diff or old_hash != chash:
            fts = ((fold(new["title"]), fold(new["lead"]), fold(new["body_text"]))
                   if diff & _FTS_FIELDS else None)
            afix.append((aid, version, old_hash, "body_html" in diff,
                         (*(new[f] for f in ARTICLE_FIELDS), chash), fts))
    return records, new["view_count"], vfix, afix


# --------------------------------------------------------------------------- plan


def _where(site: str | None, since: str | None, site_col: str, time_col: str) -> tuple[str, list]:
    sql, params = "", []
    if site:
        sql += f" AND {site_col} = ?"
        params.append(site)
    if since:
        sql += f" AND {time_col} >= ?"
        params.append(since)
    return sql, params


def _plan(conn: sqlite3.Connection, site: str | None, since: str | None) -> dict[str, dict]:
    """hash -> {url, ctype, versions: [version row ids], articles: [ids], views: [(article,
    crawl_id, fetched_at)]}."""
    plan: dict[str, dict] = {}

    def slot(digest: str, url: str, ctype: str | None) -> dict:
        s = plan.get(digest)
        if s is None:
            s = plan[digest] = {"url": url, "ctype": ctype, "versions": [], "articles": [],
                                "views": []}
        return s

    ctypes: dict[str, str | None] = {}
    w, p = _where(site, since, "a.site", "p.fetched_at")
    for aid, url, crawl_id, fetched_at, digest, ctype in conn.execute(
        "SELECT a.id, a.url, p.crawl_id, p.fetched_at, p.body_hash, p.content_type "
        "FROM pages p JOIN articles a ON a.url = p.url "
        f"WHERE p.status = 200 AND p.body_hash IS NOT NULL{w}", p
    ):
        ctypes[digest] = ctype
        if crawl_id is not None:
            slot(digest, url, ctype)["views"].append((aid, crawl_id, fetched_at))
    w, p = _where(site, since, "a.site", "v.last_seen_at")
    for vid, digest, url in conn.execute(
        "SELECT v.id, v.raw_hash, a.url FROM article_versions v JOIN articles a ON a.id = v.article "
        f"WHERE v.raw_hash IS NOT NULL{w}", p
    ):
        slot(digest, url, ctypes.get(digest))["versions"].append(vid)
    w, p = _where(site, since, "a.site", "a.last_fetched_at")
    for aid, digest, url in conn.execute(
        f"SELECT a.id, a.raw_hash, a.url FROM articles a WHERE a.raw_hash IS NOT NULL{w}", p
    ):
        slot(digest, url, ctypes.get(digest))["articles"].append(aid)
    return plan


# --------------------------------------------------------------------------- apply


class _Applier:
    """Writes the corrections the workers found, and the view counts (parent process)."""

    def __init__(self, conn: sqlite3.Connection, run_id: int) -> None:
        self.conn = conn
        self.run_id = run_id
        self.changed: dict[str, set[int]] = {}  # field -> article ids
        self.records = 0
        self.view_articles: set[int] = set()
        self.meta = has_meta(conn)

    def _note(self, field: str, article: int) -> None:
        self.changed.setdefault(field, set()).add(article)

    def _log(self, article: int, version: int | None, field: str, old: Any, new: Any) -> None:
        self.conn.execute(
            "INSERT INTO extraction_changes (run_id, article, version, field, old_value, "
            "new_value) VALUES (?, ?, ?, ?, ?, ?)",
            (self.run_id, article, version, field, old, new),
        )

    def apply(self, digest: str, slot: dict, result: tuple) -> None:
        conn = self.conn
        records, count, vfix, afix = result
        self.records += records
        vsets = ", ".join(f"{f} = ?" for f in VERSION_FIELDS)
        for vid, article, version, old_hash, diff, values in vfix:
            cur = conn.execute(
                f"UPDATE article_versions SET {vsets}, content_hash = ? "
                "WHERE id = ? AND raw_hash = ? AND content_hash IS ?",
                (*values, vid, digest, old_hash),
            )
            if cur.rowcount:
                for f, o, n in diff:
                    self._note(f, article)
                    self._log(article, version, f, o, n)
        asets = ", ".join(f"{f} = ?" for f in ARTICLE_FIELDS)
        for aid, version, old_hash, html_changed, values, fts in afix:
            cur = conn.execute(
                f"UPDATE articles SET {asets}, content_hash = ? "
                "WHERE id = ? AND raw_hash = ? AND content_hash IS ?",
                (*values, aid, digest, old_hash),
            )
            if not cur.rowcount:
                continue
            if html_changed:  # the other fields are logged with their version row
                self._note("body_html", aid)
                self._log(aid, version, "body_html", None, None)
            if fts is not None:
                write_fts(conn, aid, *fts, replace=True, meta=self.meta)
        if count is None:
            return  # never delete an observation
        for aid, crawl_id, fetched_at in slot["views"]:
            old = conn.execute(
                "SELECT view_count FROM view_counts WHERE article = ? AND crawl_id = ?",
                (aid, crawl_id),
            ).fetchone()
            if old is not None and old[0] == count:
                continue
            self._note("view_count", aid)
            self._log(aid, None, "view_count", None if old is None else str(old[0]), str(count))
            conn.execute(
                "INSERT INTO view_counts (article, crawl_id, observed_at, view_count) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (article, crawl_id) "
                "DO UPDATE SET view_count = excluded.view_count",
                (aid, crawl_id, fetched_at, count),
            )
            self.view_articles.add(aid)

    def finish_views(self) -> None:
        """``articles.view_count`` is the latest observation: recompute where the series moved."""
        self.conn.executemany(
            "UPDATE articles SET view_count = (SELECT view_count FROM view_counts "
            "WHERE article = articles.id ORDER BY observed_at DESC, crawl_id DESC LIMIT 1) "
            "WHERE id = ?",
            [(a,) for a in self.view_articles],
        )


# --------------------------------------------------------------------------- run


def _results(path: str, work: list[Item], workers: int) -> Iterable[list[tuple[str, tuple | None]]]:
    batches = [work[i : i + BATCH] for i in range(0, len(work), BATCH)]
    if workers <= 1 or len(batches) <= 1:
        _worker_init(path, own_process=False)
        enabled = gc.isenabled()
        gc.disable()  # as in the workers (see _worker_init)
        try:
            for b in batches:
                yield _extract_batch(b)
        finally:
            if enabled:
                gc.enable()
        return
    method = "fork" if sys.platform.startswith("linux") else None
    if method == "fork":
        import crawler.extract  # noqa: F401  (imported once here, inherited by every worker)
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(workers, initializer=_worker_init, initargs=(path,)) as pool:
        yield from pool.imap_unordered(_extract_batch, batches)


def reextract(
    path: str | os.PathLike,
    *,
    site: str | None = None,
    since: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Re-extract stored article pages of the archive at ``path`` (see the module docstring).

    ``since`` is an ISO date/time (UTC): only pages fetched, versions seen and articles fetched
    on or after it.  Returns ``{run_id, pages, bodies, records, changed_records,
    changed_fields: {field: n}, seconds, bodies_per_second}``: ``pages`` = page fetches covered,
    ``bodies`` = distinct raw bodies extracted, counts of changes are article records."""
    started = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    db = open_db(path)
    conn = db.conn
    try:
        plan = _plan(conn, site, since)
        pages = sum(len(s["views"]) for s in plan.values())  # page fetches covered
        cur = conn.execute(
            "INSERT INTO reextract_runs (started_at, options, status) VALUES (?, ?, 'running')",
            (now_iso(), json.dumps({"site": site, "since": since, "workers": workers})),
        )
        run_id = cur.lastrowid
        conn.commit()
        applier = _Applier(conn, run_id)
        work = [(h, s["url"], s["ctype"], tuple(s["versions"]), tuple(s["articles"]))
                for h, s in plan.items()]
        done = pending = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for batch in _results(str(path), work, workers):
                for digest, result in batch:
                    if result is not None:
                        applier.apply(digest, plan[digest], result)
                done += len(batch)
                pending += len(batch)
                if pending >= WRITE_EVERY:
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
                    pending = 0
                if progress:
                    progress(done, len(work))
            applier.finish_views()
            fields = {f: len(ids) for f, ids in sorted(applier.changed.items())}
            changed = len(set().union(*applier.changed.values())) if applier.changed else 0
            conn.execute(
                "UPDATE reextract_runs SET finished_at = ?, pages = ?, bodies = ?, records = ?, "
                "changed_records = ?, changed_fields = ?, status = 'finished' WHERE id = ?",
                (now_iso(), pages, len(work), applier.records, changed, json.dumps(fields),
                 run_id),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("UPDATE reextract_runs SET status = 'failed' WHERE id = ?", (run_id,))
            conn.commit()
            raise
    finally:
        db.close()
    seconds = time.perf_counter() - started
    return {
        "run_id": run_id,
        "pages": pages,
        "bodies": len(work),
        "records": applier.records,
        "changed_records": changed,
        "changed_fields": fields,
        "seconds": round(seconds, 3),
        "bodies_per_second": round(len(work) / seconds, 1) if seconds > 0 else None,
    }
