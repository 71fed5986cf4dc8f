"""HTML rendering of replica VNPT vnPortal pages.

The markup follows what is known of the real ASP.NET vnPortal district portals of Sóc Trăng
(see issue "Vertical slice" and ``../shared/seed``): one ``aspnetForm`` wrapping the whole page,
menus, a ``TIN NỔI BẬT`` sidebar, the ``SỐ LƯỢT TRUY CẬP`` visitor counter, a ``Bình Chọn`` poll
and the footer contact block on every page; ``ul.ArticleList`` category lists paged by
``__doPostBack``; article pages with ``div.DateCreate``, ``.ArticleContent`` and a
``Lượt xem`` counter.  The extractor is written against the real structure, not against this
file, so the replica deliberately carries the noise a real page carries.

This module is the single place where replica markup lives; ``server.py`` decides *what* to
render and calls these functions.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

E = html.escape


@dataclass
class Category:
    catid: int
    name: str
    slug: str


@dataclass
class Article:
    article_id: int
    catid: int
    title: str
    slug: str
    lead: str
    paragraphs: list[str]
    published: datetime
    author: str | None = None
    view_count: int | None = None
    image: dict | None = None  # {"src": "/Upload/...", "caption": "..."}
    attachments: list[dict] = field(default_factory=list)  # [{"href": ..., "name": ...}]
    date_style: str = "ngay"  # "ngay" | "datetime" | "long"
    view_label: str = "Lượt xem"


@dataclass
class SiteInfo:
    site_id: str
    host: str
    sname: str
    sid: int
    pageid: int
    agency: str
    address: str
    phones_line: str
    name: str
    counter: dict  # online/today/week/month/total display strings
    categories: list[Category]


def article_path(site: SiteInfo, cat: Category, art: Article) -> str:
    """Path form of an article URL: /sname/sid/pageid/catid/id/Cat-Slug/Title-Slug.aspx"""
    return (
        f"/{site.sname}/{site.sid}/{site.pageid}/{cat.catid}/{art.article_id}/"
        f"{cat.slug}/{art.slug}.aspx"
    )


def article_query(site: SiteInfo, cat: Category, art: Article, page: str = "Default.aspx") -> str:
    """Query form of an article URL (Default.aspx or mDefault.aspx)."""
    return (
        f"/{page}?sname={site.sname}&sid={site.sid}&pageid={site.pageid}&catid={cat.catid}"
        f"&id={art.article_id}&catname={cat.slug}&title={art.slug}"
    )


def category_url(site: SiteInfo, cat: Category, page: str = "Default.aspx") -> str:
    return f"/{page}?sname={site.sname}&sid={site.sid}&pageid={site.pageid}&catid={cat.catid}"


def format_date(art: Article) -> str:
    d = art.published
    if art.date_style == "datetime":
        return f"{d:%d/%m/%Y %H:%M}"
    if art.date_style == "long":
        return f"Ngày {d.day:02d} tháng {d.month} năm {d.year}"
    return f"Ngày {d:%d/%m/%Y}"


def viewstate(state: str) -> str:
    """An opaque-looking __VIEWSTATE that carries the list state (category and page)."""
    return base64.b64encode(("/wEPDwUK|" + state).encode()).decode()


def _menu(site: SiteInfo) -> str:
    items = "".join(
        f'<li><a href="{E(category_url(site, c))}">{E(c.name)}</a></li>' for c in site.categories
    )
    return (
        '<div id="menu"><ul class="Menu">'
        f'<li><a href="/Default.aspx?sname={site.sname}&amp;sid={site.sid}">Trang chủ</a></li>'
        f"{items}"
        '<li><a href="/Default.aspx?sname={0}&amp;sid={1}&amp;pageid=500">Liên hệ</a></li>'
        "</ul></div>".format(site.sname, site.sid)
    )


def _sidebar_hot(site: SiteInfo, hot: Sequence[tuple[Category, Article]]) -> str:
    lis = "".join(
        f'<li><a href="{E(article_path(site, c, a))}">{E(a.title)}</a>'
        f' <span class="DateHot">({a.published:%d/%m/%Y})</span></li>'
        for c, a in hot
    )
    return (
        '<div class="ModuleHot"><div class="ModuleTitle">TIN NỔI BẬT</div>'
        f'<ul class="HotNews">{lis}</ul></div>'
    )


def _counter(site: SiteInfo) -> str:
    c = site.counter
    return (
        '<div class="ModuleCounter"><div class="ModuleTitle">SỐ LƯỢT TRUY CẬP</div>'
        '<ul class="Counter">'
        f'<li>Đang online: <span id="lblOnline">{E(c["online"])}</span></li>'
        f'<li>Hôm nay: <span id="lblToday">{E(c["today"])}</span></li>'
        f'<li>Trong tuần: <span id="lblWeek">{E(c["week"])}</span></li>'
        f'<li>Trong tháng: <span id="lblMonth">{E(c["month"])}</span></li>'
        f'<li>Tất cả: <span id="lblTotal">{E(c["total"])}</span></li>'
        "</ul></div>"
    )


def _poll() -> str:
    return (
        '<div class="ModulePoll"><div class="ModuleTitle">Bình Chọn</div>'
        '<div class="PollQuestion">Khả năng đáp ứng thông tin của Website</div>'
        '<ul class="PollOptions">'
        '<li><input type="radio" name="poll" value="1"/> Tốt</li>'
        '<li><input type="radio" name="poll" value="2"/> Khá</li>'
        '<li><input type="radio" name="poll" value="3"/> Trung bình</li>'
        "</ul>"
        '<ul class="PollButtons"><li><input type="submit" name="btnVote" value="Bình chọn"/>'
        ' <a href="#">Xem kết quả</a></li></ul></div>'
    )


def _footer(site: SiteInfo) -> str:
    return (
        '<div id="footer"><div class="FooterContent">'
        f'<p class="Agency">Cơ quan chủ quản: {E(site.agency)}</p>'
        f"<p>Địa Chỉ: {E(site.address)}</p>"
        f"<p>{E(site.phones_line)}</p>"
        f'<p class="Source">Ghi rõ nguồn thông tin điện tử UBND {E(site.name)} khi trích dẫn lại từ địa chỉ này.</p>'
        "</div></div>"
    )


def page(
    site: SiteInfo,
    title: str,
    main: str,
    hot: Sequence[tuple[Category, Article]],
    *,
    form_action: str,
    state: str,
    mobile: bool = False,
) -> str:
    """The whole page shell: head, aspnetForm, header, menu, columns, footer."""
    shell_class = "mobile" if mobile else "desktop"
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="generator" content="VNPT vnPortal" />
<title>{E(title)}</title>
<link href="/Portals/{site.sid}/Skins/default.css" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/js/jquery.js"></script>
</head>
<body class="{shell_class}">
<form name="aspnetForm" method="post" action="{E(form_action)}" id="aspnetForm">
<div>
<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />
<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{E(viewstate(state))}" />
</div>
<script type="text/javascript">
//<![CDATA[
var theForm = document.forms['aspnetForm'];
function __doPostBack(eventTarget, eventArgument) {{
    if (!theForm.onsubmit || (theForm.onsubmit() != false)) {{
        theForm.__EVENTTARGET.value = eventTarget;
        theForm.__EVENTARGUMENT.value = eventArgument;
        theForm.submit();
    }}
}}
//]]>
</script>
<div id="wrapper">
<div id="header"><div class="Banner"><a href="/"><img src="/Portals/{site.sid}/banner.jpg" alt="{E(site.name)}" /></a></div></div>
{_menu(site)}
<div id="container">
<div id="left" class="ColumnLeft">{_sidebar_hot(site, hot)}</div>
<div id="content" class="ColumnMain">
{main}
</div>
<div id="right" class="ColumnRight">{_counter(site)}{_poll()}</div>
</div>
{_footer(site)}
</div>
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEWAgL+raDpAgKM54rGBg==" />
</form>
</body>
</html>
"""


