"""History, never overwrite: versions, removals, contact periods, views, `govnews history|stats`.

One module-scoped scenario on a 12-article replica: crawl; then on the replica change one
article's body, another's title, remove a third, make a fourth answer 404 while still listed,
and change the footer address; then a ``--refresh`` crawl.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from govnews.replica import SEED_ID, ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
NEW_PARAGRAPH = "Đoạn văn mới được Văn phòng bổ sung sau khi đăng tin."
NEW_TITLE = "Huyện Châu Thành sơ kết công tác cải cách hành chính 6 tháng đầu năm"
NEW_ADDRESS = "Số 1 đường 30/4, thị trấn Châu Thành, huyện Châu Thành, tỉnh Sóc Trăng"


def govnews(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    return subprocess.run([sys.executable, "-m", "govnews", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)


def q(db: Path, sql: str, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    db = tmp_path_factory.mktemp("history") / "archive.db"
    with ReplicaServer(articles=12) as srv:
        first = govnews("crawl", "chauthanh", "--db", str(db), "--replica", srv.url)
        assert first.returncode == 0, first.stderr
        content = srv.content
        others = [a for a in content.articles if a.article_id != SEED_ID]
        body_art, title_art, removed_art, gone_art = others[0], others[1], others[2], others[3]
        before = {
            "body": body_art.paragraphs,
            "title": title_art.title,
            "removed_title": removed_art.title,
        }
        content.edit(body_art.article_id, paragraphs=[*body_art.paragraphs, NEW_PARAGRAPH])
        content.edit(title_art.article_id, title=NEW_TITLE)
        content.remove(removed_art.article_id)
        content.update_site(address=NEW_ADDRESS)
        # The fourth stays in its list but its page answers 404 (a real HTTP 404 from the server).
        portal = srv.replica.portal(content.info)
        real_article = portal.article
        gone = gone_art.article_id
        portal.article = lambda aid, base, mobile: (
            portal.not_found(base, mobile) if aid == gone else real_article(aid, base, mobile)
        )
        srv.clear_log()
        second = govnews("crawl", "chauthanh", "--db", str(db), "--replica", srv.url, "--refresh")
        assert second.returncode == 0, second.stderr
        gone_fetches = [r for r in srv.requests if f"id={gone}" in r["path"]]
    ids = {
        "body": str(body_art.article_id),
        "title": str(title_art.article_id),
        "removed": str(removed_art.article_id),
        "gone": str(gone),
    }
    return db, ids, before, second, gone_fetches


def test_refresh_keeps_two_versions_of_changed_articles(scenario):
    db, ids, before, second, _ = scenario
    assert "updated articles:  2" in second.stdout
    for key in ("body", "title"):
        rows = q(db, "select v.version from article_versions v join articles a on a.id = v.article "
                     "where a.article_id = ? order by v.version", ids[key])
        assert rows == [(1,), (2,)]
    # version 1 is kept as first seen, version 2 holds the change
    v1, v2 = q(db, "select v.title from article_versions v join articles a on a.id = v.article "
                   "where a.article_id = ? order by v.version", ids["title"])
    assert v1[0] == before["title"] and v2[0] == NEW_TITLE
    assert q(db, "select title, version from articles where article_id = ?", ids["title"]) == [
        (NEW_TITLE, 2)
    ]
    # unchanged articles still have exactly one version
    assert q(db, "select count(*) from article_versions")[0][0] == 12 + 2


def test_history_command_shows_versions_and_diff(scenario):
    db, ids, before, _, _ = scenario
    res = govnews("history", ids["title"], "--db", str(db))
    assert res.returncode == 0, res.stderr
    assert "version 1" in res.stdout and "version 2" in res.stdout
    assert f"-{before['title']}" in res.stdout
    assert f"+{NEW_TITLE}" in res.stdout
    res = govnews("history", f"chauthanh:{ids['body']}", "--db", str(db), "--format", "json")
    data = json.loads(res.stdout)
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert "+" + NEW_PARAGRAPH[:40] in data["versions"][1]["diff"]
    assert data["versions"][1]["title"] == data["versions"][0]["title"]


def test_removed_articles_are_marked_and_kept(scenario):
    db, ids, before, _, gone_fetches = scenario
    title, body, removed_at, reason = q(
        db, "select title, body_text, removed_at, removed_reason from articles where article_id = ?",
        ids["removed"])[0]
    assert title == before["removed_title"] and len(body) > 200  # content stays
    assert removed_at and reason.startswith("gone from list")
    assert [g["status"] for g in gone_fetches] == [404]
    assert q(db, "select removed_reason from articles where article_id = ?", ids["gone"]) == [
        ("HTTP 404",)
    ]
    assert q(db, "select status from pages where url like ? order by id", f"%id={ids['gone']}") == [
        (200,), (404,)
    ]
    res = govnews("history", ids["removed"], "--db", str(db))
    assert "REMOVED: first seen missing" in res.stdout
    assert "removed " in res.stdout and "gone from list" in res.stdout
    assert q(db, "select count(*) from articles")[0][0] == 12  # nothing lost
    events = q(db, "select event from article_events")
    assert sorted(events) == [("removed",), ("removed",)]


def test_removal_date_is_first_seen_missing_and_walk_recorded(scenario, tmp_path):
    db, ids, _, _, _ = scenario
    walks = q(db, "select crawl_id, count(*), sum(complete) from list_walks group by crawl_id")
    assert walks == [(1, 4, 4), (2, 4, 4)]
    first = q(db, "select removed_at from articles where article_id = ?", ids["removed"])[0][0]
    # a third crawl keeps the first date seen missing
    copy = tmp_path / "again.db"
    shutil.copy(db, copy)
    with ReplicaServer(articles=12) as srv:
        srv.content.remove(int(ids["removed"]))
        res = govnews("crawl", "chauthanh", "--db", str(copy), "--replica", srv.url)
        assert res.returncode == 0, res.stderr
    assert q(copy, "select removed_at from articles where article_id = ?", ids["removed"]) == [
        (first,)
    ]
    # the 404 one is listed again on this replica (unpatched): fetched and restored
    assert q(copy, "select removed_at from articles where article_id = ?", ids["gone"]) == [(None,)]
    assert ("restored",) in q(copy, "select event from article_events where article = "
                                    "(select id from articles where article_id = ?)", ids["gone"])


def test_contact_periods_and_views(scenario):
    db, ids, _, _, _ = scenario
    periods = q(db, "select address, valid_to is null from site_contacts order by valid_from")
    assert len(periods) == 2
    assert periods[1] == (NEW_ADDRESS, 1) and periods[0][1] == 0
    changes = q(db, "select site, changed_fields, new_address from contact_changes")
    assert changes == [("chauthanh", "address", NEW_ADDRESS)]
    assert q(db, "select count(*), count(total_delta) from counter_series") == [(2, 1)]
    assert q(db, "select total from counter_series order by crawl_id") == [(2276668,), (2276668,)]
    seed = q(db, "select view_count, delta from article_view_series where article_id = ? "
                 "order by crawl_id", str(SEED_ID))
    assert seed == [(203, None), (203, 0)]
    daily = q(db, "select view_count from article_view_daily where article_id = ?", str(SEED_ID))
    assert daily == [(203,)]


def test_stats_command(scenario):
    db, _, _, _, _ = scenario
    res = govnews("stats", "--db", str(db), "--format", "json")
    assert res.returncode == 0, res.stderr
    (row,) = json.loads(res.stdout)
    assert row["site"] == "chauthanh" and row["articles"] == 12
    assert row["removed_articles"] == 2 and row["contact_changes"] == 1
    assert row["last_published"] == "2023-07-18T08:30:00+07:00"
    views = [r[0] for r in q(db, "select view_count from articles where view_count is not null")]
    assert row["total_views"] == sum(views)
    views.sort()
    assert row["median_views"] == (views[len(views) // 2] + views[(len(views) - 1) // 2]) / 2
    table = govnews("stats", "--db", str(db))
    assert "chauthanh" in table.stdout and "contact changes" in table.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["history", "999"], "no archived article '999'"),
        (["history", "397719", "--db", "/nonexistent/x.db"], "no archive at"),
        (["stats", "--site", "nosuchsite"], "no data for site"),
        (["reextract", "--since", "yesterday"], "is not a date"),
        (["reextract", "--site", "nosuchsite"], "no archived articles for site"),
    ],
)
def test_bad_input_is_one_line(scenario, args, message):
    db, _, _, _, _ = scenario
    if "--db" not in args:
        args = [*args, "--db", str(db)]
    res = govnews(*args)
    assert res.returncode != 0
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


@pytest.mark.parametrize("command", ["history", "reextract", "stats"])
def test_help_has_example(command):
    res = govnews(command, "--help")
    assert res.returncode == 0 and "Example:" in res.stdout
