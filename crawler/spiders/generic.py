"""Spider for any site without a dedicated spider (generic CMSs, new-generation vnPortal pages),
and the base class of the Liferay and WordPress spiders.

Navigation: the home page, then same-host links breadth-first up to ``max_depth`` levels and
``max_pages`` fetches per site.  A page the extractor calls an ``article`` is archived under the
hash of its canonical URL (these sites have no stable numeric id); article URLs already archived
are not fetched again unless ``refresh``.  Other pages (home, category lists) are re-read on every
crawl so new posts are found.  What a page holds comes from ``crawler.extract``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Request, Response
from w3lib.url import canonicalize_url

from crawler.extract import extract_full
from crawler.items import ArticleItem, SiteSnapshotItem
from crawler.registry import Site, get_site
from crawler.spiders.common import page_item, response_headers, snapshot_item

NOT_HTML = re.compile(
    r"\.(?:css|js|jpe?g|png|gif|svg|ico|webp|pdf|docx?|xlsx?|pptx?|zip|rar|7z|mp3|mp4|avi|xml|rss)$", re.I
)



def url_id(url: str) -> str:
    """Article identity on sites without ids: 16 hex digits of the canonical URL's SHA-1."""
    canon = canonicalize_url(url, keep_fragments=False)
    return hashlib.sha1(canon.encode("utf-8")).hexdigest()[:16]




class PlatformSpider(scrapy.Spider):
    """Registry-row parameters, archive look-ups and site snapshots shared by the spiders."""

    platform = "generic"

    def __init__(self, site: str = "", refresh: str | bool = False, **kwargs):
        super().__init__(**kwargs)
        ids = [s.strip() for s in str(site).split(",") if s.strip()]
        self.sites: list[Site] = [get_site(i) for i in ids]
        self.refresh = str(refresh).lower() in ("1", "true", "yes", "on")
        self.known: dict[str, set[str]] = {}
        self.snapshotted: set[str] = set()

    def _known(self, site: Site) -> set[str]:
        if site.id not in self.known:
            archive = getattr(self.crawler, "govnews_archive", None)
            done = set() if (archive is None or self.refresh) else set(archive.archived_ids(site.id))
            self.known[site.id] = done
        return self.known[site.id]

    def _error(self, failure) -> None:
        self.crawler.stats.inc_value("govnews/errors")
        request = getattr(failure, "request", None)
        self.logger.warning("failed: %s (%s)", getattr(request, "url", "?"), failure.value)

    def _request(self, url: str, callback, **cb_kwargs) -> Request:
        return Request(url, callback=callback, errback=self._error, cb_kwargs=cb_kwargs)

    def _extract(self, site: Site, response: Response) -> dict:
        return extract_full(response.body, response.url, response_headers(response), platform=site.platform)

    def _snapshot(self, site: Site, data: dict) -> SiteSnapshotItem | None:
        return snapshot_item(site.id, data, self.snapshotted)

    def _claim(self, site: Site, article_id: str) -> bool:
        """True the first time an unarchived article id is seen in this crawl."""
        known = self._known(site)
        if article_id in known:
            return False
        known.add(article_id)
        return True

    def _article(self, site: Site, article_id: str, response: Response, data: dict) -> ArticleItem:
        return ArticleItem(site=site.id, article_id=article_id, url=response.url, data=data,
                           page=page_item(response))


class GenericSpider(PlatformSpider):
    name = "generic"
    platform = "generic"
    max_depth = 3
    max_pages = 300

    def __init__(self, *args, max_depth: int | str | None = None, max_pages: int | str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if max_depth is not None:
            self.max_depth = int(max_depth)
        if max_pages is not None:
            self.max_pages = int(max_pages)
        self.seen: dict[str, set[str]] = {}

    async def start(self) -> AsyncIterator[Request]:
        for site in self.sites:
            home = site.base_url.rstrip("/") + "/"
            self.seen[site.id] = {canonicalize_url(home)}
            yield self._request(home, self.parse_page, site_id=site.id, depth=0)

    def parse_page(self, response: Response, site_id: str, depth: int):
        site = get_site(site_id)
        data = self._extract(site, response)
        snap = self._snapshot(site, data)
        if snap:
            yield snap
        if data["kind"] == "article":
            yield self._article(site, url_id(response.url), response, data)
        else:
            yield page_item(response)
            if data["kind"] == "list":
                self.crawler.stats.inc_value("govnews/list_pages")
        if depth >= self.max_depth or not hasattr(response, "css"):
            return
        host = urlsplit(site.base_url).hostname
        for href in response.css("a::attr(href)").getall():
            url = urljoin(response.url, href.strip()).split("#", 1)[0]
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.hostname != host or NOT_HTML.search(parts.path):
                continue
            canon = canonicalize_url(url)
            seen = self.seen[site.id]
            if canon in seen or len(seen) >= self.max_pages:
                continue
            seen.add(canon)
            if url_id(url) in self._known(site):
                continue  # an archived article: not fetched again unless refresh
            yield self._request(url, self.parse_page, site_id=site.id, depth=depth + 1)