def article_main(site: SiteInfo, cat: Category, art: Article) -> str:
    """Main column of an article page."""
    parts: list[str] = []
    if art.view_count is not None:
        parts.append(f'<div class="ViewCount">{E(art.view_label)}: {art.view_count:,}</div>'.replace(",", "."))
    parts.append(f'<div class="BreadCrumb"><a href="/">Trang chủ</a> &gt; <a href="{E(category_url(site, cat))}">{E(cat.name)}</a></div>')
    parts.append(f'<h1 class="Title">{E(art.title)}</h1>')
    parts.append(f'<div class="DateCreate">{E(format_date(art))}</div>')
    parts.append(f'<div class="ArticleSummary"><strong>{E(art.lead)}</strong></div>')
    body: list[str] = []
    if art.image:
        body.append(
            f'<p style="text-align: center;"><img src="{E(art.image["src"])}" alt="" width="600" /></p>'
            f'<p style="text-align: center;"><em>{E(art.image["caption"])}</em></p>'
        )
    for p in art.paragraphs:
        body.append(f'<p style="text-align: justify;">&nbsp; &nbsp; &nbsp; &nbsp; &nbsp;{E(p)}</p>')
    for a in art.attachments:
        body.append(f'<p>Tải về: <a href="{E(a["href"])}">{E(a["name"])}</a></p>')
    if art.author:
        body.append(f'<p style="text-align: right;"><strong>{E(art.author)}</strong></p>')
    parts.append('<div class="ArticleContent">' + "\n".join(body) + "</div>")
    parts.append(
        '<div class="OtherNews"><div class="OtherTitle">Các tin khác</div></div>'
    )
    return '<div class="ArticleDetail">' + "\n".join(parts) + "</div>"


def list_main(
    site: SiteInfo,
    cat: Category,
    items: Iterable[Article],
    page_no: int,
    page_count: int,
    pager_target: str,
) -> str:
    """Main column of a category list page with ASP.NET postback pager."""
    lis = []
    for a in items:
        lis.append(
            '<li><h2 class="Title">'
            f'<a href="{E(article_path(site, cat, a))}">{E(a.title)}</a></h2>'
            f'<span class="Ngaydang">{a.published:%d/%m/%Y}</span>'
            f'<div class="Summary">{E(a.lead)}</div></li>'
        )
    pager = []
    for n in range(1, page_count + 1):
        if n == page_no:
            pager.append(f"<span class=\"CurrentPage\">{n}</span>")
        else:
            pager.append(
                f"<a href=\"javascript:__doPostBack('{pager_target}','Page${n}')\">{n}</a>"
            )
    return (
        f'<div class="CategoryTitle"><h1>{E(cat.name)}</h1></div>'
        f'<ul class="ArticleList">{"".join(lis)}</ul>'
        f'<div class="Pager">{" ".join(pager)}</div>'
    )
