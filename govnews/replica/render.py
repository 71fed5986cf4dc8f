"""HTML rendering of replica VNPT vnPortal pages.

The markup follows what is known of the real ASP.NET vnPortal district portals of Sóc Trăng
(see issue "Vertical slice" and ``../shared/seed``): one ``aspnetForm`` wrapping the whole page,
menus, a ``TIN NỔI BẬT`` sidebar, the ``SỐ LƯỢT TRUY CẬP`` visitor counter, a ``Bình Chọn`` poll
and the footer contact block on every page; ``ul.ArticleList`` category lists paged by
``__doPostBack``; article pages with ``div.DateCreate``, ``.ArticleContent`` and a
``Lượt xem`` counter.  The extractor is written against the real structure, not against this
file, so the replica deliberately carries the noise a real page carries (menus with sub-menus,
a "văn bản mới" box, a website-links drop-down, inline script and style, a multi-kilobyte
``__VIEWSTATE``), which puts a page at roughly 30–60 KB like the real portal.

In the page source the main column comes first, then the left and right sidebars, then the
footer: the reading order of the seed page (article, ``TIN NỔI BẬT``, counter, poll, footer).

This module is the single place where replica markup lives; ``server.py`` decides *what* to
render and calls these functions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

E = html.escape

#: ``__EVENTTARGET`` of the category-list pager (``__doPostBack(PAGER_TARGET, 'Page$N')``).
PAGER_TARGET = "ctl00$ContentPlaceHolder1$ArticleList$Pager"
#: How many page numbers the pager shows at once (ASP.NET ``PageButtonCount``); the block
#: before/after is reached through a ``...`` postback link.
PAGER_BUTTONS = 10


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


def home_url(site: SiteInfo, page: str = "Default.aspx") -> str:
    return f"/{page}?sname={site.sname}&sid={site.sid}"


def format_date(art: Article) -> str:
    d = art.published
    if art.date_style == "datetime":
        return f"{d:%d/%m/%Y %H:%M}"
    if art.date_style == "long":
        return f"Ngày {d.day:02d} tháng {d.month} năm {d.year}"
    return f"Ngày {d:%d/%m/%Y}"


def format_count(n: int) -> str:
    """Vietnamese thousands separator: 1234 -> '1.234'."""
    return f"{n:,}".replace(",", ".")


# -- __VIEWSTATE ---------------------------------------------------------------------------
# An ASP.NET-looking view state: base64 of the LosFormatter header (so it starts "/wEPDwUK"),
# the state text, deterministic filler (a real one holds kilobytes of control state) and an
# HMAC-SHA1 "MAC".  ``parse_viewstate`` returns the state, or None when the MAC does not match.

_VS_HEADER = b"\xff\x01\x0f\x0f\x05\x0a"
_VS_KEY = b"govnews-replica-machineKey"
_VS_FILLER = 6000


def viewstate(state: str) -> str:
    """An opaque-looking __VIEWSTATE that carries the page state (e.g. category and page)."""
    raw = state.encode("utf-8")
    filler = b""
    seed = hashlib.sha256(raw).digest()
    while len(filler) < _VS_FILLER:
        seed = hashlib.sha256(seed).digest()
        filler += seed
    body = _VS_HEADER + raw + b"\x00" + filler[:_VS_FILLER]
    mac = hmac.new(_VS_KEY, body, hashlib.sha1).digest()
    return base64.b64encode(body + mac).decode("ascii")


def parse_viewstate(value: str | None) -> str | None:
    """The state a ``viewstate()`` value carries, or None if it is missing, garbage or forged."""
    if not value:
        return None
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    body, mac = data[:-20], data[-20:]
    if not body.startswith(_VS_HEADER) or b"\x00" not in body:
        return None
    if not hmac.compare_digest(mac, hmac.new(_VS_KEY, body, hashlib.sha1).digest()):
        return None
    try:
        return body[len(_VS_HEADER) : body.index(b"\x00")].decode("utf-8")
    except UnicodeDecodeError:
        return None


# -- shell modules -------------------------------------------------------------------------

# (label, pageid, sub-items (label, pageid)); category links are added under "Tin tức".
MENU: list[tuple[str, int, list[tuple[str, int]]]] = [
    ("Giới thiệu", 370, [
        ("Tổng quan huyện Châu Thành", 371), ("Lịch sử hình thành", 372),
        ("Điều kiện tự nhiên", 373), ("Cơ cấu tổ chức", 374), ("Lãnh đạo huyện", 375),
        ("Các xã, thị trấn", 376),
    ]),
    ("Chính quyền", 380, [
        ("Hội đồng nhân dân huyện", 381), ("Ủy ban nhân dân huyện", 382),
        ("Các phòng, ban chuyên môn", 383), ("Đơn vị sự nghiệp", 384),
        ("Ủy ban MTTQ Việt Nam huyện", 385), ("Các đoàn thể chính trị - xã hội", 386),
    ]),
    ("Văn bản", 390, [
        ("Văn bản chỉ đạo điều hành", 391), ("Văn bản quy phạm pháp luật", 392),
        ("Công báo tỉnh Sóc Trăng", 393), ("Dự thảo lấy ý kiến", 394),
    ]),
    ("Thủ tục hành chính", 400, [
        ("Thủ tục hành chính cấp huyện", 401), ("Thủ tục hành chính cấp xã", 402),
        ("Dịch vụ công trực tuyến", 403), ("Tra cứu hồ sơ", 404),
    ]),
    ("Quy hoạch - Kế hoạch", 410, [
        ("Quy hoạch sử dụng đất đai", 411), ("Kế hoạch phát triển kinh tế - xã hội", 412),
        ("Dự án đầu tư công", 413), ("Giá đất, bồi thường", 414),
    ]),
    ("Hỏi đáp", 420, [("Gửi câu hỏi", 421), ("Câu hỏi thường gặp", 422)]),
]

#: pageids of the non-news pages the menu links to (served as simple "other" pages).
MENU_PAGES: dict[int, str] = {pid: label for label, pid, _ in MENU}
MENU_PAGES.update({pid: label for _, _, subs in MENU for label, pid in subs})
MENU_PAGES[500] = "Liên hệ"

WEBLINKS = [
    ("https://chinhphu.vn", "Cổng Thông tin điện tử Chính phủ"),
    ("https://dichvucong.gov.vn", "Cổng Dịch vụ công quốc gia"),
    ("https://www.soctrang.gov.vn", "Cổng TTĐT tỉnh Sóc Trăng"),
    ("https://dichvucong.soctrang.gov.vn", "Dịch vụ công tỉnh Sóc Trăng"),
    ("https://stttt.soctrang.gov.vn", "Sở Thông tin và Truyền thông"),
    ("https://snv.soctrang.gov.vn", "Sở Nội vụ"),
    ("https://sonnptnt.soctrang.gov.vn", "Sở Nông nghiệp và PTNT"),
    ("https://stnmt.soctrang.gov.vn", "Sở Tài nguyên và Môi trường"),
    ("https://syt.soctrang.gov.vn", "Sở Y tế"),
    ("https://sgddt.soctrang.gov.vn", "Sở Giáo dục và Đào tạo"),
    ("https://svhttdl.soctrang.gov.vn", "Sở Văn hóa, Thể thao và Du lịch"),
    ("https://kesach.soctrang.gov.vn", "Huyện Kế Sách"),
    ("https://longphu.soctrang.gov.vn", "Huyện Long Phú"),
    ("https://culaodung.soctrang.gov.vn", "Huyện Cù Lao Dung"),
    ("https://mytu.soctrang.gov.vn", "Huyện Mỹ Tú"),
    ("https://myxuyen.soctrang.gov.vn", "Huyện Mỹ Xuyên"),
    ("https://thanhtri.soctrang.gov.vn", "Huyện Thạnh Trị"),
    ("https://trande.soctrang.gov.vn", "Huyện Trần Đề"),
    ("https://nganam.soctrang.gov.vn", "Thị xã Ngã Năm"),
    ("https://vinhchau.soctrang.gov.vn", "Thị xã Vĩnh Châu"),
    ("https://baosoctrang.org.vn", "Báo Sóc Trăng"),
]

NEW_DOCS = [
    ("Kế hoạch số 45/KH-UBND về chuyển đổi số huyện Châu Thành năm 2024", "2024/03/kh-45-chuyen-doi-so.pdf"),
    ("Quyết định số 1250/QĐ-UBND phê duyệt danh mục công trình thủy lợi năm 2024", "2024/02/qd-1250-thuy-loi.pdf"),
    ("Thông báo lịch tiếp công dân của Chủ tịch UBND huyện tháng 3/2024", "2024/02/tb-tiep-cong-dan.pdf"),
    ("Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm 2024", "2024/01/kh-pctt-tkcn-2024.pdf"),
    ("Báo cáo kết quả thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2023", "2023/12/bc-ntm-2023.pdf"),
    ("Quyết định ban hành Bảng giá đất đai giai đoạn 2020-2024 (điều chỉnh)", "2023/11/qd-bang-gia-dat.pdf"),
]

_INLINE_STYLE = """
body{margin:0;padding:0;font-family:Arial,Helvetica,sans-serif;font-size:13px;color:#333;background:#f3f3f3}
#wrapper{width:1000px;margin:0 auto;background:#fff}#header .Banner img{width:1000px;height:160px;border:0}
#menu{background:#0d5aa7;height:34px}#menu ul.Menu{list-style:none;margin:0;padding:0}
#menu ul.Menu>li{float:left;position:relative}#menu ul.Menu>li>a{display:block;padding:0 14px;line-height:34px;color:#fff;font-weight:bold;text-decoration:none;text-transform:uppercase}
#menu ul.Menu li ul.SubMenu{display:none;position:absolute;top:34px;left:0;width:240px;background:#fff;border:1px solid #ccc;z-index:99}
#menu ul.Menu li:hover ul.SubMenu{display:block}#menu ul.SubMenu li a{display:block;padding:6px 10px;color:#0d5aa7;border-bottom:1px dotted #ddd}
#container{overflow:hidden;padding:8px 0}.ColumnMain{float:left;width:560px;margin-left:220px;margin-right:-780px}
.ColumnLeft{float:left;width:210px;margin-left:-560px}.ColumnRight{float:right;width:210px}
.ModuleTitle{background:#0d5aa7;color:#fff;font-weight:bold;padding:6px 8px;text-transform:uppercase}
ul.HotNews,ul.NewDocs,ul.Counter{list-style:none;margin:0;padding:4px 6px}ul.HotNews li,ul.NewDocs li{padding:4px 0;border-bottom:1px dotted #ccc}
.DateHot{color:#888;font-size:11px}.ArticleDetail h1.Title{font-size:18px;color:#0d5aa7;margin:6px 0}
.DateCreate{color:#888;font-style:italic;font-size:11px}.ViewCount{float:right;color:#888;font-size:11px}
.ArticleSummary{font-weight:bold;margin:8px 0;text-align:justify}.ArticleContent p{margin:6px 0;line-height:1.5}
ul.ArticleList{list-style:none;margin:0;padding:0}ul.ArticleList li{overflow:hidden;padding:8px 0;border-bottom:1px solid #e5e5e5}
ul.ArticleList li h2.Title{font-size:14px;margin:0 0 2px 0}ul.ArticleList li h2.Title a{color:#0d5aa7;text-decoration:none}
.Ngaydang{color:#999;font-size:11px}.Pager{padding:10px 0;text-align:center}.Pager a,.Pager span{padding:2px 6px;border:1px solid #ccc;margin:0 1px}
.Pager span.CurrentPage{background:#0d5aa7;color:#fff}#footer{background:#0d5aa7;color:#fff;padding:10px 20px;clear:both}
#footer .FooterContent p{margin:3px 0;text-align:center}.ModulePoll .PollQuestion{font-weight:bold;padding:6px}
body.mobile #wrapper{width:100%}body.mobile .ColumnMain,body.mobile .ColumnLeft,body.mobile .ColumnRight{float:none;width:auto;margin:0}
"""

_INLINE_SCRIPT = """
//<![CDATA[
function WebForm_OnSubmit(){return true;}
function openWebLink(sel){var v=sel.options[sel.selectedIndex].value;if(v!=''){window.open(v,'_blank');}sel.selectedIndex=0;}
function MM_swapImgRestore(){var i,x,a=document.MM_sr;for(i=0;a&&i<a.length&&(x=a[i])&&x.oSrc;i++)x.src=x.oSrc;}
function MM_preloadImages(){var d=document;if(d.images){if(!d.MM_p)d.MM_p=new Array();
var i,j=d.MM_p.length,a=MM_preloadImages.arguments;for(i=0;i<a.length;i++)
if(a[i].indexOf("#")!=0){d.MM_p[j]=new Image;d.MM_p[j++].src=a[i];}}}
$(document).ready(function(){$('#menu ul.Menu > li').hover(function(){$(this).find('ul.SubMenu').stop(true,true).slideDown(150);},
function(){$(this).find('ul.SubMenu').stop(true,true).slideUp(100);});
$('ul.HotNews').each(function(){var ul=$(this);setInterval(function(){ul.find('li:first').slideUp(function(){$(this).appendTo(ul).slideDown();});},5000);});});
var _gaq=_gaq||[];_gaq.push(['_setAccount','UA-00000000-1']);_gaq.push(['_trackPageview']);
//]]>
"""


def _menu(site: SiteInfo, page: str) -> str:
    pre = f"/{page}?sname={site.sname}&amp;sid={site.sid}"
    cats = "".join(
        f'<li><a href="{E(category_url(site, c, page))}">{E(c.name)}</a></li>'
        for c in site.categories
    )
    out = [f'<li class="Home"><a href="{pre}">Trang chủ</a></li>']
    for i, (label, pid, subs) in enumerate(MENU):
        sub = "".join(f'<li><a href="{pre}&amp;pageid={sp}">{E(sl)}</a></li>' for sl, sp in subs)
        out.append(
            f'<li><a href="{pre}&amp;pageid={pid}">{E(label)}</a><ul class="SubMenu">{sub}</ul></li>'
        )
        if i == 0:
            out.append(
                f'<li><a href="{E(category_url(site, site.categories[0], page))}">Tin tức</a>'
                f'<ul class="SubMenu">{cats}</ul></li>'
            )
    out.append(f'<li><a href="{pre}&amp;pageid=500">Liên hệ</a></li>')
    return (
        '<div id="menu"><ul class="Menu">' + "".join(out) + "</ul></div>"
        '<div id="catmenu" class="CategoryMenu"><ul class="Menu">' + cats + "</ul></div>"
    )


def _sidebar_hot(site: SiteInfo, hot: Sequence[tuple[Category, Article]], base: str) -> str:
    lis = "".join(
        f'<li><a href="{E(base + article_path(site, c, a))}">{E(a.title)}</a>'
        f' <span class="DateHot">({a.published:%d/%m/%Y})</span></li>'
        for c, a in hot
    )
    return (
        '<div class="ModuleHot"><div class="ModuleTitle">TIN NỔI BẬT</div>'
        f'<ul class="HotNews">{lis}</ul></div>'
    )


def _sidebar_docs(site: SiteInfo) -> str:
    lis = "".join(
        f'<li><a href="/Upload/{site.sid}/vanban/{href}" target="_blank">{E(name)}</a></li>'
        for name, href in NEW_DOCS
    )
    return (
        '<div class="ModuleDocs"><div class="ModuleTitle">VĂN BẢN MỚI</div>'
        f'<ul class="NewDocs">{lis}</ul></div>'
    )


def _sidebar_links() -> str:
    opts = "".join(f'<option value="{E(u)}">{E(n)}</option>' for u, n in WEBLINKS)
    return (
        '<div class="ModuleLinks"><div class="ModuleTitle">LIÊN KẾT WEBSITE</div>'
        '<select name="ctl00$ddlWebLink" id="ddlWebLink" onchange="openWebLink(this)">'
        f'<option value="">-- Chọn liên kết --</option>{opts}</select></div>'
    )


def _sidebar_banners(site: SiteInfo) -> str:
    names = [
        ("dvc.jpg", "Dịch vụ công trực tuyến"), ("hoidap.jpg", "Hỏi đáp trực tuyến"),
        ("lichcongtac.jpg", "Lịch công tác"), ("tiepcongdan.jpg", "Tiếp công dân"),
        ("ntm.jpg", "Chương trình nông thôn mới"), ("cchc.jpg", "Cải cách hành chính"),
    ]
    imgs = "".join(
        f'<div class="BannerItem"><img src="/Portals/{site.sid}/banner/{f}" alt="{E(a)}"'
        f' title="{E(a)}" width="200" height="60" /></div>'
        for f, a in names
    )
    return f'<div class="ModuleBanner">{imgs}</div>'


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
    base: str = "",
    canonical: str | None = None,
) -> str:
    """The whole page shell: head, aspnetForm, header, menu, columns, footer.

    ``base`` is the absolute origin (``https://<Host>``) used by the few absolute links (banner,
    canonical link, ``TIN NỔI BẬT``); every other link is relative.
    """
    shell_class = "mobile" if mobile else "desktop"
    aspx = "mDefault.aspx" if mobile else "Default.aspx"
    canon = ""
    if canonical:
        canon = (
            f'<link rel="canonical" href="{E(base + canonical)}" />\n'
            f'<meta property="og:url" content="{E(base + canonical)}" />\n'
        )
    viewport = '<meta name="viewport" content="width=device-width, initial-scale=1" />\n' if mobile else ""
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="generator" content="VNPT vnPortal" />
{viewport}<title>{E(title)}</title>
{canon}<meta property="og:title" content="{E(title)}" />
<link href="/Portals/{site.sid}/Skins/default.css" rel="stylesheet" type="text/css" />
<link href="/Portals/_default/default.css" rel="stylesheet" type="text/css" />
<link rel="shortcut icon" href="/Portals/{site.sid}/favicon.ico" />
<style type="text/css">{_INLINE_STYLE}</style>
<script type="text/javascript" src="/js/jquery.js"></script>
<script type="text/javascript" src="/js/vnportal.menu.js"></script>
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
if (!theForm) {{
    theForm = document.aspnetForm;
}}
function __doPostBack(eventTarget, eventArgument) {{
    if (!theForm.onsubmit || (theForm.onsubmit() != false)) {{
        theForm.__EVENTTARGET.value = eventTarget;
        theForm.__EVENTARGUMENT.value = eventArgument;
        theForm.submit();
    }}
}}
//]]>
</script>
<script type="text/javascript">{_INLINE_SCRIPT}</script>
<div id="wrapper">
<div id="header"><div class="Banner"><a href="{E(base)}/"><img src="/Portals/{site.sid}/banner.jpg" alt="{E(site.name)}" /></a></div>
<div class="TopLinks"><a href="/{aspx}?sname={site.sname}&amp;sid={site.sid}">Trang chủ</a> | <a href="/{aspx}?sname={site.sname}&amp;sid={site.sid}&amp;pageid=500">Liên hệ</a> | <a href="/Default.aspx?sname={site.sname}&amp;sid={site.sid}&amp;pageid=371">Giới thiệu</a></div></div>
{_menu(site, aspx)}
<div id="container">
<div id="content" class="ColumnMain">
{main}
</div>
<div id="left" class="ColumnLeft">{_sidebar_hot(site, hot, base)}{_sidebar_docs(site)}{_sidebar_links()}</div>
<div id="right" class="ColumnRight">{_counter(site)}{_poll()}{_sidebar_banners(site)}</div>
</div>
{_footer(site)}
</div>
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEWAgL+raDpAgKM54rGBg==" />
</form>
</body>
</html>
"""


def article_main(
    site: SiteInfo,
    cat: Category,
    art: Article,
    others: Sequence[Article] = (),
    href: Callable[[Article], str] | None = None,
) -> str:
    """Main column of an article page; ``others`` fill the "Các tin khác" box."""
    parts: list[str] = []
    if art.view_count is not None:
        parts.append(
            f'<div class="ViewCount">{E(art.view_label)}: {format_count(art.view_count)}</div>'
        )
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
    href = href or (lambda a: article_path(site, cat, a))
    lis = "".join(
        f'<li><a href="{E(href(o))}">{E(o.title)}</a> <span class="DateOther">({o.published:%d/%m/%Y})</span></li>'
        for o in others
    )
    parts.append(
        '<div class="OtherNews"><div class="OtherTitle">Các tin khác</div>'
        f'<ul class="OtherList">{lis}</ul></div>'
    )
    return '<div class="ArticleDetail">' + "\n".join(parts) + "</div>"


def pager_html(page_no: int, page_count: int, pager_target: str = PAGER_TARGET) -> str:
    """ASP.NET numeric pager: a block of PAGER_BUTTONS numbers, ``...`` links to other blocks."""
    if page_count <= 1:
        return ""

    def link(n: int, label: str) -> str:
        return f"<a href=\"javascript:__doPostBack('{pager_target}','Page${n}')\">{label}</a>"

    first = (page_no - 1) // PAGER_BUTTONS * PAGER_BUTTONS + 1
    last = min(first + PAGER_BUTTONS - 1, page_count)
    out = []
    if first > 1:
        out.append(link(first - 1, "..."))
    for n in range(first, last + 1):
        out.append(f'<span class="CurrentPage">{n}</span>' if n == page_no else link(n, str(n)))
    if last < page_count:
        out.append(link(last + 1, "..."))
    return " ".join(out)


def list_main(
    site: SiteInfo,
    cat: Category,
    items: Iterable[Article],
    page_no: int,
    page_count: int,
    pager_target: str = PAGER_TARGET,
    href: Callable[[Article], str] | None = None,
) -> str:
    """Main column of a category list page with ASP.NET postback pager."""
    href = href or (lambda a: article_path(site, cat, a))
    lis = []
    for a in items:
        lis.append(
            '<li><h2 class="Title">'
            f'<a href="{E(href(a))}">{E(a.title)}</a></h2>'
            f'<span class="Ngaydang">{a.published:%d/%m/%Y}</span>'
            f'<div class="Summary">{E(a.lead)}</div></li>'
        )
    return (
        f'<div class="CategoryTitle"><h1>{E(cat.name)}</h1></div>'
        f'<ul class="ArticleList">{"".join(lis)}</ul>'
        f'<div class="Pager">{pager_html(page_no, page_count, pager_target)}</div>'
    )


def home_main(
    site: SiteInfo,
    latest: Sequence[tuple[Category, Article]],
    blocks: Sequence[tuple[Category, Sequence[Article]]],
    href: Callable[[Category, Article], str],
    page: str = "Default.aspx",
) -> str:
    """Home page main column: latest news overall, then a few items per category."""
    lis = "".join(
        f'<li><a href="{E(href(c, a))}">{E(a.title)}</a>'
        f' <span class="DateNew">{a.published:%d/%m/%Y}</span></li>'
        for c, a in latest
    )
    out = [
        '<div class="ModuleNewsHome"><div class="ModuleTitle">TIN MỚI</div>'
        f'<ul class="HomeNewsList">{lis}</ul></div>'
    ]
    for cat, arts in blocks:
        items = "".join(
            f'<li><a href="{E(href(cat, a))}">{E(a.title)}</a>'
            f' <span class="DateNew">{a.published:%d/%m/%Y}</span></li>'
            for a in arts
        )
        out.append(
            f'<div class="ModuleCategory"><div class="ModuleTitle"><a href="{E(category_url(site, cat, page))}">'
            f'{E(cat.name)}</a></div><ul class="CategoryNews">{items}</ul></div>'
        )
    return '<div class="HomeContent">' + "".join(out) + "</div>"


def other_main(heading: str, paragraphs: Sequence[str]) -> str:
    """Main column of a non-news page (menu pages, contact, 404)."""
    ps = "".join(f"<p>{E(p)}</p>" for p in paragraphs)
    return f'<div class="StaticPage"><h1 class="PageTitle">{E(heading)}</h1>{ps}</div>'


def aspnet_error(message: str, detail: str) -> str:
    """ASP.NET "yellow screen" error page (no portal shell), e.g. a failed view state MAC."""
    return f"""<!DOCTYPE html>
<html>
<head><title>{E(message)}</title>
<style>body{{font-family:Verdana;font-weight:normal;font-size:.7em;color:black}} H1{{font-family:Verdana;font-weight:normal;font-size:18pt;color:red}}</style>
</head>
<body bgcolor="white">
<span><H1>Server Error in '/' Application.<hr width=100% size=1 color=silver></H1>
<h2> <i>{E(message)}</i> </h2></span>
<font face="Arial, Helvetica, Geneva, SunSans-Regular, sans-serif ">
<b> Description: </b>{E(detail)}<br><br>
<b> Exception Details: </b>System.Web.HttpException: {E(message)}<br><br>
<hr width=100% size=1 color=silver>
<b>Version Information:</b>&nbsp;Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4667.0
</font>
</body>
</html>
"""
