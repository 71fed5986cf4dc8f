"""Break an extractor field during a crawl, then `govnews reextract` restores it from the raw
pages with zero network requests, reporting the count of changed records."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from govnews.replica import SEED_ID, ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
SEED_DATE = "2023-07-18T08:30:00+07:00"

# Crawl with a broken date extractor: extract_full loses published_at.  Articles are extracted
# in the archive pipeline (in-process with GOVNEWS_WRITER_PROCESS=False, so the patch applies).
BROKEN_CRAWL = """
import sys
import crawler.pipelines as pipelines
import crawler.spiders.vnportal as spider
real = spider.extract_full
def broken(*args, **kwargs):
    data = real(*args, **kwargs)
    data["published_at"] = None
    return data
spider.extract_full = broken
pipelines.extract_full = broken
from govnews.cli import main
sys.argv = ["govnews", *sys.argv[1:]]
main()
"""

# Any attempt to open a network connection fails loudly.
NO_NETWORK = """
import socket, sys
def deny(*args, **kwargs):
    raise OSError("network access attempted")
socket.socket.connect = deny
socket.socket.connect_ex = deny
socket.create_connection = deny
from govnews.cli import main
sys.argv = ["govnews", *sys.argv[1:]]
main()
"""


def run(script: str | None, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    cmd = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "govnews", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


def q(db: Path, sql: str, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    db = tmp_path_factory.mktemp("reextract") / "archive.db"
    with ReplicaServer(articles=12) as srv:
        res = run(BROKEN_CRAWL, "crawl", "chauthanh", "--db", str(db), "--replica", srv.url,
                  "--set", "GOVNEWS_WRITER_PROCESS=False")
        assert res.returncode == 0, res.stderr
        broken = q(db, "select count(*) from articles where published_at is null")[0][0]
        srv.clear_log()
        res = run(NO_NETWORK, "reextract", "--db", str(db), "--format", "json")
        requests = list(srv.requests)
        # the same archive re-crawled with today's (fixed) extractor: no new version
        refresh = run(None, "crawl", "chauthanh", "--db", str(db), "--replica", srv.url,
                      "--refresh")
    return db, broken, res, requests, refresh


def test_broken_field_is_restored_offline(fixed):
    db, broken, res, requests, _ = fixed
    assert broken == 12
    assert res.returncode == 0, res.stderr
    assert requests == []  # zero network requests reached the replica
    report = json.loads(res.stdout)
    assert report["changed_records"] == 12
    assert report["changed_fields"] == {"published_at": 12}
    assert report["bodies"] >= 12
    assert q(db, "select published_at from articles where article_id = ?", str(SEED_ID)) == [
        (SEED_DATE,)
    ]
    assert q(db, "select count(*) from articles where published_at is null")[0][0] == 0


def test_reextraction_is_not_a_new_version(fixed):
    db, _, _, _, refresh = fixed
    assert q(db, "select count(*), max(version) from article_versions") == [(12, 1)]
    assert q(db, "select v.published_at from article_versions v join articles a on a.id = v.article "
                 "where a.article_id = ?", str(SEED_ID)) == [(SEED_DATE,)]
    logged = q(db, "select field, old_value, new_value from extraction_changes c "
                   "join articles a on a.id = c.article where a.article_id = ?", str(SEED_ID))
    assert logged == [("published_at", None, SEED_DATE)]
    # the hashes were corrected too: a refresh with the fixed extractor sees no change
    assert refresh.returncode == 0, refresh.stderr
    assert "updated articles:  0" in refresh.stdout
    assert q(db, "select count(*) from article_versions")[0][0] == 12
    hist = run(None, "history", str(SEED_ID), "--db", str(db))
    assert "re-extraction corrections (not new versions)" in hist.stdout
    assert SEED_DATE in hist.stdout


def test_second_run_changes_nothing_and_filters(fixed, tmp_path):
    db, _, _, _, _ = fixed
    res = run(NO_NETWORK, "reextract", "--db", str(db), "--workers", "1", "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["changed_records"] == 0
    res = run(None, "reextract", "--db", str(db), "--since", "2999-01-01", "--format", "json")
    assert json.loads(res.stdout)["bodies"] == 0
    table = run(None, "reextract", "--db", str(db), "--site", "chauthanh")
    assert table.returncode == 0 and "changed records: 0" in table.stdout


def test_network_guard_is_real():
    res = run(NO_NETWORK, "crawl", "chauthanh", "--db", "/tmp/unused-govnews.db",
              "--replica", "http://127.0.0.1:9")
    assert res.returncode != 0 and "network access attempted" in res.stderr


# ------------------------------------------------------------ corrections found by the workers

def archive_copy(db: Path, dest: Path) -> Path:
    """A standalone copy of an archive (its WAL folded in first)."""
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    dest.write_bytes(db.read_bytes())
    return dest


WRONG_IMAGES = '[{"url": "https://chauthanh.soctrang.gov.vn/sai.jpg", "caption": null}]'


def test_workers_find_and_fix_each_kind_of_field(fixed, tmp_path):
    db = archive_copy(fixed[0], tmp_path / "copy.db")
    seed = str(SEED_ID)
    (aid, title), = q(db, "select id, title from articles where article_id = ?", seed)
    (other, html), = q(db, "select id, body_html from articles where id != ? order by id limit 1",
                       aid)
    (third, images), = q(db, "select a.id, v.images from articles a join article_versions v "
                              "on v.article = a.id where a.id not in (?, ?) order by a.id limit 1",
                         aid, other)
    (crawl, views), = q(db, "select crawl_id, view_count from view_counts where article = ? "
                            "order by crawl_id limit 1", aid)
    con = sqlite3.connect(db)
    with con:
        con.execute("update articles set title = 'sai' where id = ?", (aid,))
        con.execute("update article_versions set title = 'sai' where article = ?", (aid,))
        con.execute("update articles set body_html = '<p>sai</p>' where id = ?", (other,))
        con.execute("update article_versions set images = ? where article = ?", (WRONG_IMAGES, third))
        con.execute("update view_counts set view_count = 1 where article = ? and crawl_id = ?",
                    (aid, crawl))
    con.close()
    res = run(NO_NETWORK, "reextract", "--db", str(db), "--workers", "2", "--format", "json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["changed_fields"] == {"body_html": 1, "images": 1, "title": 1, "view_count": 1}
    assert report["changed_records"] == 3
    assert q(db, "select title from articles where id = ?", aid) == [(title,)]
    assert q(db, "select title from article_versions where article = ?", aid) == [(title,)]
    assert q(db, "select body_html from articles where id = ?", other) == [(html,)]
    assert q(db, "select images from article_versions where article = ?", third) == [(images,)]
    assert q(db, "select view_count from view_counts where article = ? and crawl_id = ?",
             aid, crawl) == [(views,)]
    assert sorted(q(db, "select article, field, old_value, new_value from extraction_changes c "
                        "join reextract_runs r on r.id = c.run_id where r.id = ?",
                    report["run_id"])) == sorted([
        (aid, "title", "sai", title), (aid, "view_count", "1", str(views)),
        (other, "body_html", None, None), (third, "images", WRONG_IMAGES, images)])


def test_a_row_refetched_meanwhile_is_not_overwritten(fixed, tmp_path):
    """Workers compare with the rows as they read them; a crawl may refetch an article before
    the parent writes: the crawl's newer row stays."""
    from archive.db import now_iso, open_db
    from archive.reextract import _Applier, _extract_batch, _plan, _worker_init

    db = archive_copy(fixed[0], tmp_path / "copy.db")
    (aid,), = q(db, "select id from articles where article_id = ?", str(SEED_ID))
    con = sqlite3.connect(db)
    with con:
        con.execute("update articles set title = 'sai' where id = ?", (aid,))
    con.close()
    archive = open_db(db)
    try:
        conn = archive.conn
        plan = _plan(conn, None, None)
        digest = next(h for h, s in plan.items() if aid in s["articles"])
        slot = plan[digest]
        _worker_init(str(db), own_process=False)
        [(got, result)] = _extract_batch(
            [(digest, slot["url"], slot["ctype"], tuple(slot["versions"]), tuple(slot["articles"]))])
        assert got == digest and result[3]  # the broken title was found
        # meanwhile a crawl refetches the article: another raw page, another title
        conn.execute("update articles set raw_hash = 'refetched', title = 'Tin mới' where id = ?",
                     (aid,))
        run_id = conn.execute("insert into reextract_runs (started_at, options, status) "
                              "values (?, '{}', 'running')", (now_iso(),)).lastrowid
        applier = _Applier(conn, run_id)
        applier.apply(digest, slot, result)
        conn.commit()
        assert conn.execute("select title from articles where id = ?", (aid,)).fetchone() == (
            "Tin mới",)
        assert applier.changed == {}
        assert conn.execute("select count(*) from extraction_changes where run_id = ?",
                            (run_id,)).fetchone() == (0,)
    finally:
        archive.close()
