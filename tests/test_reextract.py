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
