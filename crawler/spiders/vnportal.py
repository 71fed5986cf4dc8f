"""Spider for VNPT vnPortal (ASP.NET) portals, parametrised by site-registry rows.

Navigation only; what a page holds comes from ``crawler.extract``.

* The home page gives the categories (menu links with a ``catid`` and no ``id``) and the site's
  footer contact and visitor counter (one snapshot per site per crawl).
* Every category list page is read on every crawl, older pages through the ASP.NET postback
  pager (``__doPostBack`` → ``FormRequest.from_response``), so new posts are always found.
* Articles are identified by ``(sname, id)`` whatever URL form links to them, fetched once at
  their canonical URL, and never fetched again once archived unless ``refresh`` is set.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator
from urllib.parse import urlencode, urljoin

import scrapy
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.http import FormRequest, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.extract import extract_full, parse_vnportal_url
from crawler.failures import record_failure, request_key
from crawler.items import ArticleItem, ListWalkItem, RemovalItem, SiteSnapshotItem
from crawler.registry import Site, get_site, site_for_sname
from crawler.spiders.common import now_iso, page_item, response_headers, snapshot_item
from crawler.traps import CrawlGuard

GONE_STATUSES = (404, 410)  # an article page answering these is marked removed (content kept)



def canonical_article_url(site: Site, ids: dict) -> str:
    """One URL per (sname, id): the desktop ``Default.aspx`` form on the site's own host."""
    params = {
        "sname": ids["sname"],
        "sid": ids.get("sid") or site.sid,
        "pageid": ids.get("pageid") or "",
        "catid": ids.get("catid") or "",
        "id": ids["article_id"],
    }
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{site.base_url.rstrip('/')}/Default.aspx?{query}"



