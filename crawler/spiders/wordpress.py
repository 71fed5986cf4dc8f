"""Spider for WordPress sites, parametrised by site-registry rows.

The home page gives the site snapshot and tells whether the REST API is on (``<link
rel="https://api.w.org/">``).  With the API, posts are read from ``/wp-json/wp/v2/posts?per_page=
…&page=…`` (``X-WP-TotalPages`` says when to stop; each post's JSON is archived as its raw page,
identity = WordPress post id).  Without it, the HTML home pages (``/page/N/``) list the posts and
each post page is extracted.  Archived posts are not re-read unless ``refresh``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from scrapy.http import Request, Response

from crawler.extract import EXTRA_KEYS, PUBLIC_KEYS
from crawler.extract.wordpress import post_from_api
from crawler.items import ArticleItem, PageItem
from crawler.registry import get_site
from crawler.spiders.common import page_item
from crawler.spiders.generic import PlatformSpider, url_id

PER_PAGE = 20


class WordPressSpider(PlatformSpider):
    name = "wordpress"
    platform = "wordpress"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [400, 404]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.html_lists: set[str] = set()

    async def start(self) -> AsyncIterator[Request]:
        for site in self.sites:
            yield self._request(site.base_url.rstrip("/") + "/", self.parse_home, site_id=site.id)

    def _api_url(self, site, page: int) -> str:
        return f"{site.base_url.rstrip('/')}/wp-json/wp/v2/posts?per_page={PER_PAGE}&page={page}&_embed=1"

    def parse_home(self, response: Response, site_id: str):
        site = get_site(site_id)
        if response.status >= 400:
            self.crawler.stats.inc_value("govnews/errors")
            return
        data = self._extract(site, response)
        yield page_item(response)
        snap = self._snapshot(site, data)
        if snap:
            yield snap
        has_api = bool(response.css('link[rel="https://api.w.org/"]')) or b"api.w.org" in (
            response.headers.get(b"Link") or b"")
        if has_api:
            yield Request(self._api_url(site, 1), callback=self.parse_api, errback=self._error,
                          cb_kwargs={"site_id": site.id, "page": 1, "home": data})
        else:
            yield from self._html_list(site, response, data)

    def parse_api(self, response: Response, site_id: str, page: int, home: dict):
        site = get_site(site_id)
        try:
            posts = json.loads(response.text) if response.status == 200 else None
        except ValueError:
            posts = None
        if not isinstance(posts, list):
            if page == 1:  # API switched off or broken: read the HTML instead
                self.logger.info("%s: REST API unusable (HTTP %s), reading HTML", site.id, response.status)
                yield from self._html_list(site, response, home, refetch=True)
            return
        yield page_item(response)
        self.crawler.stats.inc_value("govnews/list_pages")
        for post in posts:
            if not isinstance(post, dict) or "id" not in post:
                continue
            aid = str(post["id"])
            if not self._claim(site, aid):
                continue
            data = post_from_api(post)
            data["platform"] = "wordpress"
            data = {k: data.get(k) for k in PUBLIC_KEYS + EXTRA_KEYS}
            raw = json.dumps(post, ensure_ascii=False).encode("utf-8")
            api_url = f"{site.base_url.rstrip('/')}/wp-json/wp/v2/posts/{aid}"
            page_rec = PageItem(url=api_url, final_url=api_url, status=200,
                                headers={"content-type": "application/json; charset=UTF-8"}, body=raw,
                                fetched_at=datetime.now(UTC).isoformat(timespec="seconds"))
            yield ArticleItem(site=site.id, article_id=aid, url=post.get("link") or api_url, data=data,
                              page=page_rec)
        total = response.headers.get(b"X-WP-TotalPages")
        try:
            pages = int(total) if total else None
        except ValueError:
            pages = None
        if (pages is not None and page < pages) or (pages is None and len(posts) == PER_PAGE):
            yield Request(self._api_url(site, page + 1), callback=self.parse_api, errback=self._error,
                          cb_kwargs={"site_id": site.id, "page": page + 1, "home": home})

    def _html_list(self, site, response: Response, data: dict, refetch: bool = False):
        if refetch:
            yield self._request(site.base_url.rstrip("/") + "/", self.parse_html_list, site_id=site.id)
            return
        yield from self._from_list(site, data)

    def parse_html_list(self, response: Response, site_id: str):
        site = get_site(site_id)
        data = self._extract(site, response)
        yield page_item(response)
        self.crawler.stats.inc_value("govnews/list_pages")
        yield from self._from_list(site, data)

    def _from_list(self, site, data: dict):
        for art in data.get("articles") or []:
            if self._claim(site, url_id(art["url"])):
                yield self._request(art["url"], self.parse_post, site_id=site.id)
        for url in data.get("next_pages") or []:
            if url not in self.html_lists:
                self.html_lists.add(url)
                yield self._request(url, self.parse_html_list, site_id=site.id)

    def parse_post(self, response: Response, site_id: str):
        site = get_site(site_id)
        data = self._extract(site, response)
        yield self._article(site, data.get("article_id") or url_id(response.url), response, data)
