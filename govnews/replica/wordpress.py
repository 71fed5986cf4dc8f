"""Replica of a WordPress commune site with the REST API on (``/wp-json/wp/v2/posts``).

Routes: ``/`` (home: generator meta, ``<link rel="https://api.w.org/">``, latest posts, footer,
counter widget), ``/page/N/``, ``/YYYY/MM/slug/`` and ``/?p=ID`` (post HTML with a post-views
``Lượt xem`` line), ``/wp-json/wp/v2/posts?per_page=&page=`` (``X-WP-Total`` /
``X-WP-TotalPages`` headers; a page past the end is HTTP 400 ``rest_post_invalid_page_number``
as on real WordPress), ``/wp-json/wp/v2/posts/ID``, ``/robots.txt``.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

HOST = "xaphutam.soctrang.gov.vn"
PLATFORM = "wordpress"
SITE_NAME = "Trang thông tin điện tử xã Phú Tâm"
AGENCY = "ỦY BAN NHÂN DÂN XÃ PHÚ TÂM"
HOME_SIZE = 4

# (id, date local, slug, title, category, views, author)
POSTS = [
    (812, "2025-06-20T08:15:00", "xa-phu-tam-ra-quan-ve-sinh-kenh-muong-thuy-loi",
     "Xã Phú Tâm ra quân vệ sinh kênh mương thủy lợi nội đồng", "Tin tức", 412, "Ban biên tập"),
    (805, "2025-06-12T14:30:00", "tap-huan-chuyen-doi-so-cho-to-cong-nghe-so-cong-dong",
     "Tập huấn chuyển đổi số cho tổ công nghệ số cộng đồng", "Chuyển đổi số", 268, "Ban biên tập"),
    (799, "2025-05-28T09:00:00", "hoi-nghi-doi-thoai-voi-nhan-dan-nam-2025",
     "Hội nghị đối thoại với Nhân dân năm 2025", "Tin tức", 351, "Văn phòng UBND xã"),
    (790, "2025-05-15T16:45:00", "ket-qua-cai-thien-chi-so-papi-cap-xa",
     "Kết quả cải thiện chỉ số hiệu quả quản trị và hành chính công cấp xã năm 2024", "Cải cách hành chính", 199, "Văn phòng UBND xã"),
    (781, "2025-04-30T07:30:00", "phu-tam-tiep-nhan-ho-so-truc-tuyen-toan-trinh",
     "Phú Tâm tiếp nhận hồ sơ trực tuyến toàn trình đạt 85%", "Cải cách hành chính", 530, "Ban biên tập"),
    (774, "2025-04-10T10:10:00", "ngay-hoi-dai-doan-ket-ap-phu-thanh",
     "Ngày hội Đại đoàn kết ấp Phú Thành", "Văn hóa - Xã hội", 145, "Ban biên tập"),
    (768, "2025-03-26T08:00:00", "thong-bao-lich-tiep-cong-dan-quy-ii",
     "Thông báo lịch tiếp công dân quý II năm 2025", "Thông báo", 97, "Văn phòng UBND xã"),
]
E = html.escape


def _post_json(p) -> dict:
    pid, date, slug, title, cat, views, author = p
    link = f"https://{HOST}/{date[:4]}/{date[5:7]}/{slug}/"
    body = (f"<p>{E(title)}: Ủy ban nhân dân xã Phú Tâm thông tin đến toàn thể Nhân dân được biết.</p>"
            "<p>Mọi chi tiết xin liên hệ Văn phòng HĐND và UBND xã trong giờ hành chính.</p>")
    return {
        "id": pid, "date": date, "date_gmt": None, "slug": slug, "status": "publish", "type": "post",
        "link": link, "title": {"rendered": E(title)}, "content": {"rendered": body, "protected": False},
        "excerpt": {"rendered": f"<p>{E(title)} [&hellip;]</p>", "protected": False},
        "post_views": views,
        "_embedded": {"author": [{"id": 1, "name": author}],
                      "wp:term": [[{"id": 3, "name": cat, "taxonomy": "category"}]]},
    }


BY_ID = {p[0]: p for p in POSTS}


def _head(title: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="UTF-8"><title>{E(title)}</title>'
        '<meta name="generator" content="WordPress 6.5.3">'
        f'<link rel="https://api.w.org/" href="https://{HOST}/wp-json/">'
        f'<link rel="stylesheet" href="https://{HOST}/wp-content/themes/twentytwentyone/style.css"></head>'
    )


def _footer() -> str:
    return (
        '<aside class="widget widget_counter"><h2>Thống kê truy cập</h2><ul>'
        "<li>Đang online: 3</li><li>Hôm nay: 58</li><li>Tổng truy cập: 120.345</li></ul></aside>"
        f'<footer id="colophon" class="site-footer"><h2>{AGENCY}</h2>'
        "<p>Địa chỉ: Ấp Phú Thành, xã Phú Tâm, tỉnh Sóc Trăng</p>"
        "<p>Điện thoại: (0299) 3 611 234 - Email: ubndxaphutam@soctrang.gov.vn</p></footer>"
    )


def _page(title: str, main: str, body_class: str = "home blog") -> str:
    return (f'{_head(title)}<body class="{body_class}"><header><p class="site-title">{SITE_NAME}</p></header>'
            f'<main id="main">{main}</main>{_footer()}</body></html>')


def _home(page: int) -> tuple[int, str]:
    pages = -(-len(POSTS) // HOME_SIZE)
    if page > pages:
        return 404, _page("Không tìm thấy", "<h1>Không tìm thấy trang</h1>", "error404")
    chunk = POSTS[(page - 1) * HOME_SIZE : page * HOME_SIZE]
    arts = "".join(
        f'<article id="post-{p[0]}" class="post-{p[0]} post type-post status-publish">'
        f'<h2 class="entry-title"><a href="{_post_json(p)["link"]}">{E(p[3])}</a></h2>'
        f'<div class="entry-meta"><time class="entry-date published" datetime="{p[1]}+07:00">{p[1][8:10]}/{p[1][5:7]}/{p[1][:4]}</time></div>'
        "</article>"
        for p in chunk
    )
    nav = f'<nav class="nav-links"><a class="next page-numbers" href="https://{HOST}/page/{page + 1}/">Trang sau</a></nav>' if page < pages else ""
    return 200, _page(SITE_NAME, arts + nav)


def _single(p) -> str:
    j = _post_json(p)
    main = (
        f'<article id="post-{p[0]}" class="post-{p[0]} post type-post status-publish">'
        f'<h1 class="entry-title">{E(p[3])}</h1>'
        f'<div class="entry-meta"><time class="entry-date published" datetime="{p[1]}+07:00">{p[1][8:10]}/{p[1][5:7]}/{p[1][:4]}</time>'
        f' <span class="author"><a href="/author/admin/">{E(p[6])}</a></span>'
        f' <span class="cat-links"><a href="/category/x/">{E(p[4])}</a></span></div>'
        f'<div class="entry-content">{j["content"]["rendered"]}</div>'
        f'<div class="post-views">Lượt xem: {p[5]}</div></article>'
    )
    return _page(f"{p[3]} – {SITE_NAME}", main, f"post-template-default single single-post postid-{p[0]}")


def handle(method: str, target: str) -> tuple[int, str, bytes, str, dict]:
    parts = urlsplit(target)
    path = unquote(parts.path)
    qs = parse_qs(parts.query)
    html_type = "text/html; charset=UTF-8"
    api_link = {"Link": f'<https://{HOST}/wp-json/>; rel="https://api.w.org/"'}
    if path == "/robots.txt":
        return 200, "text/plain", b"User-agent: *\nDisallow: /wp-admin/\n", "robots", {}
    if path.startswith("/wp-json/wp/v2/posts"):
        m = re.match(r"^/wp-json/wp/v2/posts/(\d+)/?$", path)
        if m:
            p = BY_ID.get(int(m[1]))
            if p is None:
                err = {"code": "rest_post_invalid_id", "message": "Invalid post ID.", "data": {"status": 404}}
                return 404, "application/json; charset=UTF-8", json.dumps(err).encode(), "notfound", {}
            return 200, "application/json; charset=UTF-8", json.dumps(_post_json(p), ensure_ascii=False).encode(), "article", {}
        try:
            per_page = max(1, min(100, int((qs.get("per_page") or ["10"])[0])))
            page = max(1, int((qs.get("page") or ["1"])[0]))
        except ValueError:
            per_page, page = 10, 1
        pages = -(-len(POSTS) // per_page)
        headers = {"X-WP-Total": str(len(POSTS)), "X-WP-TotalPages": str(pages)}
        if page > pages:
            err = {"code": "rest_post_invalid_page_number",
                   "message": "The page number requested is larger than the number of pages available.",
                   "data": {"status": 400}}
            return 400, "application/json; charset=UTF-8", json.dumps(err).encode(), "list", headers
        chunk = [_post_json(p) for p in POSTS[(page - 1) * per_page : page * per_page]]
        return 200, "application/json; charset=UTF-8", json.dumps(chunk, ensure_ascii=False).encode(), "list", headers
    if path in ("", "/") and qs.get("p"):
        p = BY_ID.get(int(qs["p"][0])) if qs["p"][0].isdigit() else None
        if p:
            return 200, html_type, _single(p).encode(), "article", api_link
    if path in ("", "/"):
        status, text = _home(1)
        return status, html_type, text.encode(), "home", api_link
    m = re.match(r"^/page/(\d+)/?$", path)
    if m:
        status, text = _home(int(m[1]))
        return status, html_type, text.encode(), "list" if status == 200 else "notfound", api_link
    m = re.match(r"^/(\d{4})/(\d{2})/([\w-]+)/?$", path)
    if m:
        for p in POSTS:
            if p[2] == m[3] and p[1][:4] == m[1] and p[1][5:7] == m[2]:
                return 200, html_type, _single(p).encode(), "article", api_link
    return 404, html_type, _page("Không tìm thấy", "<h1>Không tìm thấy trang</h1>", "error404").encode(), "notfound", api_link
