"""Replica of a portal on an unrecognised, home-made CMS (Tỉnh Đoàn Sóc Trăng): no generator
meta, no platform URL patterns, so the crawler must fall back to the generic spider/extractor.

Routes: ``/`` (home: latest links and category links), ``/tin-tuc/`` and ``/hoat-dong/``
(category lists, ``?trang=N`` pages), ``/<category>/<slug>-<id>.html`` (article with
``span.date`` "Thứ X, dd/mm/yyyy, HH:MM", ``p.sapo``, ``Lượt xem``), ``/robots.txt``.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

HOST = "tinhdoan.soctrang.gov.vn"
PLATFORM = "generic"
SITE_NAME = "Tỉnh Đoàn Sóc Trăng"
PAGE_SIZE = 3
CATEGORIES = [("tin-tuc", "Tin tức"), ("hoat-dong", "Hoạt động Đoàn")]
WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]

# (id, category, slug, title, "dd/mm/yyyy HH:MM", weekday index, views)
ARTICLES = [
    (3051, "tin-tuc", "tuoi-tre-soc-trang-ra-quan-chien-dich-mua-he-xanh",
     "Tuổi trẻ Sóc Trăng ra quân Chiến dịch Mùa hè xanh năm 2025", "02/06/2025 07:30", 0, 734),
    (3047, "tin-tuc", "doan-thanh-nien-ho-tro-nao-vet-kenh-thuy-loi",
     "Đoàn thanh niên hỗ trợ nạo vét kênh thủy lợi tại Châu Thành", "26/05/2025 15:00", 0, 388),
    (3040, "hoat-dong", "hoi-thi-tin-hoc-tre-tinh-soc-trang",
     "Hội thi Tin học trẻ tỉnh Sóc Trăng lần thứ XXV", "16/05/2025 08:00", 4, 512),
    (3033, "hoat-dong", "tap-huan-ky-nang-so-cho-can-bo-doan",
     "Tập huấn kỹ năng số cho cán bộ Đoàn cơ sở", "05/05/2025 13:30", 0, 276),
    (3029, "tin-tuc", "ngay-chu-nhat-xanh-tai-vinh-chau",
     "Ngày Chủ nhật xanh tại thị xã Vĩnh Châu", "27/04/2025 06:45", 6, 190),
    (3020, "hoat-dong", "tuyen-duong-thanh-nien-tien-tien-lam-theo-loi-bac",
     "Tuyên dương thanh niên tiên tiến làm theo lời Bác năm 2025", "18/04/2025 09:00", 4, 455),
]
BY_ID = {a[0]: a for a in ARTICLES}
E = html.escape


def _path(a) -> str:
    return f"/{a[1]}/{a[2]}-{a[0]}.html"


def _page(title: str, main: str) -> str:
    menu = "".join(f'<a href="/{s}/">{E(n)}</a> ' for s, n in CATEGORIES)
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<link rel="stylesheet" href="/static/site.css"></head><body>'
        f'<div class="top"><a class="logo" href="/">{SITE_NAME}</a><div class="menu">{menu}</div></div>'
        f'<div class="wrap">{main}</div>'
        '<div class="thong-ke"><b>Thống kê truy cập</b><div>Đang online: 4</div><div>Hôm nay: 96</div>'
        "<div>Tổng truy cập: 56.789</div></div>"
        '<div class="footer"><h3>BAN THƯỜNG VỤ TỈNH ĐOÀN SÓC TRĂNG</h3>'
        "<p>Địa chỉ: Số 8 Trần Hưng Đạo, Phường 2, thành phố Sóc Trăng</p>"
        "<p>Điện thoại: (0299) 3 821 456 - Email: tinhdoan@soctrang.gov.vn</p></div></body></html>"
    )


def _links(items) -> str:
    return "".join(
        f'<div class="item"><a href="{_path(a)}">{E(a[3])}</a> <i>{a[4][:10]}</i></div>' for a in items
    )


def _article(a) -> str:
    date, time_ = a[4].split()
    paras = "".join(
        f"<p>{E(t)}</p>"
        for t in (
            f"{a[3]}: hoạt động do Ban Thường vụ Tỉnh Đoàn Sóc Trăng chỉ đạo, với sự tham gia của "
            "đông đảo đoàn viên, thanh niên trên địa bàn tỉnh.",
            "Thông qua hoạt động, tuổi trẻ Sóc Trăng tiếp tục phát huy vai trò xung kích, tình nguyện "
            "vì cộng đồng, góp phần xây dựng quê hương ngày càng giàu đẹp, văn minh.",
            "Ban Thường vụ Tỉnh Đoàn đề nghị các cơ sở Đoàn tổ chức sơ kết, rút kinh nghiệm và nhân "
            "rộng các mô hình hay, cách làm hiệu quả trong thời gian tới.",
        )
    )
    main = (
        f'<div class="bc"><a href="/">Trang chủ</a> » <a href="/{a[1]}/">{E(dict(CATEGORIES)[a[1]])}</a></div>'
        f'<h1 class="article-title">{E(a[3])}</h1>'
        f'<div class="meta"><span class="date">{WEEKDAYS[a[5]]}, {date}, {time_} (GMT+7)</span>'
        f' <span class="view-count">Lượt xem: {a[6]}</span></div>'
        f'<p class="sapo">{E(a[3])} – tin từ Văn phòng Tỉnh Đoàn.</p>'
        f'<div class="article-content">{paras}<p style="text-align:right"><strong>Minh Thư</strong></p></div>'
    )
    return _page(a[3], main)


def handle(method: str, target: str) -> tuple[int, str, bytes, str, dict]:
    parts = urlsplit(target)
    path = unquote(parts.path)
    qs = parse_qs(parts.query)
    html_type = "text/html; charset=utf-8"
    if path == "/robots.txt":
        return 200, "text/plain", b"User-agent: *\nDisallow: /quan-tri/\n", "robots", {}
    if path in ("", "/"):
        main = "<h2>Tin mới</h2>" + _links(ARTICLES[:4])
        return 200, html_type, _page(SITE_NAME, main).encode(), "home", {}
    m = re.match(r"^/([\w-]+)/?$", path)
    cats = dict(CATEGORIES)
    if m and m[1] in cats:
        items = [a for a in ARTICLES if a[1] == m[1]]
        pages = -(-len(items) // PAGE_SIZE)
        try:
            page = min(max(int((qs.get("trang") or ["1"])[0]), 1), pages)
        except ValueError:
            page = 1
        main = f"<h2>{E(cats[m[1]])}</h2>" + _links(items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
        if page < pages:
            main += f'<div class="phan-trang"><a href="/{m[1]}/?trang={page + 1}">Trang sau</a></div>'
        return 200, html_type, _page(cats[m[1]], main).encode(), "list", {}
    m = re.match(r"^/([\w-]+)/[\w-]+-(\d+)\.html$", path)
    if m and int(m[2]) in BY_ID and BY_ID[int(m[2])][1] == m[1]:
        return 200, html_type, _article(BY_ID[int(m[2])]).encode(), "article", {}
    if path.startswith("/static/"):
        return 200, "text/css", b"body{font-family:Arial}", "static", {}
    return 404, html_type, _page("Không tìm thấy trang", "<h2>Không tìm thấy trang</h2>").encode(), "notfound", {}
