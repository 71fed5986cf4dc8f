"""Replica of a Liferay 6.2 provincial-department portal (Sở TT&TT Hà Nội), modelled on the real
saved pages in ../shared/realpages (same classes: ``asset-bounddary``, ``assetPublishDate
block_timer``, ``taglib-page-iterator`` with ``_101_cur=N``, ``visitor-tracking-wraper``,
``#footer .footleft``), so the crawler meets the structure it will meet on the real portal.

Routes: ``/`` and ``/trang-chu`` (home: featured list, counter), ``/<category>`` (Asset
Publisher list, ``?p_p_id=101&_101_cur=N`` pages), ``/<category>/-/view_content/<id>-<slug>``
(journal article), ``/robots.txt``.  Handlers return ``(status, content_type, body, kind,
headers)``; the routing hook in ``server.py`` turns that into a response.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

HOST = "sotttt.hanoi.gov.vn"
PLATFORM = "liferay"
PAGE_SIZE = 5
AGENCY = "CỔNG THÔNG TIN ĐIỆN TỬ SỞ THÔNG TIN VÀ TRUYỀN THÔNG THÀNH PHỐ HÀ NỘI"

CATEGORIES = [("cong-nghe-thong-tin", "Công nghệ thông tin"), ("pctn", "Phòng chống tham nhũng")]

# (id, category slug, title, dd/mm/yyyy, hh:mm AM, view count)
ARTICLES = [
    (4430301, "cong-nghe-thong-tin", "Hà Nội đẩy mạnh chuyển đổi số trong giải quyết thủ tục hành chính", "24/08/2022", "09:15 AM", 1532),
    (4429205, "cong-nghe-thong-tin", "Triển khai nền tảng họp trực tuyến cho các xã, phường", "23/08/2022", "02:40 PM", 874),
    (4425594, "cong-nghe-thong-tin", "Hội thảo an toàn thông tin mạng năm 2022", "10/08/2022", "08:00 AM", 1205),
    (4424088, "cong-nghe-thong-tin", "Thủy lợi số: ứng dụng cảm biến giám sát mực nước tại Hà Nội", "02/08/2022", "10:30 AM", 643),
    (4421540, "cong-nghe-thong-tin", "Ngành Thông tin và Truyền thông triển khai nhiệm vụ trọng tâm 6 tháng cuối năm", "29/07/2022", "03:05 PM", 990),
    (4418033, "cong-nghe-thong-tin", "Chính thức kích hoạt Sự kiện không dùng tiền mặt năm 2022", "21/07/2022", "10:00 AM", 2210),
    (4410299, "cong-nghe-thong-tin", "Nâng cao kỹ năng quản trị doanh nghiệp cho các nhóm khởi nghiệp về CNTT", "14/07/2022", "03:53 PM", 431),
    (2606828, "pctn", "Chương trình thực hành tiết kiệm, chống lãng phí năm 2022", "14/06/2022", "11:22 AM", 1108),
    (1662601, "pctn", "Kế hoạch công tác phòng, chống tham nhũng năm 2022", "27/04/2022", "09:07 AM", 5915),
    (929136, "pctn", "Quy định về nhận định tình hình tham nhũng và đánh giá công tác phòng, chống tham nhũng", "23/03/2022", "03:45 PM", 935),
]


@dataclass(frozen=True)
class Item:
    id: int
    cat: str
    title: str
    date: str
    time: str
    views: int

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", _ascii(self.title).lower()).strip("-")

    @property
    def path(self) -> str:
        return f"/{self.cat}/-/view_content/{self.id}-{self.slug}"


def _ascii(s: str) -> str:
    import unicodedata

    s = s.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFD", s).encode("ascii", "ignore").decode()


ITEMS = [Item(*a) for a in ARTICLES]
BY_ID = {i.id: i for i in ITEMS}
E = html.escape


def _shell(title: str, main: str) -> str:
    menu = "".join(f'<li><a href="/{slug}">{E(name)}</a></li>' for slug, name in CATEGORIES)
    return f"""<!DOCTYPE html> <html class="aui ltr" dir="ltr" lang="vi-VN">
