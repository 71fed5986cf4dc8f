"""The replica portal server: a real server on a free loopback port, spoken to with urllib."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner
from parsel import Selector

from govnews.replica import DEFAULT_ARTICLES, PAGER_TARGET, SEED_ID, ReplicaServer
from govnews.replica.content import build_site_content

HOST = "chauthanh.soctrang.gov.vn"
SEED_TITLE = "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"
SEED_FORMS = [
    "/huyenchauthanh/1308/369/1001/397719/Tin-tuc-Su-kien/"
    "Huyen-Chau-Thanh-trien-khai-cac-giai-phap-nang-cao-chi-so-PAPI-cua-tinh.aspx",
    "/Default.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001&id=397719"
    "&catname=Tin-tuc-Su-kien&title=Huyen-Chau-Thanh-trien-khai",
    "/mDefault.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001&id=397719",
]
COUNTER = ["Đang online: ", "47", "Hôm nay: ", "272", "Trong tuần: ", "Trong tháng: ", "48 536",
           "Tất cả: ", "2276668"]
FOOTER = [
    "Cơ quan chủ quản: ỦY BAN NHÂN DÂN HUYỆN CHÂU THÀNH - TỈNH SÓC TRĂNG",
    "Địa Chỉ: ấp Xây Cáp, thị trấn Châu Thành, huyện Châu Thành, Tỉnh Sóc Trăng",
    "Điện Thoại: (0299) 3 834 570  - (0299) 3 834 566. Fax: (0299) 3 834 670. "
    "Email: vpubndchauthanh@gmail.com",
    "Ghi rõ nguồn thông tin điện tử UBND Huyện Châu Thành khi trích dẫn lại từ địa chỉ này.",
]


def list_url(catid: int, page: str = "Default.aspx") -> str:
    return f"/{page}?sname=huyenchauthanh&sid=1308&pageid=369&catid={catid}"


@pytest.fixture(scope="module")
def server():
    with ReplicaServer() as srv:
        yield srv


def fetch(srv, path, *, host=HOST, data=None, method=None):
    """(status, headers, text) of a request to the replica."""
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    req = urllib.request.Request(srv.url + path, data=body, method=method)
    if host:
        req.add_header("Host", host)
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def text_of(html: str) -> str:
    return " ".join(Selector(text=html).xpath("//body//text()").getall())


def item_ids(html: str) -> list[int]:
    hrefs = Selector(text=html).css("ul.ArticleList li h2.Title a::attr(href)").getall()
    return [article_id(h) for h in hrefs]


def article_id(href: str) -> int | None:
    m = re.search(r"[?&]id=(\d+)", href) or re.search(r"/\d+/\d+/\d+/(\d+)/[^/]+/[^/]+\.aspx", href)
    return int(m.group(1)) if m else None


def viewstate(html: str) -> str:
    return Selector(text=html).css("#__VIEWSTATE::attr(value)").get()


def postback(srv, catid, html, n, page="Default.aspx"):
    form = {"__EVENTTARGET": PAGER_TARGET, "__EVENTARGUMENT": f"Page${n}",
            "__VIEWSTATE": viewstate(html)}
    return fetch(srv, list_url(catid, page), data=form)


# -- article pages -------------------------------------------------------------------------


@pytest.mark.parametrize("path", SEED_FORMS)
def test_seed_article_in_every_url_form(server, path):
    status, headers, html = fetch(server, path)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    sel = Selector(text=html)
    assert sel.css("h1.Title::text").get() == SEED_TITLE
    assert sel.css(".ViewCount::text").get() == "Lượt xem: 203"
    assert sel.css(".ArticleContent em::text").get() == (
        "Hướng dẫn người dân thực hiện TTHC của đơn vị xã Hồ Đắc Kiện"
    )
    assert sel.css(".ArticleSummary strong::text").get().startswith("Để nâng cao chỉ số PAPI")
    body = " ".join(sel.css(".ArticleContent p::text").getall())
    assert "Đặng Bảo Xuyên" in body and "10.614 hồ sơ" in body
    assert sel.css(".ArticleContent p strong::text").getall()[-1] == "YV - Phòng NV"
    assert sel.css("div.DateCreate::text").get() == "18/07/2023 08:30"
    text = text_of(html)
    for piece in COUNTER + FOOTER + ["Bình Chọn", "Khả năng đáp ứng thông tin của Website",
                                     "TIN NỔI BẬT"]:
        assert piece in text
    assert ("mobile" in sel.css("body::attr(class)").get()) == path.startswith("/mDefault")


def test_article_identity_ignores_catid_and_slugs(server):
    status, _, html = fetch(server, "/huyenchauthanh/1308/1/9999/397719/x/y.aspx")
    assert status == 200 and SEED_TITLE in html
    status, _, html = fetch(server, "/Default.aspx?sname=huyenchauthanh&id=397719")
    assert status == 200 and SEED_TITLE in html


def test_unknown_article_is_404_with_shell(server):
    for path in ("/Default.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001&id=1",
                 "/huyenchauthanh/1308/369/1001/123/a/b.aspx", "/no/such/page.aspx"):
        status, headers, html = fetch(server, path)
        assert status == 404, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert "Tất cả: " in text_of(html) and 'id="aspnetForm"' in html


def test_variant_articles(server):
    content = server.content
    v = content.variants
    no_counter = [a for a in content.articles if a.view_count is None]
    assert len(no_counter) == 1 and no_counter[0].article_id == v.no_counter_id
    _, _, html = fetch(server, f"/Default.aspx?sname=huyenchauthanh&id={v.no_counter_id}")
    assert Selector(text=html).css(".ViewCount").get() is None
    assert not re.search(r"Lượt xem|Lượt đọc|Số lần xem", Selector(text=html).css("#content").get())

    _, _, html = fetch(server, f"/Default.aspx?sname=huyenchauthanh&id={v.thousands_id}")
    assert Selector(text=html).css(".ViewCount::text").get() == "Lượt đọc: 1.234"
    assert set(v.view_labels) == {"Lượt xem", "Lượt đọc", "Số lần xem"}
    assert set(v.date_styles) == {"ngay", "datetime", "long"}

    long_id = v.date_styles["long"][0]
    _, _, html = fetch(server, f"/Default.aspx?sname=huyenchauthanh&id={long_id}")
    assert re.fullmatch(r"Ngày \d\d tháng \d{1,2} năm 20\d\d",
                        Selector(text=html).css("div.DateCreate::text").get())
    assert len(v.attachment_ids) == 2
    _, _, html = fetch(server, f"/Default.aspx?sname=huyenchauthanh&id={v.attachment_ids[0]}")
    href = Selector(text=html).css(".ArticleContent a[href$='.pdf']::attr(href)").get()
    assert href.startswith("/Upload/1308/")
    assert len(v.image_ids) >= 5


def test_content_is_deterministic_and_varied():
    a, b = build_site_content(), build_site_content()
    assert [(x.article_id, x.title, x.view_count, x.published) for x in a.articles] == [
        (x.article_id, x.title, x.view_count, x.published) for x in b.articles
    ]
    assert a.total == DEFAULT_ARTICLES == 73
    assert a.category_counts() == {1001: 28, 1002: 16, 1003: 15, 1004: 14}
    by_date = sorted(a.articles, key=lambda x: (x.published, x.article_id))
    assert [x.article_id for x in by_date] == sorted(x.article_id for x in a.articles)
    assert all(2022 <= x.published.year <= 2024 for x in a.articles)
    assert any(x.article_id > SEED_ID for x in a.articles)
    texts = [x.title + " " + x.lead + " " + " ".join(x.paragraphs) for x in a.articles]
    for word in ("thủy", "thuỷ", "hòa", "hoà", "Đắk Lắk", "đường", "đất đai"):
        assert any(word in t for t in texts), word
    assert len({x.title for x in a.articles}) == a.total


# -- lists and postback --------------------------------------------------------------------


def test_list_page_one(server):
    status, _, html = fetch(server, list_url(1001))
    assert status == 200
    sel = Selector(text=html)
    ids = item_ids(html)
    assert len(ids) == 10
    assert ids == [a.article_id for a in server.content.by_category[1001][:10]]
    dates = sel.css("ul.ArticleList li .Ngaydang::text").getall()
    assert len(dates) == 10 and all(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in dates)
    hrefs = sel.css("ul.ArticleList li h2.Title a::attr(href)").getall()
    assert any(h.endswith(".aspx") and "?" not in h for h in hrefs)
    assert any("Default.aspx?" in h and "&id=" in h for h in hrefs)
    assert sel.css("form#aspnetForm::attr(action)").get() == list_url(1001)
    pager = sel.css(".Pager a::attr(href)").getall()
    assert f"javascript:__doPostBack('{PAGER_TARGET}','Page$2')" in pager


def test_postback_returns_page_two(server):
    _, _, page1 = fetch(server, list_url(1002))
    status, _, page2 = postback(server, 1002, page1, 2)
    assert status == 200
    ids1, ids2 = item_ids(page1), item_ids(page2)
    assert ids2 and not set(ids1) & set(ids2)
    assert ids2 == [a.article_id for a in server.content.by_category[1002][10:20]]
    assert Selector(text=page2).css(".Pager span.CurrentPage::text").get() == "2"


def test_older_pages_only_reachable_by_postback(server):
    content = server.content
    for cat in content.categories:
        _, _, html = fetch(server, list_url(cat.catid))
        linked = {article_id(h) for h in Selector(text=html).css("a::attr(href)").getall()}
        older = {a.article_id for a in content.by_category[cat.catid][10:]}
        assert older and not linked & older
        # no GET link to another list page either: the pager is javascript only
        for h in Selector(text=html).css(".Pager a::attr(href)").getall():
            assert h.startswith("javascript:__doPostBack(")


def test_all_articles_reachable_through_postbacks(server):
    seen: dict[int, list[int]] = {}
    for cat in server.content.categories:
        _, _, html = fetch(server, list_url(cat.catid))
        ids = item_ids(html)
        n = 1
        while True:
            n += 1
            if f"'Page${n}'" not in html:
                break
            status, _, html = postback(server, cat.catid, html, n)
            assert status == 200
            ids += item_ids(html)
        seen[cat.catid] = ids
    total = sum(len(v) for v in seen.values())
    assert total == DEFAULT_ARTICLES
    assert len({i for v in seen.values() for i in v}) == DEFAULT_ARTICLES
    assert {k: len(v) for k, v in seen.items()} == server.content.category_counts()


def test_viewstate_validation(server):
    _, _, page1 = fetch(server, list_url(1001))
    garbage = {"__EVENTTARGET": PAGER_TARGET, "__EVENTARGUMENT": "Page$2", "__VIEWSTATE": "garbage=="}
    status, _, html = fetch(server, list_url(1001), data=garbage)
    assert status == 500 and "Validation of viewstate MAC failed" in html
    # the view state of another category does not validate either
    status, _, _ = fetch(server, list_url(1003), data={
        "__EVENTTARGET": PAGER_TARGET, "__EVENTARGUMENT": "Page$2", "__VIEWSTATE": viewstate(page1)})
    assert status == 500
    # no view state at all: not a postback, page 1
    status, _, html = fetch(server, list_url(1001), data={"__EVENTARGUMENT": "Page$2"})
    assert status == 200 and item_ids(html) == item_ids(page1)
    # past the last page: clamped
    status, _, html = postback(server, 1001, page1, 99)
    assert status == 200 and Selector(text=html).css(".Pager span.CurrentPage::text").get() == "3"


def test_mobile_list_postback(server):
    _, _, page1 = fetch(server, list_url(1004, "mDefault.aspx"))
    status, _, page2 = postback(server, 1004, page1, 2, page="mDefault.aspx")
    assert status == 200
    assert item_ids(page2) == [a.article_id for a in server.content.by_category[1004][10:20]]


# -- home, host, robots, static, log -------------------------------------------------------


def test_home_page(server):
    for path in ("/", "/Default.aspx?sname=huyenchauthanh&sid=1308"):
        status, _, html = fetch(server, path)
        assert status == 200
        sel = Selector(text=html)
        cat_links = [h for h in sel.css("a::attr(href)").getall() if "catid=" in h and "id=" not in
                     h.replace("sid=", "").replace("catid=", "").replace("pageid=", "")]
        for cat in server.content.categories:
            assert any(f"catid={cat.catid}" in h for h in cat_links)
        linked = {article_id(h) for h in sel.css("a::attr(href)").getall()}
        assert {a.article_id for a in server.content.articles[:10]} <= linked
        assert len(sel.css("ul.HotNews li")) == 5
        assert len(sel.css("ul.HotNews .DateHot")) == 5
        assert sel.css("ul.ArticleList").get() is None


def test_absolute_links_follow_host_header(server):
    for host in (HOST, None):
        _, _, html = fetch(server, SEED_FORMS[0], host=host)
        expected = f"https://{host or server.url.split('//', 1)[1]}"
        sel = Selector(text=html)
        absolute = [u for u in sel.css("[href]::attr(href), [src]::attr(src)").getall()
                    if u.startswith(("http://", "https://"))]
        assert absolute, "some links are absolute (TIN NỔI BẬT, canonical, banner)"
        assert all(u.startswith(expected + "/") for u in absolute), absolute
        assert sel.css("link[rel=canonical]::attr(href)").get().startswith(expected + "/huyenchauthanh/")


def test_robots_and_forbidden(server):
    status, headers, text = fetch(server, "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert text.splitlines() == ["User-agent: *", "Disallow: /Admin/", "Disallow: /Search/"]
    assert fetch(server, "/Admin/Login.aspx")[0] == 403
    assert fetch(server, "/Search/Default.aspx?q=papi")[0] == 403


def test_static_assets(server):
    for path, ctype, magic in [("/Portals/1308/banner.jpg", "image/jpeg", b"\xff\xd8"),
                               ("/Portals/1308/x.gif", "image/gif", b"GIF89a"),
                               ("/Upload/1308/2024/03/a.pdf", "application/pdf", b"%PDF"),
                               ("/js/jquery.js", "application/javascript", b""),
                               ("/Portals/1308/Skins/default.css", "text/css", b"")]:
        with urllib.request.urlopen(server.url + path, timeout=5) as r:
            assert r.status == 200 and r.headers["Content-Type"] == ctype
            assert r.read().startswith(magic)


def test_head_and_request_log(server):
    server.clear_log()
    status, headers, body = fetch(server, SEED_FORMS[0], method="HEAD")
    assert status == 200 and body == "" and int(headers["Content-Length"]) > 20000
    fetch(server, list_url(1001))
    log = server.requests
    assert [(r["method"], r["kind"], r["status"]) for r in log] == [
        ("HEAD", "article", 200), ("GET", "list", 200)]
    assert log[0]["host"] == HOST and log[0]["path"] == SEED_FORMS[0]
    assert not any(r["kind"] == "article" for r in log[1:])
    server.clear_log()
    assert server.requests == []


def test_big_site():
    with ReplicaServer(articles=2000) as big:
        assert big.content.total == 2000
        assert sum(big.content.category_counts().values()) == 2000
        sizes = []
        for a in big.content.articles[::250]:
            status, _, html = fetch(big, f"/Default.aspx?sname=huyenchauthanh&id={a.article_id}")
            assert status == 200 and a.title in html
            sizes.append(len(html.encode()))
        assert 25_000 < min(sizes) and max(sizes) < 70_000
        _, _, html = fetch(big, list_url(1001))
        assert "'Page$11')\">...</a>" in html


# -- CLI -----------------------------------------------------------------------------------


def test_cli_help():
    from govnews.cli import cli

    runner = CliRunner()
    for args in (["replica", "--help"], ["replica", "serve", "--help"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "Example" in result.output
    assert "--articles" in runner.invoke(cli, ["replica", "serve", "--help"]).output


def test_cli_port_in_use(server):
    from govnews.cli import cli

    port = server.url.rsplit(":", 1)[1]
    result = CliRunner().invoke(cli, ["replica", "serve", "--port", port])
    assert result.exit_code != 0
    assert "address already in use" in result.output
    assert "Traceback" not in result.output
