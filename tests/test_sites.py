"""Issue 7: platform detection of every replica site (``govnews sites add/check``), one-line
errors for unreachable / non-HTML URLs, and ``govnews demo`` archiving four platforms that
search and export then cover.  Real loopback replica, real subprocesses, real SQLite files."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from govnews.replica import ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("id,name,base_url,platform,sname,sid,agency,province_before,province_after,status,"
          "status_note,new_url,offline_since\n")
REPLICA_SITES = {  # host -> (platform, agency from the footer)
    "chauthanh.soctrang.gov.vn": ("vnportal", "ỦY BAN NHÂN DÂN HUYỆN CHÂU THÀNH - TỈNH SÓC TRĂNG"),
    "sotttt.hanoi.gov.vn": ("liferay", "CỔNG THÔNG TIN ĐIỆN TỬ SỞ THÔNG TIN VÀ TRUYỀN THÔNG THÀNH PHỐ HÀ NỘI"),
    "xaphutam.soctrang.gov.vn": ("wordpress", "ỦY BAN NHÂN DÂN XÃ PHÚ TÂM"),
    "tinhdoan.soctrang.gov.vn": ("generic", "BAN THƯỜNG VỤ TỈNH ĐOÀN SÓC TRĂNG"),
}


def govnews(*args: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "govnews", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def added(replica, tmp_path_factory):
    """``sites add`` of every replica site into one (initially empty) registry file."""
    reg = tmp_path_factory.mktemp("reg") / "sites.csv"
    reg.write_text(HEADER, encoding="utf-8")
    results = {}
    for host in REPLICA_SITES:
        sid = host.split(".")[0] + "_new"
        results[host] = govnews("sites", "add", f"https://{host}/", "--id", sid,
                                "--replica", replica.url, "--registry", str(reg))
    rows = {r["base_url"]: r for r in csv.DictReader(reg.read_text("utf-8").splitlines())}
    return reg, results, rows


@pytest.mark.parametrize("host", list(REPLICA_SITES))
def test_sites_add_detects_each_replica_platform(added, host):
    _reg, results, rows = added
    res = results[host]
    assert res.returncode == 0, res.stderr
    row = rows[f"https://{host}"]
    platform, agency = REPLICA_SITES[host]
    assert row["platform"] == platform
    assert row["agency"] == agency
    assert row["id"] == host.split(".")[0] + "_new"
    assert f"platform: {platform}" in res.stdout


def test_sites_add_fills_vnportal_sname_and_sid(added):
    row = added[2]["https://chauthanh.soctrang.gov.vn"]
    assert (row["sname"], row["sid"]) == ("huyenchauthanh", "1308")


def test_added_site_is_one_row_that_crawls(added, replica, tmp_path):
    """Adding a site on a known platform is one registry row: the new row crawls as is."""
    reg = added[0]
    db = tmp_path / "a.db"
    res = govnews("crawl", "xaphutam_new", "--db", str(db), "--replica", replica.url,
                  env={"GOVNEWS_SITES": str(reg)})
    assert res.returncode == 0, res.stderr
    con = sqlite3.connect(db)
    got = con.execute("select article_id, title, view_count from articles where site='xaphutam_new' "
                      "and article_id='812'").fetchone()
    assert got == ("812", "Xã Phú Tâm ra quân vệ sinh kênh mương thủy lợi nội đồng", 412)
    assert con.execute("select count(*) from articles").fetchone()[0] == 7


def test_sites_add_refuses_a_registered_host(added, replica):
    reg = added[0]
    res = govnews("sites", "add", "https://sotttt.hanoi.gov.vn/", "--id", "other",
                  "--replica", replica.url, "--registry", str(reg))
    assert res.returncode != 0
    assert res.stderr.strip().count("\n") == 0
    assert "already registered as 'sotttt_new'" in res.stderr


@pytest.mark.parametrize("url,message", [
    ("https://xaphutam.soctrang.gov.vn/wp-json/wp/v2/posts", "not an HTML page (application/json)"),
    ("https://tinhdoan.soctrang.gov.vn/robots.txt", "not an HTML page (text/plain)"),
    ("https://tinhdoan.soctrang.gov.vn/khong-co-trang-nay/", "HTTP 404"),
    ("ftp://example.gov.vn/", "not an http(s) URL"),
])
def test_sites_add_bad_urls_are_one_line_errors(replica, tmp_path, url, message):
    reg = tmp_path / "sites.csv"
    res = govnews("sites", "add", url, "--replica", replica.url, "--registry", str(reg))
    assert res.returncode != 0
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert not reg.exists()


def test_sites_add_unreachable_is_one_line_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = govnews("sites", "add", "https://xaphutam.soctrang.gov.vn/", "--replica",
                  f"http://127.0.0.1:{port}", "--registry", str(tmp_path / "r.csv"))
    assert res.returncode != 0
    assert "unreachable" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_sites_check_reports_platform_per_site(replica):
    res = govnews("sites", "check", "chauthanh", "sotttthanoi", "xaphutam", "tinhdoan",
                  "--replica", replica.url, "--format", "json")
    assert res.returncode == 0, res.stdout + res.stderr
    got = {r["id"]: (r["reachable"], r["status"], r["platform"], r["ok"]) for r in json.loads(res.stdout)}
    assert got == {
        "chauthanh": (True, 200, "vnportal", True),
        "sotttthanoi": (True, 200, "liferay", True),
        "xaphutam": (True, 200, "wordpress", True),
        "tinhdoan": (True, 200, "generic", True),
    }


def test_demo_sites_need_the_replica(tmp_path):
    res = govnews("crawl", "sotttthanoi", "--db", str(tmp_path / "x.db"))
    assert res.returncode != 0
    assert "exist only on the replica" in res.stderr


# ------------------------------------------------------------------------------------ demo

@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    res = govnews("demo", "--db", str(db), "--no-progress")
    assert res.returncode == 0, res.stderr
    return db, res


def test_demo_archives_four_platforms(demo_db):
    db, res = demo_db
    con = sqlite3.connect(db)
    per_site = dict(con.execute("select site, count(*) from articles group by site"))
    assert per_site == {"chauthanh": 73, "sotttthanoi": 10, "xaphutam": 7, "tinhdoan": 6}
    rows = {r[0]: r[1:] for r in con.execute(
        "select article_id, title, published_at, view_count from articles "
        "where article_id in ('397719', '1662601', '812')")}
    assert rows["397719"] == ("Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh",
                              "2023-07-18T08:30:00+07:00", 203)
    assert rows["1662601"] == ("Kế hoạch công tác phòng, chống tham nhũng năm 2022",
                               "2022-04-27T09:07:00+07:00", 5915)
    assert rows["812"][2] == 412
    generic = con.execute("select title, published_at, view_count, author from articles "
                          "where site='tinhdoan' and title like 'Hội thi Tin học%'").fetchone()
    assert generic == ("Hội thi Tin học trẻ tỉnh Sóc Trăng lần thứ XXV", "2025-05-16T08:00:00+07:00",
                       512, "Minh Thư")
    assert "chauthanh 73, sotttthanoi 10, xaphutam 7, tinhdoan 6" in res.stdout


def test_demo_snapshots_footer_and_counter_of_each_platform(demo_db):
    con = sqlite3.connect(demo_db[0])
    cols = [r[1] for r in con.execute("pragma table_info(site_snapshots)")]
    snaps = {r[cols.index("site")]: dict(zip(cols, r, strict=True)) for r in con.execute("select * from site_snapshots")}
    assert set(snaps) >= {"chauthanh", "sotttthanoi", "xaphutam", "tinhdoan"}
    hn = snaps["sotttthanoi"]
    assert json.loads(hn["phones"]) == ["+842435123536", "+842437367115"]
    assert (hn["online"], hn["total"]) == (27, 4798812)


def test_search_and_export_work_across_platforms(demo_db):
    db = demo_db[0]
    res = govnews("search", "thuy loi", "--db", str(db), "--format", "json")
    assert res.returncode == 0, res.stderr
    hits = json.loads(res.stdout)
    hits = hits["results"] if isinstance(hits, dict) else hits
    assert {h["site"] for h in hits} >= {"sotttthanoi", "xaphutam", "tinhdoan"}
    res = govnews("export", "articles", "--db", str(db), "--format", "jsonl")
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert len(rows) == 96
    assert {r["site"] for r in rows} == {"chauthanh", "sotttthanoi", "xaphutam", "tinhdoan"}


@pytest.mark.parametrize("query", ["chi so papi", "chỉ số PAPI", "CHỈ SỐ PAPI"])
def test_seed_article_first_in_the_readme_demo_archive(demo_db, query):
    """The README's first command builds this archive; the issue's searches must put the seed
    article first in it, whatever the other platforms' replica sites hold."""
    res = govnews("search", query, "--db", str(demo_db[0]), "--format", "json")
    assert res.returncode == 0, res.stderr
    hits = json.loads(res.stdout)
    assert hits[0]["title"] == "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"
    assert hits[0]["view_count"] == 203
