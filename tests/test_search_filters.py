"""Filtered search through the FTS5 ``meta`` column (issue 9): exact results for every sort on a
real archive written by ArchiveWriter, whose sites and dates are interleaved across rowids (as in
the synthetic benchmark archive, unlike one crawl per site); the tokens kept in step by every
writer (new article, updated article, changed date) and by the migration of an older archive."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

import archive.db as archive_db
import archive.search as search_mod
from archive.db import open_db
from archive.fold import fold
from archive.search import fold_query, make_snippet, query_terms, search
from archive.search_index import scope_tokens, site_token
from archive.store import ArchiveWriter

SITES = ("chauthanh", "kesach", "xachauthanh_ct")
START = date(2022, 1, 3)
N = 90


def _article(i: int) -> dict:
    """Article i: site i % 3, published START + 11·i days (2022-01-03 … 2024-09-13), "huyện" in
    every title, "PAPI" in the body of every fourth, views (37·i) % 101."""
    day = START + timedelta(days=11 * i)
    return {
        "site": SITES[i % 3],
        "article_id": str(7000 + i),
        "published_at": f"{day.isoformat()}T08:00:00+07:00",
        "title": f"Tin số {i} của huyện",
        "lead": f"Huyện tổ chức hoạt động số {i}.",
        "body_text": "Nâng cao chỉ số PAPI của tỉnh." if i % 4 == 0 else "Nội dung chi tiết.",
        "view_count": (37 * i) % 101,
    }


# Written in an order unrelated to site and date, so rowid ranges bound nothing.
ORDER = [(i * 47) % N for i in range(N)]
EXTRA = [
    {"site": "kesach", "article_id": "7900", "published_at": None, "title": "Thông báo huyện",
     "lead": "Lịch tiếp công dân.", "body_text": "PAPI và huyện.", "view_count": None},
    {"site": "chauthanh", "article_id": "7901", "published_at": "2023-07-20T08:15:00+07:00",
     "title": "Zalo của huyện", "lead": "Nhắn tin qua Zalo.", "body_text": "Zalo.",
     "view_count": 5},
]  # fmt: skip


def write(path: Path, articles: list[dict], fetched_at: str = "2025-06-01T10:00:00+07:00") -> Path:
    w = ArchiveWriter(path)
    w.sync_sites([{"id": s, "name": s, "platform": "vnportal"} for s in SITES])
    crawl = w.start_crawl(sites=list(SITES), options={})
    for a in articles:
        data = {k: a[k] for k in ("title", "lead", "body_text", "published_at", "view_count")}
        w.put_article(
            crawl_id=crawl,
            site=a["site"],
            article_id=a["article_id"],
            url=f"https://{a['site']}.soctrang.gov.vn/a/{a['article_id']}",
            fetched_at=fetched_at,
            data=dict(data, category="Tin tức - Sự kiện"),
        )
    w.finish_crawl(crawl)
    w.close()
    return path


ARTICLES = [_article(i) for i in ORDER] + EXTRA


@pytest.fixture(scope="module")
def path(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("filters") / "archive.db", ARTICLES)


@pytest.fixture
def db(path):
    d = open_db(path, readonly=True)
    yield d
    d.close()


@pytest.fixture(params=[1, search_mod._DATE_SCOPE_SHARE], ids=["date-tokens", "default"])
def share(request, monkeypatch):
    """Run with date tokens for every date filter (1), and with the default rule (wide ranges
    use none): both plans must give the same exact results."""
    monkeypatch.setattr(search_mod, "_DATE_SCOPE_SHARE", request.param)
    return request.param


def ids(results) -> list[str]:
    return [r["article_id"] for r in results]


# ------------------------------------------------------------------ the tokens


def test_meta_tokens_of_written_rows(db):
    cht, ks = site_token("chauthanh"), site_token("kesach")
    assert cht == "zs636861757468616e68"  # hex of the site id: any id is one token
    meta = dict(
        db.execute(
            "SELECT a.article_id, f.meta FROM articles a JOIN articles_fts f ON f.rowid = a.id"
        ).fetchall()
    )
    assert meta["7901"] == f"{cht} zy2023 zm202307 {cht}y2023 {cht}m202307"
    assert meta["7900"] == ks  # undated: the site only
    assert len(meta) == len(ARTICLES)
    assert all(meta[a["article_id"]].startswith(site_token(a["site"]) + " ") for a in ARTICLES[:N])


def _params(db, site=None, since=None, until=None) -> dict:
    return search_mod._filters(db, site, since, until, None, None)[1]


def test_scope_expression_added_to_the_match(db, monkeypatch):
    ks = site_token("kesach")
    scope = search_mod._scope
    assert scope(db, "kesach", _params(db, "kesach")) == f"meta : ({ks})"
    narrow = _params(db, "kesach", "2023-02-10", "2023-03-20")
    assert scope(db, "kesach", narrow) == f"meta : ({ks}m202302 OR {ks}m202303)"
    assert scope(db, None, _params(db, None, "2023-02-10", "2023-02-12")) == "meta : (zm202302)"
    # a year is more than a quarter of kesach's dates (2022-01-14 … 2024-08-27): site only …
    year = _params(db, "kesach", "2023-01-01", "2023-12-31")
    assert scope(db, "kesach", year) == f"meta : ({ks})"
    # … unless date tokens are wanted for any share; open bounds are clamped to kesach's dates
    monkeypatch.setattr(search_mod, "_DATE_SCOPE_SHARE", 1)
    assert scope(db, "kesach", year) == f"meta : ({ks}y2023)"
    assert scope(db, "kesach", _params(db, "kesach", "2024-06-01")) == (
        f"meta : ({ks}m202406 OR {ks}m202407 OR {ks}m202408)"
    )
    assert scope(db, None, _params(db)) is None


def test_scope_tokens_cover_months_and_whole_years():
    s = site_token("kesach")
    assert scope_tokens("kesach", date(2022, 11, 15), date(2024, 2, 1)) == [
        f"{s}m202211", f"{s}m202212", f"{s}y2023", f"{s}m202401", f"{s}m202402"
    ]  # fmt: skip
    assert scope_tokens(None, date(2023, 1, 1), date(2023, 12, 31)) == ["zy2023"]
    assert scope_tokens(None, date(2023, 1, 9), date(2023, 1, 9)) == ["zm202301"]
    assert scope_tokens("kesach", None, None) == [s]
    assert scope_tokens(None, None, None) == []


# ------------------------------------------------------------------ exact results


def _truth(query_word: str, site, since, until, sort: str, limit: int) -> list[str]:
    """The expected article ids, computed from the article list (not from the archive)."""
    rowid = {a["article_id"]: n for n, a in enumerate(ARTICLES, start=1)}
    word = {"huyen": "huyện", "papi": "PAPI"}[query_word]
    hits = []
    for a in ARTICLES:
        text = " ".join((a["title"], a["lead"], a["body_text"]))
        if word.lower() not in text.lower() or (site and a["site"] != site):
            continue
        day = a["published_at"][:10] if a["published_at"] else None
        if (since or until) and day is None:
            continue
        if (since and day < since) or (until and day > until):
            continue
        hits.append(a)

    def newest(a):
        return (a["published_at"] is not None, a["published_at"] or "", rowid[a["article_id"]])

    hits.sort(key=newest, reverse=True)
    if sort == "views":
        hits.sort(key=lambda a: (a["view_count"] is None, -(a["view_count"] or 0)))
    return [a["article_id"] for a in hits[:limit]]


FILTERS = [
    ("chauthanh", None, None),
    ("kesach", "2023-01-01", "2023-12-31"),
    ("xachauthanh_ct", "2022-03-15", "2023-05-02"),
    ("kesach", "2024-02-01", None),
    (None, None, "2022-06-30"),
    (None, "2023-02-10", "2023-02-28"),
    (None, "2021-01-01", "2030-12-31"),  # wider than the archive: no date tokens needed
    ("chauthanh", "2025-01-01", None),  # nothing that late
]


@pytest.mark.parametrize("site,since,until", FILTERS)
@pytest.mark.parametrize("sort", ["date", "views"])
@pytest.mark.parametrize("word", ["huyen", "papi"])
def test_filtered_date_and_views_sorts_are_exact(db, share, word, site, since, until, sort):
    res = search(db, word, site=site, since=since, until=until, sort=sort, limit=100)
    assert ids(res) == _truth(word, site, since, until, sort, 100)
    assert not res.capped


def test_filtered_results_spelled_out(db):
    # kesach is every third article from i = 1; PAPI every fourth: i = 1 mod 3, 0 mod 4 →
    # i = 4, 16, 28, …; published 2022-01-03 + 11·i days
    assert ids(search(db, "papi", site="kesach", sort="date", until="2022-12-31")) == [
        "7028", "7016", "7004"
    ]  # fmt: skip
    assert ids(search(db, "papi", site="kesach", since="2023-01-01", until="2023-12-31",
                      sort="date")) == ["7064", "7052", "7040"]  # fmt: skip
    assert ids(search(db, "papi", site="kesach", since="2023-01-01", sort="views")) == [
        "7076", "7040", "7064", "7088", "7052"
    ]  # views 85, 66, 45, 24, 5  # fmt: skip
    assert ids(search(db, "papi", site="kesach", sort="date"))[-1] == "7900"  # undated: last


@pytest.mark.parametrize("site,since,until", FILTERS)
def test_filtered_rank_equals_bm25_over_the_filtered_set(db, share, site, since, until):
    where, params = ["articles_fts MATCH :q"], {"q": "huyen OR papi"}
    if site:
        where.append("a.site = :site")
        params["site"] = site
    if since:
        where.append("a.published_at >= :since")
        params["since"] = since
    if until:
        where.append("a.published_at < :until")
        params["until"] = (date.fromisoformat(until) + timedelta(days=1)).isoformat()
    truth = [
        r[0]
        for r in db.execute(
            "SELECT a.article_id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
            f"WHERE {' AND '.join(where)} ORDER BY bm25(articles_fts, 10.0, 3.0, 1.0), "
            "a.published_at IS NULL, a.published_at DESC, a.id DESC",
            params,
        )
    ]
    res = search(db, "huyen OR papi", site=site, since=since, until=until, limit=100)
    assert ids(res) == truth and not res.capped


@pytest.mark.parametrize("site,since,until", FILTERS[:5])  # those with more than 4 matches
def test_capped_filtered_plans(db, share, monkeypatch, site, since, until):
    """More filtered matches than CANDIDATES: rank and views order the CANDIDATES newest-archived
    filtered matches (found through the meta tokens), date stays exact (the date walk)."""
    monkeypatch.setattr(search_mod, "CANDIDATES", 4)
    everything = _truth("huyen", site, since, until, "date", 1000)
    assert len(everything) > 4
    rowid = {a["article_id"]: n for n, a in enumerate(ARTICLES, start=1)}
    newest_archived = sorted(everything, key=rowid.get, reverse=True)[:4]
    for sort in ("rank", "views"):
        res = search(db, "huyen", site=site, since=since, until=until, sort=sort, limit=100)
        assert res.capped and set(ids(res)) == set(newest_archived)
    res = search(db, "huyen", site=site, since=since, until=until, sort="date", limit=6)
    assert ids(res) == everything[:6] and res.plan == "date-walk"


def test_user_words_never_match_meta_tokens(db):
    token = site_token("chauthanh")
    assert ids(search(db, token)) == []
    assert ids(search(db, token + "y2023")) == []
    assert ids(search(db, "zs6*")) == []
    assert ids(search(db, "zy2023 OR zm202307")) == []
    assert ids(search(db, "zalo", site="chauthanh", since="2023-07-01")) == ["7901"]
    assert ids(search(db, "zalo huyen", site="kesach")) == []


# ------------------------------------------------------------------ kept in step


def test_tokens_follow_updates(tmp_path):
    """A re-crawled article with a new date (ArchiveWriter's replace path) and a date changed in
    SQL (the trigger) are found under the new date only."""
    path = write(tmp_path / "a.db", ARTICLES[:20])
    moved = dict(ARTICLES[0], published_at="2021-05-05T09:00:00+07:00", body_text="PAPI mới.")
    write(path, [moved], fetched_at="2025-06-02T10:00:00+07:00")
    rw = open_db(path)
    try:
        rw.execute(
            "UPDATE articles SET published_at = '2020-02-02T08:00:00+07:00' WHERE article_id = ?",
            (ARTICLES[1]["article_id"],),
        )
        rw.conn.commit()
        rw.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
    finally:
        rw.close()
    db = open_db(path, readonly=True)
    try:
        old_day = ARTICLES[0]["published_at"][:10]
        assert ids(search(db, "huyen", since="2021-05-01", until="2021-05-31")) == [
            moved["article_id"]
        ]
        assert moved["article_id"] not in ids(search(db, "huyen", since=old_day, until=old_day))
        assert ids(search(db, "huyen", site=ARTICLES[1]["site"], until="2020-12-31")) == [
            ARTICLES[1]["article_id"]
        ]
        (meta,) = db.execute(
            "SELECT f.meta FROM articles_fts f JOIN articles a ON a.id = f.rowid "
            "WHERE a.article_id = ?",
            (ARTICLES[1]["article_id"],),
        ).fetchone()
        assert "zm202002" in meta.split()
    finally:
        db.close()


def test_schema_6_archive_gets_meta_tokens(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with monkeypatch.context() as m:
        m.setattr(archive_db, "MIGRATIONS", archive_db.MIGRATIONS[:6])
        m.setattr(archive_db, "SCHEMA_VERSION", 6)
        write(path, ARTICLES)
    con = sqlite3.connect(path)
    cols = [r[1] for r in con.execute("PRAGMA table_info(articles_fts)")]
    con.close()
    assert cols == ["title", "lead", "body"]
    db = open_db(path, readonly=True)  # migrates through a short read-write connection
    try:
        assert [r[1] for r in db.execute("PRAGMA table_info(articles_fts)")] == [
            "title", "lead", "body", "meta"
        ]  # fmt: skip
        assert db.execute("SELECT count(*) FROM articles_fts WHERE meta IS NULL").fetchone() == (0,)
        for site, since, until in FILTERS:
            res = search(db, "papi", site=site, since=since, until=until, sort="date", limit=100)
            assert ids(res) == _truth("papi", site, since, until, "date", 100)
    finally:
        db.close()


def test_snippet_from_the_stored_folded_text_is_the_same():
    """_rows passes the folded lead/body stored in articles_fts to make_snippet: same snippet
    as folding afresh; a text without a match is None; a folded copy of another length (a
    stale index) is ignored, not trusted."""
    text = "Ủy ban nhân dân huyện Châu Thành họp về chỉ số PAPI của tỉnh Sóc Trăng."
    terms = query_terms(fold_query("chi so papi"))
    expected = "Ủy ban nhân dân huyện Châu Thành họp về [chỉ số PAPI] của tỉnh Sóc Trăng."
    assert make_snippet(text, terms) == expected
    assert make_snippet(text, terms, folded=fold(text)) == expected
    assert make_snippet(text, terms, folded=fold(text) + " thêm") == expected
    assert make_snippet(text, query_terms(fold_query("dak lak")), folded=fold(text)) is None


def test_few_matches_among_many_filtered_articles_are_complete(db, share, monkeypatch):
    """More articles pass the filters than CANDIDATES but few match: the first (unranked) pass
    proves the set complete, the second ranks it with bm25."""
    monkeypatch.setattr(search_mod, "CANDIDATES", 4)
    res = search(db, "papi", site="kesach", until="2022-12-31")
    assert not res.capped and res.plan == "complete"
    assert sorted(ids(res)) == ["7004", "7016", "7028"] and all(r["rank"] < 0 for r in res)
    assert ids(search(db, "papi", site="kesach", until="2022-12-31", sort="views")) == [
        "7016",
        "7004",
        "7028",
    ]  # views 87, 47, 26
