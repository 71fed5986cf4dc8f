"""Search quality (issue 4, item 4): ranking, query language, filters, sorts, --exact, bounded
candidate plans, migration of older archives — on real archives written by ArchiveWriter."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import archive.db as archive_db
import archive.search as search_mod
from archive.db import open_db
from archive.search import exact_query, search, tone_variants
from archive.store import ArchiveWriter
from govnews.cli import cli as govnews_cli
from govnews.errors import UserError

SEED_TITLE = "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"

# (site, article_id, published_at, category, views, title, lead, body)
ARTICLES = [
    ("chauthanh", "397719", "2023-07-20T08:15:00+07:00", "Cải cách hành chính", 203,
     SEED_TITLE, "Để nâng cao chỉ số PAPI của tỉnh, huyện đã xây dựng kế hoạch.",
     "Trong thời gian qua, huyện đã cụ thể hóa các văn bản để nâng cao chỉ số PAPI."),
    ("chauthanh", "1001", "2024-01-05T07:00:00+07:00", "Cải cách hành chính", 50,
     "Kết quả cải cách hành chính năm 2023",
     "Huyện tiếp tục cải cách hành chính.",
     "Theo báo cáo, chỉ số PAPI năm 2023 có nhiều chuyển biến tích cực."),
    ("chauthanh", "1002", "2024-02-10T07:00:00+07:00", "Văn hóa - Xã hội", 900,
     "Hội thao truyền thống mừng Đảng mừng Xuân",
     "Giải thể thao thu hút đông đảo vận động viên.",
     "Các môn thể thao gồm bóng đá, kéo co và cờ tướng."),
    ("chauthanh", "1003", "2024-03-15T07:00:00+07:00", "Văn hóa - Xã hội", 75,
     "Thế trận lòng dân trong bảo vệ an ninh",
     "Xây dựng thế trận an ninh nhân dân vững chắc.",
     "Lực lượng công an phối hợp với các ấp."),
    ("kesach", "2001", "2024-04-20T07:00:00+07:00", "Tin tức - Sự kiện", 10,
     "Người dân được cấp thẻ bảo hiểm y tế",
     "Phát thẻ BHYT cho hộ cận nghèo.",
     "Mỗi người được cấp một thẻ; papi không liên quan."),
    ("kesach", "2002", "2024-05-01T07:00:00+07:00", "Nông nghiệp - Nông thôn mới", 430,
     "Nạo vét kênh thuỷ lợi phục vụ sản xuất",
     "Công trình thuỷ lợi nội đồng được nạo vét.",
     "Hệ thống thủy lợi bảo đảm tưới tiêu cho vụ lúa."),
    ("kesach", "2003", "2024-06-01T07:00:00+07:00", "Nông nghiệp - Nông thôn mới", 120,
     "Hoà Bình chia sẻ mô hình thủy sản",
     "Nông dân xã Hòa Bình nuôi tôm.",
     "Mô hình thủy sản cho lợi nhuận cao."),
    ("kesach", "2004", None, "Thông báo", None,
     "Thông báo lịch tiếp công dân",
     "Lịch tiếp công dân định kỳ.",
     "Chỉ số hài lòng của người dân được khảo sát."),
]  # fmt: skip


def write(path: Path, rows=ARTICLES, fetched_at="2025-06-01T10:00:00+07:00") -> Path:
    w = ArchiveWriter(path)
    w.sync_sites(
        [
            {"id": "chauthanh", "name": "Huyện Châu Thành", "platform": "vnportal"},
            {"id": "kesach", "name": "Huyện Kế Sách", "platform": "vnportal"},
        ]
    )
    crawl = w.start_crawl(sites=["chauthanh", "kesach"], options={})
    for site, aid, published, category, views, title, lead, body in rows:
        w.put_article(
            crawl_id=crawl,
            site=site,
            article_id=aid,
            url=f"https://{site}.soctrang.gov.vn/a/{aid}",
            fetched_at=fetched_at,
            data={
                "title": title,
                "lead": lead,
                "body_text": body,
                "published_at": published,
                "category": category,
                "view_count": views,
            },
        )
    w.finish_crawl(crawl)
    w.close()
    return path


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("quality") / "archive.db")


@pytest.fixture
def db(archive_path):
    d = open_db(archive_path, readonly=True)
    yield d
    d.close()


def ids(results) -> list[str]:
    return [r["article_id"] for r in results]


# ------------------------------------------------------------------ ranking and query language


def test_title_weighted_rank(db):
    # the seed has PAPI in title, lead and body; 1001 and 2001 once in the body only
    res = search(db, "papi")
    assert ids(res)[0] == "397719" and set(ids(res)) == {"397719", "1001", "2001"}
    # one title hit outweighs the same word in lead and body: "thao" is in 1002's title
    # ("Hội thao") and twice in its lead/body; no other article has it at all
    assert ids(search(db, "thao OR cong"))[0] == "1002"


def test_phrase_prefix_boolean(db):
    assert ids(search(db, '"chỉ số PAPI"')) == ["397719", "1001"]
    assert set(ids(search(db, "papi*"))) == {"397719", "1001", "2001"}
    assert set(ids(search(db, "chi so"))) == {"397719", "1001", "2004"}
    assert set(ids(search(db, "chỉ số NOT papi"))) == {"2004"}
    assert set(ids(search(db, "papi OR thao"))) == {"397719", "1001", "2001", "1002"}
    assert set(ids(search(db, "papi AND bao"))) == {"1001", "2001"}  # báo cáo, bảo hiểm
    assert ids(search(db, "title:papi")) == ["397719"]


def test_snippet_highlights_with_original_diacritics(db):
    first = search(db, "chi so papi")[0]
    assert first["snippet"] == "Để nâng cao [chỉ số PAPI] của tỉnh, huyện đã xây dựng kế hoạch."
    (hit,) = search(db, "thuy loi", site="kesach", since="2024-05-01", until="2024-05-01")
    assert "[thuỷ lợi]" in hit["snippet"]


@pytest.mark.parametrize("bad", ["ch*", "a*", "papi OR th*", '"chỉ s*"'])
def test_short_prefix_refused(db, bad):
    with pytest.raises(UserError, match=r"too short: use at least 3 letters"):
        search(db, bad)


# ------------------------------------------------------------------ filters and sorts


def test_filters_site_category_dates_views(db):
    assert set(ids(search(db, "nguoi"))) == {"2001", "2004"}
    assert set(ids(search(db, "nguoi OR huyen", site="kesach"))) == {"2001", "2004"}
    assert ids(search(db, "nguoi", site="chauthanh")) == []
    assert set(ids(search(db, "thuy", category="nong nghiep - nong thon moi"))) == {
        "2002",
        "2003",
    }
    assert set(ids(search(db, "thuy", category="Nông nghiệp - Nông thôn mới"))) == {
        "2002",
        "2003",
    }
    assert ids(search(db, "thuy", category="Y tế")) == []
    assert set(ids(search(db, "chi so", min_views=100))) == {"397719"}
    assert set(ids(search(db, "chi so", min_views=0))) == {"397719", "1001"}  # NULL views out
    assert set(ids(search(db, "chi so", since="2024-01-01"))) == {"1001"}  # undated left out
    assert set(ids(search(db, "chi so", until="2023-12-31"))) == {"397719"}


def test_sorts(db):
    q = "huyen OR thao OR thuy OR cong"
    by_date = search(db, q, sort="date")
    dated = [r["published_at"] for r in by_date if r["published_at"]]
    assert dated == sorted(dated, reverse=True) and by_date[-1]["published_at"] is None
    assert ids(search(db, q, sort="date", limit=2)) == ["2003", "2002"]
    by_views = search(db, q, sort="views")
    assert ids(by_views)[:3] == ["1002", "2002", "397719"]
    assert by_views[-1]["view_count"] is None
    ranked = search(db, q, sort="rank")
    assert [r["rank"] for r in ranked] == sorted(r["rank"] for r in ranked)
    with pytest.raises(UserError, match="--sort must be one of rank, date, views"):
        search(db, q, sort="popularity")
    with pytest.raises(UserError, match="--min-views"):
        search(db, q, min_views=-1)


# ------------------------------------------------------------------ folding and --exact


def test_folded_false_merges_are_real(db):
    """`the` finds `thể` (thể thao, cụ thể hóa), `thế` (thế trận) and `thẻ` (thẻ bảo hiểm)."""
    assert set(ids(search(db, "the"))) == {"1002", "1003", "2001", "397719"}


def test_exact_keeps_diacritics(db):
    assert set(ids(search(db, "thể", exact=True))) == {"1002", "397719"}  # cụ thể hóa
    assert set(ids(search(db, "thế", exact=True))) == {"1003"}
    assert set(ids(search(db, "thẻ", exact=True))) == {"2001"}
    assert ids(search(db, "the", exact=True)) == []
    # case and NFD input still do not matter
    assert set(ids(search(db, "THẾ TRẬN", exact=True))) == {"1003"}
    (hit,) = search(db, "thể thao", exact=True)
    assert "[thể thao]" in hit["snippet"]
    assert "[Thể]" not in hit["snippet"]


def test_exact_accepts_both_tone_placements(db):
    assert tone_variants("thuỷ") == ["thuỷ", "thủy"]
    assert tone_variants("Hòa") == ["Hòa", "Hoà"]
    assert tone_variants("khoẻ") == ["khoẻ", "khỏe"]
    assert tone_variants("thủ") == ["thủ"]
    assert exact_query('"thuỷ lợi"') == '("thuỷ lợi" OR "thủy lợi")'
    assert set(ids(search(db, '"thủy lợi"', exact=True))) == {"2002"}
    assert set(ids(search(db, "hoà bình", exact=True))) == {"2003"}
    assert ids(search(db, "hoa binh", exact=True)) == []
    assert ids(search(db, "NEAR(thuỷ lợi, 2)", exact=True)) == ["2002"]  # no expansion in NEAR
    assert exact_query("hoà bình") == '("hoà" OR "hòa") AND bình'
    assert exact_query('title:hoà OR "thuỷ lợi"') == (
        'title: ("hoà" OR "hòa") OR ("thuỷ lợi" OR "thủy lợi")'
    )


def test_exact_index_follows_updates(tmp_path):
    path = write(tmp_path / "a.db")
    changed = [list(r) for r in ARTICLES]
    changed[2][5] = "Giải bóng chuyền mừng Đảng mừng Xuân"
    changed[2][6] = "Giải bóng chuyền thu hút vận động viên."
    changed[2][7] = "Các đội bóng chuyền tranh tài."
    write(path, [tuple(r) for r in changed], fetched_at="2025-06-02T10:00:00+07:00")
    db = open_db(path, readonly=True)
    try:
        assert ids(search(db, "thể", exact=True)) == ["397719"]  # the seed's "cụ thể hóa"
        assert ids(search(db, "bóng chuyền", exact=True)) == ["1002"]
        assert ids(search(db, "bong chuyen")) == ["1002"]
    finally:
        db.close()
    rw = open_db(path)
    try:
        rw.execute("INSERT INTO articles_fts_exact(articles_fts_exact) VALUES('integrity-check')")
    finally:
        rw.close()


# ------------------------------------------------------------------ bounded candidate plans


@pytest.fixture(scope="module")
def many_path(tmp_path_factory) -> Path:
    """60 articles all containing "huyện", inserted in an order unrelated to their dates."""
    rows = []
    for i in range(60):
        day = 1 + (i * 37) % 28
        month = 1 + (i * 7) % 12
        rows.append(
            ("chauthanh" if i % 2 else "kesach", str(5000 + i),
             f"2024-{month:02d}-{day:02d}T08:00:00+07:00", "Tin tức - Sự kiện", (i * 53) % 97,
             f"Tin số {i} của huyện" + (" về PAPI" if i % 5 == 0 else ""),
             f"Huyện tổ chức hoạt động {i}.", "Nội dung chi tiết của huyện.")
        )  # fmt: skip
    return write(tmp_path_factory.mktemp("many") / "many.db", rows)


def _truth(db, match_sql: str, order: str, limit: int, where: str = "1") -> list[str]:
    sql = (
        "SELECT a.article_id FROM articles a WHERE a.id IN (SELECT rowid FROM articles_fts "
        f"WHERE articles_fts MATCH ?) AND {where} ORDER BY {order} LIMIT ?"
    )
    return [r[0] for r in db.execute(sql, (match_sql, limit))]


@pytest.mark.parametrize("cap", [5, 1000])
def test_capped_and_complete_plans_agree_with_sql(many_path, monkeypatch, cap):
    monkeypatch.setattr(search_mod, "CANDIDATES", cap)
    db = open_db(many_path, readonly=True)
    try:
        # sort=date stays exact when capped: the date walk
        res = search(db, "huyen", sort="date", limit=7)
        assert ids(res) == _truth(db, "huyen", "a.published_at DESC, a.id DESC", 7)
        assert res.plan == ("date-walk" if cap == 5 else "complete")
        res = search(db, "huyen", sort="date", site="chauthanh", since="2024-03-01", limit=4)
        assert ids(res) == _truth(
            db,
            "huyen",
            "a.published_at DESC, a.id DESC",
            4,
            "a.site = 'chauthanh' AND a.published_at >= '2024-03-01'",
        )
        # rank/views: exact when complete; when capped, among the newest-archived `cap`
        res = search(db, "huyen", sort="views", limit=60)
        assert res.capped == (cap == 5)
        if cap == 5:
            assert len(res) == 5
            newest = {str(5000 + i) for i in range(55, 60)}
            assert set(ids(res)) == newest
        else:
            assert ids(res)[:5] == _truth(db, "huyen", "a.view_count DESC, a.published_at DESC", 5)
        res = search(db, "papi", sort="rank", limit=60)  # 12 matches
        if cap == 5:  # capped: column weights (title 10) over the 5 newest-archived matches
            assert res.capped and set(ids(res)) == {"5055", "5050", "5045", "5040", "5035"}
            assert {r["rank"] for r in res} == {-10.0}
            dates = [r["published_at"] for r in res]
            assert dates == sorted(dates, reverse=True)  # equal rank: newest published first
        else:
            assert not res.capped and len(res) == 12
            assert all(r["rank"] < 0 for r in res)  # bm25
        # a query with few matches is complete whatever the cap
        res = search(db, "papi", sort="rank", limit=60)
        assert set(ids(res)) == {str(5000 + i) for i in range(0, 60, 5)} if cap > 12 else True
    finally:
        db.close()


def test_date_walk_falls_back_to_full_scan(many_path, monkeypatch):
    monkeypatch.setattr(search_mod, "CANDIDATES", 5)
    monkeypatch.setattr(search_mod, "_WALK_CHECKS", 3)
    db = open_db(many_path, readonly=True)
    try:
        res = search(db, "papi", sort="date", limit=10)  # 12 matches in 60: walk gives up
        assert res.plan == "complete"
        assert ids(res) == _truth(db, "papi", "a.published_at DESC, a.id DESC", 10)
    finally:
        db.close()


# ------------------------------------------------------------------ migration of older archives


def test_schema_4_archive_upgrades_to_search_indexes(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with monkeypatch.context() as m:
        m.setattr(archive_db, "MIGRATIONS", archive_db.MIGRATIONS[:4])
        m.setattr(archive_db, "SCHEMA_VERSION", 4)
        write(path)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 4
    assert "prefix" not in con.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'"
    ).fetchone()[0]
    con.close()
    db = open_db(path, readonly=True)  # upgrades through a short read-write connection
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == archive_db.SCHEMA_VERSION
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
        assert "prefix = '3'" in sql[0]
        assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == len(ARTICLES)
        assert ids(search(db, "chi so papi"))[0] == "397719"
        assert set(ids(search(db, "thế", exact=True))) == {"1003"}
        assert db.execute("SELECT count(*) FROM articles_browse").fetchone()[0] == len(ARTICLES)
    finally:
        db.close()


# ------------------------------------------------------------------ CLI


def run(*args):
    return CliRunner().invoke(govnews_cli, ["search", *args])


def test_cli_new_options(archive_path):
    res = run("the", "--db", str(archive_path), "--exact", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == []
    res = run("thể thao", "--db", str(archive_path), "--exact", "--format", "json")
    rows = json.loads(res.stdout)
    assert [r["article_id"] for r in rows] == ["1002"]
    assert {"url", "title", "site", "published_at", "view_count", "snippet"} <= set(rows[0])
    res = run(
        "huyen OR thuy", "--db", str(archive_path), "--sort", "views", "--min-views", "100",
        "--category", "nong nghiep - nong thon moi", "--format", "json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert [r["article_id"] for r in json.loads(res.stdout)] == ["2002", "2003"]


@pytest.mark.parametrize(
    "args,needle",
    [
        (["ng*"], "too short"),
        (["papi", "--sort", "best"], "Invalid value for '--sort'"),
        (["papi", "--min-views", "-3"], "Invalid value for '--min-views'"),
    ],
)
def test_cli_bad_input_one_line(archive_path, args, needle):
    res = run(*args, "--db", str(archive_path))
    assert res.exit_code != 0
    assert needle in res.stderr
    assert "Traceback" not in res.output