class VnPortalSpider(scrapy.Spider):
    name = "vnportal"
    platform = "vnportal"

    def __init__(
        self,
        site: str = "chauthanh",
        refresh: str | bool = False,
        mode: str = "crawl",
        revisit: list | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # Watch mode (issue 6, see crawler/watch.py): list pages are read only until the first
        # already-archived article; ``revisit`` = [(site_id, article_id, url)] to re-read for
        # view counts (or removal); one outcome per site in the stat ``govnews/watch``.
        self.mode = str(mode or "crawl")
        self.watching = self.mode == "watch"
        self.revisit = [tuple(r) for r in (revisit or [])]
        self.archived_at_start: dict[str, set[str]] = {}
        self.outcomes: dict[str, dict] = {}
        ids = [s.strip() for s in str(site).split(",") if s.strip()]
        self.sites: list[Site] = [get_site(i) for i in ids]
        self.refresh = str(refresh).lower() in ("1", "true", "yes", "on")
        self.known: dict[str, set[str]] = {}  # site id -> article ids archived or queued
        self.snapshotted: set[str] = set()
        self.postbacks_seen: set[tuple[str, str, str]] = set()
        # (site id, catid) -> list walk state: requests pending, pages read, ids listed, failed
        self.walks: dict[tuple[str, str], dict] = {}

    # -- helpers -----------------------------------------------------------------

    def _archive(self):
        return getattr(self.crawler, "govnews_archive", None)

    def _known(self, site: Site) -> set[str]:
        if site.id not in self.known:
            archive = self._archive()
            done = set() if (archive is None or self.refresh) else set(archive.archived_ids(site.id))
            self.known[site.id] = done
        return self.known[site.id]

    def _error(self, failure) -> None:
        self.crawler.stats.inc_value("govnews/errors")
        request = getattr(failure, "request", None)
        self.logger.warning("failed: %s (%s)", getattr(request, "url", "?"), failure.value)
        record_failure(self.crawler, failure)  # failures table + per-kind stats (issue 8)

    def _request(self, url: str, callback, errback=None, **cb_kwargs) -> Request:
        return Request(
            url, callback=callback, errback=errback or self._error, cb_kwargs=cb_kwargs
        )

    def _article_error(self, failure):
        """A 404/410 on an article page is evidence of removal, not a crawl error."""
        response = getattr(failure.value, "response", None)
        if failure.check(HttpError) and response is not None and response.status in GONE_STATUSES:
            kwargs = response.request.cb_kwargs if response.request else {}
            yield RemovalItem(
                site=kwargs.get("site_id"),
                article_id=kwargs.get("article_id"),
                reason=f"HTTP {response.status}",
                observed_at=now_iso(),
                page=page_item(response),
            )
            return
        self._error(failure)

    # -- list walks: an article is marked gone from its list only after a complete walk

    def _walk(self, site_id: str, catid: str) -> dict:
        return self.walks.setdefault(
            (site_id, catid), {"pending": 0, "pages": 0, "ids": set(), "failed": False}
        )

    def _walk_done(self, site_id: str, catid: str):
        """One list request of the category finished; the last one reports the walk."""
        walk = self._walk(site_id, catid)
        walk["pending"] -= 1
        if walk["pending"] == 0:
            yield ListWalkItem(
                site=site_id,
                catid=catid,
                article_ids=sorted(walk["ids"]),
                pages=walk["pages"],
                complete=not walk["failed"] and not getattr(self, "watching", False),
            )

    def _list_error(self, failure):
        self._error(failure)
        request = getattr(failure, "request", None)
        kwargs = request.cb_kwargs if request is not None else {}
        if "catid" in kwargs:
            self._walk(kwargs["site_id"], kwargs["catid"])["failed"] = True
            yield from self._walk_done(kwargs["site_id"], kwargs["catid"])

    # -- crawl -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for site in self.sites:
            params = {"sname": site.sname}
            if site.sid:
                params["sid"] = site.sid
            home = f"{site.base_url.rstrip('/')}/Default.aspx?{urlencode(params)}"
            if self.watching:
                yield self._watch_home_request(site, home)
                continue
            yield self._request(home, self.parse_home, site_id=site.id)
        if self.watching:
            for request in self._revisit_requests():
                yield request
        else:
            for request in self._retry_failed():
                yield request

    def _snapshot(self, site: Site, data: dict) -> SiteSnapshotItem | None:
        return snapshot_item(site.id, data, self.snapshotted)

    def parse_home(self, response: Response, site_id: str):
        site = get_site(site_id)
        if self.watching and not self._watch_home_ok(site, response):
            yield page_item(response)
            return
        data = extract_full(response.body, response.url, response_headers(response))
        yield page_item(response)
        snap = self._snapshot(site, data)
        if snap:
            yield snap
        seen_lists: set[str] = set()
        for href in response.css("a::attr(href)").getall():
            url = urljoin(response.url, href.strip())
            ids = parse_vnportal_url(url)
            if not ids:
                continue
            if ids.get("article_id"):
                yield from self._follow_article(url, ids)
            elif ids.get("catid") and ids["sname"].lower() == site.sname.lower():
                key = ids["catid"]
                if key not in seen_lists:
                    seen_lists.add(key)
                    list_url = _list_url(site, ids)
                    self._walk(site.id, key)["pending"] += 1
                    yield self._request(
                        list_url, self.parse_list, self._list_error, site_id=site.id, catid=key
                    )

    def parse_list(self, response: Response, site_id: str, catid: str, page_arg: str = "Page$1"):
        site = get_site(site_id)
        # The page we are on is not to be posted back for again (page 1 came by GET).
        self.postbacks_seen.add((site.id, catid, page_arg))
        # Footer and counter are read once per site per crawl (the home page usually gave them).
        data = extract_full(
            response.body, response.url, response_headers(response),
            site_wide=site.id not in self.snapshotted,
        )  # fmt: skip
        yield page_item(response)
        snap = self._snapshot(site, data)
        if snap:
            yield snap
        self.crawler.stats.inc_value("govnews/list_pages")
        walk = self._walk(site.id, catid)
        walk["pages"] += 1
        page_ids = []
        for art in data.get("articles") or []:
            ids = parse_vnportal_url(art["url"])
            if ids and ids.get("article_id"):
                walk["ids"].add(str(ids["article_id"]))
                page_ids.append(str(ids["article_id"]))
                yield from self._follow_article(art["url"], ids)
        if self.watching:
            self._outcome(site)["list_pages"] += 1
            if self._reached_archive(site, page_ids):
                return  # watch mode: older pages hold only archived articles
        for pb in self._admitted_postbacks(response, site, catid, data):
            key = (site.id, catid, pb["argument"])
            if key in self.postbacks_seen:
                continue
            self.postbacks_seen.add(key)
            walk["pending"] += 1
            yield _postback(
                response,
                formname="aspnetForm",
                formdata={"__EVENTTARGET": pb["target"], "__EVENTARGUMENT": pb["argument"]},
                dont_click=True,
                callback=self.parse_list,
                errback=self._list_error,
                cb_kwargs={"site_id": site.id, "catid": catid, "page_arg": pb["argument"]},
            )
        yield from self._walk_done(site.id, catid)

    def _admitted_postbacks(self, response: Response, site: Site, catid: str, data: dict) -> list:
        """The list page's pager postbacks, or none when paginating further is a trap (a page
        repeating an earlier one of the category, or too many pages; see crawler/traps.py)."""
        if not hasattr(self, "guard"):
            self.guard = CrawlGuard(self.settings.getint("GOVNEWS_MAX_LIST_PAGES", 5000))
        urls = [a["url"] for a in data.get("articles") or []]
        reason = self.guard.admit_list(site.id, catid, urls)
        if reason is None:
            return data.get("postbacks") or []
        self.crawler.stats.inc_value("govnews/failures/trap")
        archive = self._archive()
        if archive is not None:
            archive.put_failure(
                crawl_id=self.crawler.stats.get_value("govnews/crawl_id"),
                url=request_key(response.request), site=site.id, article_id=None, kind="trap",
                reason=reason,
            )
        return []

    def _retry_failed(self):
        """Articles that failed in an earlier crawl are tried again even if no list links to
        them any more (issue 8: a failure is retried, not forgotten)."""
        archive = self._archive()
        if archive is None:
            return
        for site in self.sites:
            for f in archive.unresolved_failures(site.id):
                ids = parse_vnportal_url(f["url"]) if f.get("article_id") else None
                if ids and ids.get("article_id"):
                    yield from self._follow_article(f["url"], ids)

    def _follow_article(self, url: str, ids: dict):
        site = site_for_sname(ids["sname"])
        if site is None:
            return
        known = self._known(site)
        aid = str(ids["article_id"])
        if aid in known:
            return
        known.add(aid)
        canonical = canonical_article_url(site, ids)
        if self.watching:
            self._outcome(site)["new_articles_fetched"] += 1
        yield self._request(
            canonical, self.parse_article, self._article_error, site_id=site.id, article_id=aid
        )

    def parse_article(self, response: Response, site_id: str, article_id: str):
        # Extraction happens in the archive pipeline (in the writer process by default), off
        # the reactor: the spider needs nothing from an article page to navigate.
        yield ArticleItem(
            site=site_id,
            article_id=article_id,
            url=response.url,
            data=None,
            page=page_item(response),
        )


    # -- watch mode (issue 6) ----------------------------------------------------------------

    def _outcome(self, site: Site) -> dict:
        return self.outcomes.setdefault(site.id, {
            "ok": None, "status": None, "location": None, "error": None, "list_pages": 0,
            "new_articles_fetched": 0, "revisited": 0, "gone": [],
        })

    def _watch_home_request(self, site: Site, url: str) -> Request:
        # A moved portal answers its home page with a permanent redirect: see it, don't follow.
        # Fewer retries than a crawl: a dead portal is the news here, not a glitch to ride out.
        self._outcome(site)
        if self._archive() is not None:  # before any new article is written
            self.archived_at_start[site.id] = set(self._archive().archived_ids(site.id))
        meta = {
            "dont_redirect": True,
            "handle_httpstatus_list": [301, 302, 303, 307, 308],
            "max_retry_times": self.settings.getint("GOVNEWS_WATCH_HOME_RETRIES", 1),
        }
        return Request(url, callback=self.parse_home, errback=self._watch_home_error,
                       cb_kwargs={"site_id": site.id}, meta=meta, dont_filter=True)

    def _watch_home_error(self, failure) -> None:
        request = getattr(failure, "request", None)
        site_id = request.cb_kwargs.get("site_id") if request is not None else None
        if site_id:
            out = self._outcome(get_site(site_id))
            response = getattr(failure.value, "response", None)
            out["ok"] = False
            out["status"] = getattr(response, "status", None)
            out["error"] = (f"HTTP {response.status}" if response is not None
                            else f"{type(failure.value).__name__}: {failure.value}")[:300]
        self._error(failure)

    def _watch_home_ok(self, site: Site, response: Response) -> bool:
        out = self._outcome(site)
        out["status"] = response.status
        if response.status in (301, 302, 303, 307, 308):
            location = response.headers.get(b"Location", b"").decode("latin-1")
            out["location"] = urljoin(response.url, location) if location else None
            out["ok"] = True  # reachable; whether it moved is decided by the watch pass
            return False
        out["ok"] = True
        return True

    def _reached_archive(self, site: Site, page_ids: list[str]) -> bool:
        if site.id not in self.archived_at_start:
            archive = self._archive()
            self.archived_at_start[site.id] = (
                set(archive.archived_ids(site.id)) if archive is not None else set()
            )
        return any(aid in self.archived_at_start[site.id] for aid in page_ids)

    def _revisit_requests(self):
        for site_id, article_id, url in self.revisit:
            site = get_site(site_id)
            self._known(site).add(str(article_id))
            self._outcome(site)["revisited"] += 1
            yield Request(
                url, callback=self.parse_revisit, errback=self._error, dont_filter=True,
                cb_kwargs={"site_id": site_id, "article_id": str(article_id)},
                meta={"handle_httpstatus_list": [404, 410]},
            )

    def parse_revisit(self, response: Response, site_id: str, article_id: str):
        if response.status in (404, 410):
            self._outcome(get_site(site_id))["gone"].append(article_id)
            yield page_item(response)  # the archive keeps the 404: the post was removed
            return
        yield from self.parse_article(response, site_id, article_id)

    def closed(self, reason: str) -> None:
        if self.watching:
            self.crawler.stats.set_value("govnews/watch", json.dumps(self.outcomes))


def _postback(response: Response, **kwargs) -> FormRequest:
    """``FormRequest.from_response`` for an ASP.NET ``__doPostBack`` (it copies ``__VIEWSTATE``
    and the other hidden fields).  Scrapy 2.19 deprecates it in favour of the separate
    form2request package; it still works, so the warning is silenced here until we switch."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScrapyDeprecationWarning)
        return FormRequest.from_response(response, **kwargs)



def _list_url(site: Site, ids: dict) -> str:
    params = {"sname": ids["sname"], "sid": ids.get("sid") or site.sid}
    if ids.get("pageid"):
        params["pageid"] = ids["pageid"]
    params["catid"] = ids["catid"]
    return f"{site.base_url.rstrip('/')}/Default.aspx?{urlencode(params)}"
