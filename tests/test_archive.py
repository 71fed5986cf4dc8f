"""archive.db (open, migrations, sites) and archive.store.ArchiveWriter on real SQLite files."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import zstandard

from archive import db as archive_db
from archive import rawcodec
from archive.db import SCHEMA_VERSION, open_db, resolve_db_path, sync_sites
from archive.fold import fold, nfc
from archive.search import search
from archive.store import ArchiveWriteError, ArchiveWriter, body_hash
from govnews.errors import UserError

ROOT = Path(__file__).resolve().parents[1]

SEED = {
    "title": "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh",
    "lead": "Để nâng cao chỉ số PAPI của tỉnh, thời gian qua Ủy ban nhân dân huyện Châu Thành "
    "đã xây dựng và triển khai thực hiện Kế hoạch cải thiện, nâng cao Chỉ số PAPI.",
    "body_text": "Trong thời gian qua, Ủy ban nhân dân huyện đã cụ thể hóa các văn bản của tỉnh.",
    "body_html": "<p>Trong thời gian qua, Ủy ban nhân dân huyện đã cụ thể hóa các văn bản.</p>",
    "published_at": "2023-07-20T08:15:00+07:00",
    "author": "Minh Tâm",
    "category": "Tin tức - Sự kiện",
    "view_count": 100,
    "images": [{"url": "https://chauthanh.soctrang.gov.vn/Upload/a.jpg", "caption": "Ảnh"}],
    "attachments": [],
}
SEED_URL = "https://chauthanh.soctrang.gov.vn/tin-tuc/397719"


def article(**changes):
    data = dict(SEED)
    data.update(changes)
    return data


def connect(path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def scalar(path, sql, params=()):
    conn = connect(path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


# ------------------------------------------------------------------ fold


def test_fold_is_length_preserving_and_folds_vietnamese():
    samples = ["Thủy lợi Đắk Lắk HOÀ", "thuỷ", "Ủy ban nhân dân", "ĐƯỜNG", "a\u0301\u0302"]
    for s in samples:
        assert len(fold(s)) == len(nfc(s))
    assert fold("Thủy lợi Đắk Lắk HOÀ") == "thuy loi dak lak hoa"
    assert fold("thuỷ") == fold("thủy") == "thuy"
    assert fold("hoà") == fold("hòa") == "hoa"
    import unicodedata

    assert fold(unicodedata.normalize("NFD", "Châu Thành")) == "chau thanh"


# ------------------------------------------------------------------ open_db / migrations


def test_open_creates_schema_and_reopen_is_noop(tmp_path):
    path = tmp_path / "a.db"
    db = open_db(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    for table in (
        "sites",
        "crawls",
        "articles",
        "articles_fts",
        "raw_bodies",
        "pages",
        "view_counts",
        "site_snapshots",
        "schema_migrations",
    ):
        assert db[table].exists(), table
    migrations = list(db.query("SELECT * FROM schema_migrations"))
    assert [m["version"] for m in migrations] == list(range(1, SCHEMA_VERSION + 1))
    assert db.execute("SELECT govnews_fold('Đắk Lắk')").fetchone()[0] == "dak lak"
    db.close()
    schema_before = scalar(path, "SELECT group_concat(sql, ';') FROM sqlite_master")
    db = open_db(path)
    assert list(db.query("SELECT * FROM schema_migrations")) == migrations
    db.close()
    assert scalar(path, "SELECT group_concat(sql, ';') FROM sqlite_master") == schema_before
    ro = open_db(path, readonly=True)
    with pytest.raises(sqlite3.OperationalError):
        ro.execute("INSERT INTO sites (id) VALUES ('x')")
    ro.close()


def test_later_migration_is_applied_once(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    open_db(path).close()
    calls = []

    def m002_extra(db):
        calls.append(1)
        db.execute("CREATE TABLE extra (x INTEGER)")

    current = len(archive_db.MIGRATIONS)
    monkeypatch.setattr(archive_db, "MIGRATIONS", [*archive_db.MIGRATIONS, m002_extra])
    monkeypatch.setattr(archive_db, "SCHEMA_VERSION", len(archive_db.MIGRATIONS))
    # a read-only open of an older archive migrates it first
    db = open_db(path, readonly=True)
    assert db.execute("PRAGMA user_version").fetchone()[0] == current + 1
    assert db["extra"].exists()
    db.close()
    open_db(path).close()
    assert calls == [1]
    assert scalar(path, "SELECT count(*) FROM schema_migrations") == current + 1


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    open_db(path).close()

    def m002_broken(db):
        db.execute("CREATE TABLE half (x INTEGER)")
        raise RuntimeError("boom")

    current = len(archive_db.MIGRATIONS)
    monkeypatch.setattr(archive_db, "MIGRATIONS", [*archive_db.MIGRATIONS, m002_broken])
    monkeypatch.setattr(archive_db, "SCHEMA_VERSION", current + 1)
    with pytest.raises(RuntimeError):
        open_db(path)
    assert scalar(path, "PRAGMA user_version") == current
    assert scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'half'") == 0


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "a.db"
    open_db(path).close()
    conn = connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(UserError, match="newer"):
        open_db(path)


def test_bad_paths(tmp_path):
    with pytest.raises(UserError, match="no archive at"):
        open_db(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(UserError, match="directory"):
        open_db(tmp_path)
    with pytest.raises(UserError, match="directory"):
        open_db(tmp_path, readonly=True)
    with pytest.raises(UserError, match="does not exist"):
        open_db(tmp_path / "nope" / "a.db")
    text = tmp_path / "text.db"
    text.write_text("not sqlite at all, just some text\n" * 5)
    for ro in (False, True):
        with pytest.raises(UserError, match="not a SQLite database"):
            open_db(text, readonly=ro)
    assert text.read_text().startswith("not sqlite")
    other = tmp_path / "other.db"
    conn = connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(UserError, match="not a govnews archive"):
        open_db(other)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="not a govnews archive"):
        open_db(empty, readonly=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unreadable_file(tmp_path):
    path = tmp_path / "a.db"
    open_db(path).close()
    path.chmod(0)
    try:
        with pytest.raises(UserError, match="permission"):
            open_db(path, readonly=True)
    finally:
        path.chmod(0o644)


def test_resolve_db_path(monkeypatch, tmp_path):
    monkeypatch.delenv("GOVNEWS_DB", raising=False)
    assert resolve_db_path(None) == Path("govnews.db")
    monkeypatch.setenv("GOVNEWS_DB", str(tmp_path / "env.db"))
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert resolve_db_path("x.db") == Path("x.db")


def test_sync_sites_from_registry_rows(tmp_path):
    with open(ROOT / "crawler" / "sites.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    db = open_db(tmp_path / "a.db")
    assert sync_sites(db, rows) == len(rows)
    assert db["sites"].count == len(rows)
    first = db["sites"].get(rows[0]["id"])
    assert first["name"] == rows[0]["name"]
    stamp = first["updated_at"]
    # unchanged rows keep updated_at; empty strings are NULL; changed rows are updated
    sync_sites(db, rows)
    assert db["sites"].get(rows[0]["id"])["updated_at"] == stamp
    assert db.execute("SELECT count(*) FROM sites WHERE sid = ''").fetchone()[0] == 0
    changed = dict(rows[0], status="gone")
    sync_sites(db, [changed])
    assert db["sites"].get(rows[0]["id"])["status"] == "gone"
    assert db["sites"].count == len(rows)
    with pytest.raises(ValueError):
        sync_sites(db, [{"name": "no id"}])
    db.close()


# ------------------------------------------------------------------ ArchiveWriter


def test_writer_idempotent_across_and_within_crawls(tmp_path):
    path = tmp_path / "a.db"
    w = ArchiveWriter(path)
    c1 = w.start_crawl(sites=["chauthanh"], options={"max_pages": 10})
    for _ in range(2):  # same article twice in one crawl
        w.put_article(
            crawl_id=c1,
            site="chauthanh",
            article_id="397719",
            url=SEED_URL,
            data=article(),
            fetched_at="2025-06-01T10:00:00+07:00",
        )
    stats1 = w.finish_crawl(c1, pages=3)
    assert stats1 == {
        "new_articles": 1,
        "updated_articles": 0,
        "unchanged_articles": 0,
        "pages": 3,
        "errors": 0,
    }
    c2 = w.start_crawl(sites=["chauthanh"])
    w.put_article(
        crawl_id=c2,
        site="chauthanh",
        article_id=397719,  # int ids are stored as text
        url=SEED_URL,
        data=article(view_count=150),
        fetched_at="2025-06-02T03:00:00Z",
    )
    assert w.archived_ids("chauthanh") == {"397719"}
    assert w.archived_ids("kesach") == set()
    stats2 = w.finish_crawl(c2, errors=1)
    assert stats2["unchanged_articles"] == 1 and stats2["new_articles"] == 0
    assert stats2["errors"] == 1
    assert w.counts == stats2
    w.close()
    w.close()  # idempotent

    db = open_db(path, readonly=True)
    assert db["articles"].count == 1
    row = db.execute("SELECT * FROM articles").fetchone()
    a = dict(
        zip([d[0] for d in db.execute("SELECT * FROM articles").description], row, strict=True)
    )
    assert a["article_id"] == "397719"
    assert a["view_count"] == 150
    assert a["first_crawl_id"] == c1 and a["last_crawl_id"] == c2
    assert a["first_seen_at"] == "2025-06-01T03:00:00Z"
    assert a["last_fetched_at"] == "2025-06-02T03:00:00Z"
    assert json.loads(a["images"])[0]["caption"] == "Ảnh"
    vc = list(db.query("SELECT crawl_id, view_count FROM view_counts ORDER BY crawl_id"))
    assert vc == [{"crawl_id": c1, "view_count": 100}, {"crawl_id": c2, "view_count": 150}]
    crawls = list(db.query("SELECT * FROM crawls ORDER BY id"))
    assert [c["status"] for c in crawls] == ["finished", "finished"]
    assert crawls[0]["pages"] == 3 and crawls[0]["new_articles"] == 1
    assert json.loads(crawls[0]["sites"]) == ["chauthanh"]
    assert json.loads(crawls[0]["options"]) == {"max_pages": 10}
    assert crawls[1]["finished_at"] >= crawls[1]["started_at"]
    assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 1
    db.close()


def test_changed_content_updates_row_and_fts(tmp_path):
    path = tmp_path / "a.db"
    with ArchiveWriter(path) as w:
        c1 = w.start_crawl(sites=["chauthanh"])
        w.put_article(crawl_id=c1, site="chauthanh", article_id="1", url=SEED_URL, data=article())
        w.finish_crawl(c1)
        c2 = w.start_crawl(sites=["chauthanh"])
        w.put_article(
            crawl_id=c2,
            site="chauthanh",
            article_id="1",
            url=SEED_URL,
            data=article(title="Nạo vét kênh thủy lợi", view_count=None),
        )
        stats = w.finish_crawl(c2)
    assert stats["updated_articles"] == 1
    db = open_db(path, readonly=True)
    assert db["articles"].count == 1
    assert db.execute("SELECT title, view_count FROM articles").fetchone() == (
        "Nạo vét kênh thủy lợi",
        100,  # a missing view count keeps the last known one
    )
    assert db["view_counts"].count == 1  # no row for a crawl without a view count
    assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 1
    assert [r["article_id"] for r in search(db, "thuy loi")] == ["1"]
    assert search(db, "giai phap") == []  # old title is gone from the index
    db.close()


def test_raw_bodies_are_content_addressed(tmp_path):
    path = tmp_path / "a.db"
    body = "<html><body>Trang chủ Huyện Châu Thành</body></html>".encode() * 50
    with ArchiveWriter(path) as w:
        c = w.start_crawl(sites=["chauthanh"])
        h1 = w.put_page(
            crawl_id=c,
            url="https://chauthanh.soctrang.gov.vn/",
            final_url="https://chauthanh.soctrang.gov.vn/trang-chu",
            status=200,
            headers={
                b"Content-Type": [b"text/html; charset=utf-8"],
                b"Set-Cookie": [b"secret=1"],
                b"ETag": [b'"abc"'],
            },
            body=body,
            fetched_at="2025-06-01T10:00:00+07:00",
        )
        h2 = w.put_page(
            crawl_id=c,
            url="https://chauthanh.soctrang.gov.vn/?again",
            status=200,
            headers={"Last-Modified": "Sun, 01 Jun 2025 03:00:00 GMT", "Server": "IIS"},
            body=body,
            fetched_at="2025-06-01T03:00:05Z",
        )
        w.put_page(crawl_id=c, url="https://chauthanh.soctrang.gov.vn/x", status=404, body=b"")
        w.put_page(crawl_id=c, url="https://chauthanh.soctrang.gov.vn/y", status=None, body=None)
        stats = w.finish_crawl(c)
    assert h1 == h2 == body_hash(body)
    assert stats["pages"] == 4
    db = open_db(path, readonly=True)
    assert db["pages"].count == 4
    assert db["raw_bodies"].count == 2  # the page body and the empty body
    raw = db["raw_bodies"].get(h1)
    assert raw["compression"] == "zstd" and raw["size"] == len(body)
    assert zstandard.ZstdDecompressor().decompress(raw["data"]) == body
    assert rawcodec.decompress(raw["data"], "zstd") == body
    assert len(raw["data"]) < len(body)
    pages = list(db.query("SELECT * FROM pages ORDER BY id"))
    assert json.loads(pages[0]["headers"]) == {
        "content-type": "text/html; charset=utf-8",
        "etag": '"abc"',
    }
    assert pages[0]["content_type"] == "text/html; charset=utf-8"
    assert pages[0]["fetched_at"] == "2025-06-01T03:00:00Z"
    assert json.loads(pages[1]["headers"]) == {"last-modified": "Sun, 01 Jun 2025 03:00:00 GMT"}
    assert pages[3]["body_hash"] is None
    db.close()


def test_site_snapshots_replace_per_crawl(tmp_path):
    path = tmp_path / "a.db"
    contact = {
        "agency": "ỦY BAN NHÂN DÂN HUYỆN CHÂU THÀNH",
        "address": "Ấp Xây Đá B, thị trấn Châu Thành",
        "phones": ["+842993611111"],
        "fax": [],
        "emails": ["ubnd@chauthanh.soctrang.gov.vn"],
        "editor": "Nguyễn Văn A",
    }
    with ArchiveWriter(path) as w:
        c = w.start_crawl(sites=["chauthanh"])
        w.put_site_snapshot(crawl_id=c, site="chauthanh", contact=contact, counter=None)
        w.put_site_snapshot(
            crawl_id=c,
            site="chauthanh",
            observed_at="2025-06-01T10:00:00+07:00",
            contact=contact,
            counter={"online": 5, "today": 100, "week": 700, "month": 3000, "total": 123456},
        )
        w.finish_crawl(c)
    db = open_db(path, readonly=True)
    rows = list(db.query("SELECT * FROM site_snapshots"))
    assert len(rows) == 1
    assert rows[0]["total"] == 123456 and rows[0]["editor"] == "Nguyễn Văn A"
    assert json.loads(rows[0]["phones"]) == ["+842993611111"]
    db.close()


def test_batches_commit_on_size_and_time(tmp_path):
    path = tmp_path / "a.db"
    w = ArchiveWriter(path, batch_size=3, flush_seconds=60)
    c = w.start_crawl(sites=["s"])
    for i in range(2):
        w.put_page(crawl_id=c, url=f"https://s/{i}", status=200, body=b"x")
    time.sleep(0.3)
    assert scalar(path, "SELECT count(*) FROM pages") == 0  # batch not full, timer far away
    w.put_page(crawl_id=c, url="https://s/2", status=200, body=b"x")
    deadline = time.monotonic() + 5
    while scalar(path, "SELECT count(*) FROM pages") < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert scalar(path, "SELECT count(*) FROM pages") == 3
    w.close()
    w2 = ArchiveWriter(path, batch_size=1000, flush_seconds=0.2)
    w2.put_page(crawl_id=c, url="https://s/3", status=200, body=b"y")
    deadline = time.monotonic() + 5
    while scalar(path, "SELECT count(*) FROM pages") < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert scalar(path, "SELECT count(*) FROM pages") == 4
    assert w2.counts["pages"] == 0  # no crawl started on this writer
    w2.close()
    # the first writer's close() marked its unfinished crawl as interrupted
    assert scalar(path, "SELECT status FROM crawls") == "interrupted"


def test_close_marks_open_crawl_interrupted(tmp_path):
    path = tmp_path / "a.db"
    w = ArchiveWriter(path)
    c = w.start_crawl(sites=["chauthanh"])
    w.put_article(crawl_id=c, site="chauthanh", article_id="1", url=SEED_URL, data=article())
    w.close()
    assert scalar(path, "SELECT status FROM crawls WHERE id = ?", (c,)) == "interrupted"
    assert scalar(path, "SELECT new_articles FROM crawls WHERE id = ?", (c,)) == 1
    with pytest.raises(ArchiveWriteError):
        w.put_page(crawl_id=c, url="https://x", body=b"")


def test_write_error_is_surfaced(tmp_path):
    path = tmp_path / "a.db"
    w = ArchiveWriter(path, batch_size=1)
    # crawl 999 does not exist: the foreign key fails on the writer thread
    w.put_page(crawl_id=999, url="https://x/", status=200, body=b"x")
    with pytest.raises(ArchiveWriteError) as info:
        for _ in range(100):
            time.sleep(0.02)
            w.put_page(crawl_id=None, url="https://x/2", status=200, body=b"y")
    assert isinstance(info.value.__cause__, sqlite3.IntegrityError)
    with pytest.raises(ArchiveWriteError):
        w.finish_crawl(1)
    w.close()  # already reported: does not raise again
    assert scalar(path, "SELECT count(*) FROM pages WHERE crawl_id = 999") == 0


def test_error_raised_by_finish_when_not_yet_reported(tmp_path):
    path = tmp_path / "a.db"
    w = ArchiveWriter(path, batch_size=100, flush_seconds=60)
    c = w.start_crawl(sites=["s"])
    w.put_page(crawl_id=12345, url="https://x/", status=200, body=b"x")
    with pytest.raises(ArchiveWriteError):
        w.finish_crawl(c)
    w.close()


def test_bad_arguments_fail_at_the_call(tmp_path):
    with ArchiveWriter(tmp_path / "a.db") as w:
        with pytest.raises(ValueError):
            w.put_article(crawl_id=None, site="", article_id="1", url="u", data={})
        with pytest.raises(ValueError):
            w.put_page(crawl_id=None, url="u", fetched_at="yesterday")
        with pytest.raises(TypeError):
            w.put_page(crawl_id=None, url="u", body="text, not bytes")
        with pytest.raises(ValueError):
            w.finish_crawl(1, status="done")
    with pytest.raises(UserError):
        ArchiveWriter(tmp_path / "missing-dir" / "a.db")


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from archive.store import ArchiveWriter

    w = ArchiveWriter({path!r}, batch_size=5, flush_seconds=60)
    original = w._write_article
    written = [0]

    def dying_write(a, delta, seen):
        original(a, delta, seen)
        written[0] += 1
        if written[0] == 8:  # inside the second batch, after its 3rd article row + FTS row
            os.kill(os.getpid(), signal.SIGKILL)

    w._write_article = dying_write
    crawl = w.start_crawl(sites=["chauthanh"])
    for i in range(12):
        w.put_page(crawl_id=crawl, url="https://chauthanh.soctrang.gov.vn/p/%d" % i,
                   status=200, body=b"<html>%d</html>" % i)
        w.put_article(crawl_id=crawl, site="chauthanh", article_id=str(i),
                      url="https://chauthanh.soctrang.gov.vn/a/%d" % i,
                      data={{"title": "Bài %d chỉ số PAPI" % i, "lead": "Thủy lợi",
                             "body_text": "Nội dung %d" % i, "view_count": i}})
    w.finish_crawl(crawl)
    print("not killed")
    """
)


