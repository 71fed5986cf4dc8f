"""The sites the replica serves, with the exact footer and counter values of the real portal.

The Châu Thành values are those of the seed page (``../shared/seed``); the footer agency there
lost its first character, the real page reads ``ỦY BAN NHÂN DÂN…``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from govnews.replica.render import Category, SiteInfo

CHAUTHANH = SiteInfo(
    site_id="chauthanh",
    host="chauthanh.soctrang.gov.vn",
    sname="huyenchauthanh",
    sid=1308,
    pageid=369,
    name="Huyện Châu Thành",
    agency="ỦY BAN NHÂN DÂN HUYỆN CHÂU THÀNH - TỈNH SÓC TRĂNG",
    address="ấp Xây Cáp, thị trấn Châu Thành, huyện Châu Thành, Tỉnh Sóc Trăng",
    phones_line=(
        "Điện Thoại: (0299) 3 834 570  - (0299) 3 834 566. Fax: (0299) 3 834 670. "
        "Email: vpubndchauthanh@gmail.com"
    ),
    counter={"online": "47", "today": "272", "week": "272", "month": "48 536", "total": "2276668"},
    categories=[
        Category(1001, "Tin tức - Sự kiện", "Tin-tuc-Su-kien"),
        Category(1002, "Cải cách hành chính", "Cai-cach-hanh-chinh"),
        Category(1003, "Kinh tế - Xã hội", "Kinh-te-Xa-hoi"),
        Category(1004, "Văn hóa - Thể thao", "Van-hoa-The-thao"),
    ],
)


@cache
def seed_article_data() -> dict:
    """The seed article's content, taken verbatim from ../shared/seed (title, lead, caption…)."""
    text = resources.files("govnews.replica").joinpath("data/seed_article.json").read_text("utf-8")
    return json.loads(text)


#: Host (without port, lower case) -> site.  Hosts not listed get DEFAULT_SITE, so that
#: ``127.0.0.1:PORT`` and any registry host serve Châu Thành until more sites are added.
SITES_BY_HOST: dict[str, SiteInfo] = {CHAUTHANH.host: CHAUTHANH}
DEFAULT_SITE = CHAUTHANH


def site_for_host(host: str | None) -> SiteInfo:
    """The site a request's ``Host`` header selects (port and case ignored)."""
    name = (host or "").strip().lower()
    if name.startswith("["):  # [::1]:port
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    return SITES_BY_HOST.get(name, DEFAULT_SITE)


def _host_name(host: str | None) -> str:
    name = (host or "").strip().lower()
    if name.startswith("["):
        return name[1 : name.find("]")] if "]" in name else name
    return name.split(":", 1)[0] if name.count(":") == 1 else name


def serves_host(host: str | None) -> bool:
    """Whether the vnPortal replica answers for ``host``: its own sites, any Sóc Trăng portal
    host (any of them can serve any ``sname``), and the replica's own address."""
    import ipaddress

    name = _host_name(host)
    if not name or name == "localhost" or name in SITES_BY_HOST or name.endswith("soctrang.gov.vn"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
