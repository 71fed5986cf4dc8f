"""End-to-end crawls of the replica portal: real loopback server, real subprocess crawl, real SQLite.

Crawls run as subprocesses (``python -m govnews crawl``) because Twisted's reactor cannot be
restarted inside one process; the replica runs in this process so its request log can be read.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from govnews.replica import DEFAULT_ARTICLES, SEED_ID, ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
SEED_TITLE = "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"


def govnews(*args: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "govnews", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def article_fetches(replica: ReplicaServer) -> list[dict]:
    return [r for r in replica.requests if r["kind"] == "article"]


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def crawled(replica, tmp_path_factory):
    """One full crawl of the replica, shared by the assertions below."""
    db = tmp_path_factory.mktemp("crawl") / "archive.db"
    replica.clear_log()
    res = govnews("crawl", "chauthanh", "--db", str(db), "--replica", replica.url)
    assert res.returncode == 0, res.stderr
    log = list(replica.requests)
    return db, res, log


def q(db: Path, sql: str, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_full_crawl_archives_every_article_once(crawled, replica):
    db, res, _ = crawled
    assert q(db, "select count(*) from articles")[0][0] == DEFAULT_ARTICLES == 73
    assert q(db, "select count(distinct site || ':' || article_id) from articles")[0][0] == 73
    expected_ids = {str(a.article_id) for a in replica.content.articles}
    got_ids = {r[0] for r in q(db, "select article_id from articles where site='chauthanh'")}
    assert got_ids == expected_ids
    assert "new articles:      73" in res.stdout


def test_seed_article_values(crawled):
    db, _, _ = crawled
    row = q(
        db,
        "select title, view_count, author, url, published_at, images from articles "
        "where site='chauthanh' and article_id=?",
        str(SEED_ID),
    )[0]
    title, views, author, url, published, images = row
    assert title == SEED_TITLE
    assert views == 203
    assert author == "YV - Phòng NV"
    # The archive keeps the real portal URL, never the replica's loopback address.
    assert url.startswith("https://chauthanh.soctrang.gov.vn/Default.aspx?sname=huyenchauthanh")
    assert "id=397719" in url
    assert published == "2023-07-18T08:30:00+07:00"
    assert "Hướng dẫn người dân thực hiện TTHC của đơn vị xã Hồ Đắc Kiện" in images


def test_footer_and_counter_snapshot(crawled):
    db, _, _ = crawled
    rows = q(
        db,
        "select agency, phones, fax, emails, online, today, week, month, total "
        "from site_snapshots where site='chauthanh'",
    )
    assert len(rows) == 1
    agency, phones, fax, emails, *counter = rows[0]
    assert agency == "ỦY BAN NHÂN DÂN HUYỆN CHÂU THÀNH - TỈNH SÓC TRĂNG"
    assert json.loads(phones) == ["+842993834570", "+842993834566"]
    assert json.loads(fax) == ["+842993834670"]
    assert json.loads(emails) == ["vpubndchauthanh@gmail.com"]
    assert counter == [47, 272, 272, 48536, 2276668]


def test_postback_pagination_reached(crawled, replica):
    db, _, log = crawled
    posts = [r for r in log if r["method"] == "POST"]
    # 4 categories with 3, 2, 2, 2 pages: 5 pages are reachable only by postback.
    assert len(posts) == 5
    assert all(r["status"] == 200 for r in posts)
    page2 = replica.content.list_page(1001, 2)
    ids = {r[0] for r in q(db, "select article_id from articles")}
    assert {str(a.article_id) for a in page2} <= ids


def test_no_duplicates_and_one_fetch_per_article(crawled):
    _, _, log = crawled
    fetched = [r for r in log if r["kind"] == "article"]
    assert len(fetched) == 73  # each article fetched once, whatever URL forms linked to it
    assert all(r["host"].startswith("chauthanh.soctrang.gov.vn") for r in log)


def test_raw_pages_kept_and_view_counts_observed(crawled):
    db, _, _ = crawled
    assert q(db, "select count(*) from view_counts")[0][0] == 72  # one article has no counter
    n_pages, n_bodies = q(db, "select count(*), count(distinct body_hash) from pages")[0]
    assert n_pages >= 73 + 9  # articles + list pages (+ home, robots)
    assert q(db, "select count(*) from raw_bodies")[0][0] == n_bodies


def test_recrawl_fetches_no_archived_article_then_refresh_refetches(crawled, replica, tmp_path):
    db, _, _ = crawled
    copy = tmp_path / "again.db"
    con = sqlite3.connect(db)
    con.execute(f"vacuum into '{copy}'")
    con.close()
    replica.clear_log()
    res = govnews("crawl", "chauthanh", "--db", str(copy), "--replica", replica.url)
    assert res.returncode == 0, res.stderr
    assert article_fetches(replica) == []
    assert len([r for r in replica.requests if r["kind"] == "list"]) == 9  # lists always re-read
    assert q(copy, "select count(*) from articles")[0][0] == 73

    replica.clear_log()
    res = govnews("crawl", "chauthanh", "--db", str(copy), "--replica", replica.url, "--refresh")
    assert res.returncode == 0, res.stderr
    assert len(article_fetches(replica)) == 73
    assert q(copy, "select count(*) from articles")[0][0] == 73
    per_article = q(copy, "select count(*) from view_counts group by article")
    assert len(per_article) == 72 and {n for (n,) in per_article} == {2}


def test_kill9_mid_crawl_resumes_without_duplicates_or_holes(replica, tmp_path):
    db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "govnews", "crawl", "chauthanh", "--db", str(db),
           "--replica", replica.url, "--set", "DOWNLOAD_DELAY=0.05",
           "--set", "AUTOTHROTTLE_ENABLED=False"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    archived = 0
    while time.time() < deadline:
        time.sleep(0.2)
        if db.exists():
            try:
                archived = q(db, "select count(*) from articles")[0][0]
            except sqlite3.OperationalError:
                continue
            if archived >= 10:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 10 <= archived < 73, "the kill must land mid-crawl"
    res = govnews("crawl", "chauthanh", "--db", str(db), "--replica", replica.url)
    assert res.returncode == 0, res.stderr
    assert q(db, "select count(*) from articles")[0][0] == 73
    assert q(db, "select count(distinct article_id) from articles")[0][0] == 73
    # every article has its FTS row and its raw page
    assert q(db, "select count(*) from articles a left join articles_fts f on f.rowid=a.id "
                 "where f.rowid is null")[0][0] == 0
    assert q(db, "select count(*) from articles a left join raw_bodies r on r.hash=a.raw_hash "
                 "where r.hash is null")[0][0] == 0
    assert q(db, "pragma integrity_check")[0][0] == "ok"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


@pytest.mark.parametrize(
    "args,message",
    [
        (["crawl", "nosuchsite"], "unknown site"),
        (["crawl", "chauthanh", "--replica", "http://127.0.0.1:9"], "replica not reachable"),
        (["crawl", "chauthanh", "--replica", "not a url"], "invalid replica URL"),
        (["crawl", "chauthanh", "--set", "NOEQUALS"], "NAME=VALUE"),
    ],
)
def test_crawl_bad_input_one_line_error_archive_unchanged(crawled, tmp_path, args, message):
    db, _, _ = crawled
    copy = tmp_path / "copy.db"
    con = sqlite3.connect(db)
    con.execute(f"vacuum into '{copy}'")
    con.close()
    con = sqlite3.connect(copy)
    con.execute("pragma journal_mode=wal")  # as govnews archives are
    con.close()
    before = _digest(copy)
    res = govnews(*args, "--db", str(copy))
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert "Traceback" not in res.stderr
    assert _digest(copy) == before


def test_crawl_bad_db_path(tmp_path, replica):
    res = govnews("crawl", "chauthanh", "--db", str(tmp_path), "--replica", replica.url)
    assert res.returncode != 0
    assert len(res.stderr.strip().splitlines()) == 1
    res = govnews("crawl", "chauthanh", "--db", str(tmp_path / "no" / "such" / "x.db"),
                  "--replica", replica.url)
    assert res.returncode != 0
    assert len(res.stderr.strip().splitlines()) == 1


def test_scrapy_crawl_from_repo_root(replica, tmp_path):
    db = tmp_path / "scrapy.db"
    env = {**os.environ, "GOVNEWS_DB": str(db), "GOVNEWS_REPLICA": replica.url}
    res = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "vnportal", "-a", "site=chauthanh"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert q(db, "select count(*) from articles")[0][0] == 73


@pytest.mark.parametrize(
    "query",
    [
        "chi so papi",
        "chỉ số PAPI",
        unicodedata.normalize("NFD", "chỉ số PAPI"),
        "CHỈ SỐ PAPI",
    ],
)
def test_search_finds_seed_article_first_on_crawled_archive(crawled, query):
    db, _, _ = crawled
    res = govnews("search", query, "--db", str(db), "--format", "json")
    assert res.returncode == 0, res.stderr
    hits = json.loads(res.stdout)
    assert hits[0]["title"] == SEED_TITLE
    assert hits[0]["view_count"] == 203
    assert hits[0]["site"] == "chauthanh"
    assert {"url", "title", "site", "published_at", "view_count", "snippet"} <= set(hits[0])


def test_search_bad_query_is_one_line(crawled):
    db, _, _ = crawled
    res = govnews("search", '"unbalanced', "--db", str(db))
    assert res.returncode != 0
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_extract_command_on_replica_seed_page(replica, tmp_path):
    import urllib.request

    url = ("https://chauthanh.soctrang.gov.vn/Default.aspx?sname=huyenchauthanh&sid=1308"
           "&pageid=369&catid=1001&id=397719")
    req = urllib.request.Request(replica.url + url.split("gov.vn", 1)[1],
                                 headers={"Host": "chauthanh.soctrang.gov.vn"})
    page = tmp_path / "seed.html"
    page.write_bytes(urllib.request.urlopen(req).read())
    res = govnews("extract", str(page), "--url", url)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["title"] == SEED_TITLE
    assert data["view_count"] == 203
    assert data["author"] == "YV - Phòng NV"
    assert data["images"][0]["caption"] == (
        "Hướng dẫn người dân thực hiện TTHC của đơn vị xã Hồ Đắc Kiện")
    assert data["contact"]["phones"] == ["+842993834570", "+842993834566"]
    assert data["contact"]["fax"] == ["+842993834670"]
    assert data["contact"]["emails"] == ["vpubndchauthanh@gmail.com"]
    assert data["visitor_counter"] == {
        "online": 47, "today": 272, "week": 272, "month": 48536, "total": 2276668}


def test_demo_command(tmp_path):
    db = tmp_path / "demo.db"
    res = govnews("demo", "--db", str(db))
    assert res.returncode == 0, res.stderr
    assert q(db, "select count(*) from articles where site='chauthanh'")[0][0] >= 61
    assert q(db, "select title, view_count from articles where article_id='397719'")[0] == (
        SEED_TITLE, 203)
    assert 'govnews search "chi so papi"' in res.stdout
    assert SEED_TITLE in res.stdout


def test_sites_list_json():
    res = govnews("sites", "list", "--format", "json")
    assert res.returncode == 0, res.stderr
    sites = {s["id"]: s for s in json.loads(res.stdout)}
    for sid in ["chauthanh", "kesach", "longphu", "culaodung", "mytu", "myxuyen", "thanhtri",
                "trande", "nganam", "vinhchau", "tpsoctrang", "soctrang"]:
        assert sites[sid]["platform"] == "vnportal"
    assert sites["chauthanh"]["sname"] == "huyenchauthanh"
    assert sites["chauthanh"]["sid"] == "1308"
    assert sites["chauthanh"]["province_after"] == "Cần Thơ"


def test_ctrl_c_stops_cleanly_and_resumes(replica, tmp_path):
    db = tmp_path / "interrupted.db"
    replica.clear_log()
    cmd = [sys.executable, "-m", "govnews", "crawl", "chauthanh", "--db", str(db),
           "--replica", replica.url, "--set", "DOWNLOAD_DELAY=0.05",
           "--set", "AUTOTHROTTLE_ENABLED=False"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        if sum(1 for r in replica.requests if r["kind"] == "article") >= 10:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err
    assert q(db, "select status from crawls")[0][0] == "interrupted"
    partial = q(db, "select count(*) from articles")[0][0]
    assert 0 < partial < 73
    res = govnews("crawl", "chauthanh", "--db", str(db), "--replica", replica.url)
    assert res.returncode == 0, res.stderr
    assert q(db, "select count(*), count(distinct article_id) from articles")[0] == (73, 73)