def test_kill_9_mid_batch_leaves_consistent_archive(tmp_path):
    path = tmp_path / "a.db"
    script = KILL_SCRIPT.format(root=str(ROOT), path=str(path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    db = open_db(path)  # opens (and the WAL is recovered)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
    n = db["articles"].count
    # batches of 5 items alternating page/article: the 3 committed batches hold articles 0-6
    # and pages 0-7; the 4th batch (killed after writing article 7) is gone entirely
    assert n == 7
    assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == n
    assert (
        db.execute(
            "SELECT count(*) FROM articles a LEFT JOIN articles_fts f ON f.rowid = a.id "
            "WHERE f.rowid IS NULL"
        ).fetchone()[0]
        == 0
    )
    assert db.execute("SELECT count(*) FROM view_counts").fetchone()[0] == n
    pages = db["pages"].count
    assert pages == 8
    assert db["raw_bodies"].count == pages
    assert db.execute("SELECT status FROM crawls").fetchone()[0] == "running"
    db.close()

    # re-running the same puts creates no duplicates
    with ArchiveWriter(path, batch_size=5) as w:
        crawl = w.start_crawl(sites=["chauthanh"])
        for i in range(12):
            w.put_article(
                crawl_id=crawl,
                site="chauthanh",
                article_id=str(i),
                url=f"https://chauthanh.soctrang.gov.vn/a/{i}",
                data={
                    "title": f"Bài {i} chỉ số PAPI",
                    "lead": "Thủy lợi",
                    "body_text": f"Nội dung {i}",
                    "view_count": i,
                },
            )
        stats = w.finish_crawl(crawl)
    assert stats["new_articles"] == 12 - n and stats["unchanged_articles"] == n
    db = open_db(path, readonly=True)
    assert db["articles"].count == 12
    assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 12
    assert len(search(db, "chi so papi", limit=50)) == 12
    db.close()


def test_raw_codecs_round_trip_and_legacy_zlib_rows_stay_readable():
    """New raw pages are zstd; rows written with zlib (archives before the switch) still
    decompress, and an unknown codec is a clear error rather than garbage."""
    body = ("<html><body>Huyện Châu Thành — Lượt xem: 203</body></html>" * 50).encode()
    assert rawcodec.CODEC == "zstd"
    for codec in rawcodec.CODECS:
        blob = rawcodec.compress(body, codec)
        assert len(blob) < len(body)
        assert rawcodec.decompress(blob, codec) == body
    import zlib

    assert rawcodec.decompress(zlib.compress(body, 6), "zlib") == body
    with pytest.raises(ValueError, match="unknown raw page codec 'lz4'"):
        rawcodec.decompress(b"x", "lz4")
