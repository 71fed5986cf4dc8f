"""Regression: a vnPortal list page holding ONE article is a list (issue 9).

With 150 replica articles, category 1003 (Kinh tế - Xã hội) has 31 articles and its fourth and
last page one.  The short main column let the sidebar's ``TIN NỔI BẬT`` heading module climb
into ``#container``, which then counted as noise: the page came out ``kind="other"`` with no
links and that article was never crawled.  Golden fixture: tests/fixtures/vnportal/list_single_item.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extract import extract, extract_full
from govnews.replica import ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "vnportal" / "list_single_item"
ONLY_TITLE = "Nạo vét kênh thủy lợi nội đồng phục vụ sản xuất vụ Hè Thu tại xã Phú Tâm"


def test_fixture_one_item_list_is_a_list():
    out = extract_full((FIX / "page.html").read_bytes(), (FIX / "url.txt").read_text().strip())
    assert out["kind"] == "list"
    assert [a["title"] for a in out["articles"]] == [ONLY_TITLE]
    assert out["articles"][0]["url"].endswith("/1003/381061/Kinh-te-Xa-hoi/"
                                              "Nao-vet-kenh-thuy-loi-noi-dong-phuc-vu-san-xuat-vu-"
                                              "He-Thu-tai-xa-Phu-Tam.aspx")
    assert out["articles"][0]["published_at"] == "2022-02-03T00:00:00+07:00"
    assert out["title"] == out["category"] == "Kinh tế - Xã hội"
    # the pager of the last page still offers pages 1-3, not the current one
    assert [p["argument"] for p in out["postbacks"]] == ["Page$1", "Page$2", "Page$3"]


@pytest.mark.parametrize("cls", ["ArticleList", "ArticleOfCat"])
def test_one_item_list_in_either_theme(cls):
    """The same page with the other theme's list class, and with a sidebar heading module."""
    html = (FIX / "page.html").read_text("utf-8").replace('class="ArticleList"', f'class="{cls}"')
    out = extract(html, (FIX / "url.txt").read_text().strip())
    assert out["kind"] == "list"
    assert [a["title"] for a in out["articles"]] == [ONLY_TITLE]


@pytest.fixture(scope="module")
def replica150():
    with ReplicaServer(articles=150) as srv:
        yield srv


def test_crawl_of_150_articles_archives_all(replica150, tmp_path):
    db = tmp_path / "archive.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    res = subprocess.run(
        [sys.executable, "-m", "govnews", "crawl", "chauthanh", "--db", str(db), "--replica",
         replica150.url, "--no-progress"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    con = sqlite3.connect(db)
    try:
        got = {r[0] for r in con.execute("select article_id from articles where site='chauthanh'")}
        titles = {r[0] for r in con.execute("select title from articles")}
    finally:
        con.close()
    expected = {str(a.article_id) for a in replica150.content.articles}
    assert len(expected) == 150
    assert got == expected
    assert ONLY_TITLE in titles