<head> <title>{E(title)} - Sở Thông Tin Và Truyền Thông</title>
<meta content="text/html; charset=UTF-8" http-equiv="content-type" />
<link class="lfr-css-file" href="/so4t-theme/css/aui.css?browserId=other&amp;themeId=so4t_WAR_so4ttheme&amp;languageId=vi_VN&amp;b=6201" rel="stylesheet" type="text/css" />
<script type="text/javascript">var themeDisplay = Liferay.ThemeDisplay = {{getLanguageId: function() {{ return "vi_VN"; }}}}; Liferay.AUI = {{}};</script>
</head> <body class="yui3-skin-sam controls-visible signed-out public-page site">
<div id="wrapper"> <div id="navigation"><ul><li><a href="/trang-chu">Trang chủ</a></li>{menu}</ul></div>
<div id="content"> {main} </div>
<div class="footer-wrapper"> <div id="footer" class="clearfix"> <div class="footleft"> <h3>{AGENCY}</h3>
<p>Địa chỉ: Số 185 Giảng Võ, Quận Đống Đa, Thành phố Hà Nội - Điện thoại: (024) 35123536; Fax: (025) 37366617;</p>
<p>B&#7897; ph&#7853;n ti&#7871;p nh&#7853;n h&#7891; s&#417; gi&#7843;i quy&#7871;t TTHC (M&#7897;t c&#7917;a): (024) 37367115; Email: tiepnhanykien_sotttt@hanoi.gov.vn<br> ® Ghi rõ nguồn khi phát hành lại thông tin từ nguồn này.</p>
</div> </div> </div> </div> </body> </html>"""


def _home() -> str:
    latest = sorted(ITEMS, key=lambda i: i.date[6:] + i.date[3:5] + i.date[:2], reverse=True)[:5]
    lis = "".join(
        f'<li> <div class="title_news"> <a href="{i.path}" title="{E(i.title)}"> {E(i.title)} '
        f'<span class="date_content_asset"> ({i.date}) </span> </a> </div> </li>'
        for i in latest
    )
    counter = (
        '<section class="portlet" id="portlet_1_WAR_portalsessiontrackingportlet_INSTANCE_x1">'
        '<span class="portlet-title-text">Số lượng truy cập</span> <div class="visitor-tracking-wraper">'
        '<div class="current-visitor-online"> <span class="online-lable">Đang truy cập: </span> '
        '<span style="font-weight: bold;">27 </span> </div> <div class="total-visitor"> '
        '<span class="online-lable">Tổng: </span> <span style="font-weight: bold;">4.798.812 </span>'
        " </div> </div> </section>"
    )
    main = (
        '<div class="portlet-boundary" id="p_p_id_pointportalnewspublisher_WAR_x_">'
        f'<div class="nf3-container"><div class="nf3-right-content"><div class="box_sub_hot_news"><ul>{lis}'
        f"</ul></div></div></div></div>{counter}"
    )
    return _shell("Trang chủ", main)


def _list(slug: str, name: str, page: int) -> str:
    items = [i for i in ITEMS if i.cat == slug]
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    chunk = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = "".join(
        f'<div class="asset-bounddary"> <div class="asset-abstract "> <div class="asset-content-custom">'
        f' <h3 class="asset-title"> <a href="{i.path}">{E(i.title)}</a> </h3>'
        f' <div class="assetPublishDate block_timer"> Ngày đăng {i.date} | {i.time} &nbsp;|&nbsp;Lượt xem: {i.views} </div>'
        f' <div class="asset-summary"> {E(i.title)}. </div> </div> </div> </div>'
        for i in chunk
    )

    def link(n: int) -> str:
        return f"/{slug}?p_p_id=101&amp;p_p_lifecycle=0&amp;p_p_state=normal&amp;_101_delta={PAGE_SIZE}&amp;_101_cur={n}"

    nxt = f'<li class=""><a href="{link(page + 1)}"> next </a></li>' if page < pages else '<li class="disabled"><a href="javascript:;"> next </a></li>'
    prev = f'<li class=""><a href="{link(page - 1)}"> Trước </a></li>' if page > 1 else '<li class="disabled"><a href="javascript:;"> Trước </a></li>'
    pager = (
        '<div class="taglib-page-iterator"><small class="search-results"> Hiển thị '
        f"{(page - 1) * PAGE_SIZE + 1} - {(page - 1) * PAGE_SIZE + len(chunk)} of {len(items)} kết quả. </small>"
        f'<ul class="pager lfr-pagination-buttons">{prev}{nxt}</ul></div>'
    )
    main = (
        f'<div class="dd_chuyenmuc"><span class="trangchu"><a href="/trang-chu">Trang chủ</a></span>'
        f'<span class="tintuc"><p>{E(name)}</p></span></div>'
        f'<div class="portlet-boundary portlet-boundary_101_" id="p_p_id_101_">{rows}{pager}</div>'
    )
    return _shell(name, main)


def _article(item: Item) -> str:
    name = dict(CATEGORIES)[item.cat]
    paras = "".join(
        f"<p>{E(t)}</p>"
        for t in (
            f"{item.title}: nội dung chi tiết do Sở Thông tin và Truyền thông Hà Nội cung cấp.",
            "Các đơn vị liên quan được đề nghị phối hợp triển khai, báo cáo kết quả trước ngày 30 hằng tháng.",
        )
    )
    main = (
        f'<div class="dd_chuyenmuc"><span class="trangchu"><a href="/trang-chu">Trang chủ</a></span>'
        f'<span class="tintuc"><p>{E(name)}</p></span></div>'
        f'<div class="asset-full-content"> <h3 class="asset-title">{E(item.title)}</h3>'
        f' <div class="assetPublishDate block_timer"> {item.date} | {item.time} &nbsp;|&nbsp;Lượt xem: {item.views} </div>'
        f' <div class="journal-content-article" data-analytics-asset-id="{item.id}">{paras}</div> </div>'
    )
    return _shell(item.title, main)


def handle(method: str, target: str) -> tuple[int, str, bytes, str, dict]:
    parts = urlsplit(target)
    path = unquote(parts.path).rstrip("/") or "/"
    qs = parse_qs(parts.query)
    html_type = "text/html;charset=UTF-8"
    headers = {"Liferay-Portal": "Liferay Portal Community Edition 6.2 CE GA6 (Newton / Build 6205)"}
    if path == "/robots.txt":
        return 200, "text/plain", b"User-agent: *\nDisallow: /c/\n", "robots", {}
    if path in ("/", "/trang-chu", "/web/so-tttthn/trang-chu"):
        return 200, html_type, _home().encode(), "home", headers
    m = re.match(r"^/([\w-]+)/-/view_content/(\d+)(?:-[\w-]*)?$", path)
    if m and int(m[2]) in BY_ID and BY_ID[int(m[2])].cat == m[1]:
        return 200, html_type, _article(BY_ID[int(m[2])]).encode(), "article", headers
    cats = dict(CATEGORIES)
    if path.lstrip("/") in cats:
        try:
            page = int((qs.get("_101_cur") or ["1"])[0])
        except ValueError:
            page = 1
        slug = path.lstrip("/")
        return 200, html_type, _list(slug, cats[slug], page).encode(), "list", headers
    return 404, html_type, _shell("Không tìm thấy trang", "<p>Không tìm thấy trang.</p>").encode(), "notfound", headers
