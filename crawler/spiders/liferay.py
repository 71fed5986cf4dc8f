"""Spider for Liferay 6.2 / 7.x portals, parametrised by site-registry rows.

* Home page: site snapshot (footer contact, session-tracking counter); featured article links;
  category pages are the home's same-host links with one path segment.
* Category pages (Asset Publisher): every item, then the pager's ``_101_cur=N`` pages; always
  re-read, so new posts and changed view counts in the list are seen.
* Articles (``/<category>/-/view_content/<id>-<slug>``) are identified by the journal article id
  and fetched once unless ``refresh``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urljoin, urlsplit

from scrapy.http import Request, Response

from crawler.extract.liferay import PAGE_PARAM, liferay_article_id
from crawler.registry import get_site
from crawler.spiders.common import page_item
from crawler.spiders.generic import NOT_HTML, PlatformSpider

CATEGORY_PATH = re.compile(r"^/[\w\-]+/?$")
SKIP_SEGMENTS = {"trang-chu", "web", "c", "dang-nhap", "en", "lien-he"}


class LiferaySpider(PlatformSpider):
    name = "liferay"
    platform = "liferay"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lists_seen: set[str] = set()

    async def start(self) -> AsyncIterator[Request]:
        for site in self.sites:
            yield self._request(site.base_url.rstrip("/") + "/", self.parse_home, site_id=site.id)

    def _follow(self, site, url: str):
        aid = liferay_article_id(url)
        if aid and self._claim(site, aid):
            yield self._request(url, self.parse_article, site_id=site.id, article_id=aid)

    def _list(self, site, url: str):
        key = re.sub(r"[?&]p_p_lifecycle=\d+", "", url)
        if key in self.lists_seen:
            return
        self.lists_seen.add(key)
        yield self._request(url, self.parse_list, site_id=site.id)

    def parse_home(self, response: Response, site_id: str):
        site = get_site(site_id)
        data = self._extract(site, response)
        yield page_item(response)
        snap = self._snapshot(site, data)
        if snap:
            yield snap
        host = urlsplit(site.base_url).hostname
        for href in response.css("a::attr(href)").getall():
            url = urljoin(response.url, href.strip()).split("#", 1)[0]
            parts = urlsplit(url)
            if parts.hostname != host or NOT_HTML.search(parts.path):
                continue
            if liferay_article_id(url):
                yield from self._follow(site, url)
            elif CATEGORY_PATH.match(parts.path) and parts.path.strip("/") not in SKIP_SEGMENTS:
                yield from self._list(site, url)

    def parse_list(self, response: Response, site_id: str):
        site = get_site(site_id)
        data = self._extract(site, response)
        yield page_item(response)
        self.crawler.stats.inc_value("govnews/list_pages")
        for art in data.get("articles") or []:
            yield from self._follow(site, art["url"])
        for url in data.get("next_pages") or []:
            if PAGE_PARAM.search(url):
                yield from self._list(site, url)

    def parse_article(self, response: Response, site_id: str, article_id: str):
        site = get_site(site_id)
        data = self._extract(site, response)
        snap = self._snapshot(site, data)
        if snap:
            yield snap
        yield self._article(site, article_id, response, data)
