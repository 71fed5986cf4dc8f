"""Crawler-trap detection and per-site caps.

Portals generate endless URL spaces: calendars ("next day" forever), pagers that always offer a
next page (an ASP.NET pager clamped to its last page still links further), session ids and
repeated path segments.  A research crawl must finish, so every spider asks :class:`CrawlGuard`
before following a list page or link.  Limits are settings, so a huge portal can raise them:

* ``GOVNEWS_MAX_LIST_PAGES`` (per site + category, default 5000)
* ``GOVNEWS_SITE_MAX_PAGES`` (requests per site per crawl, default 200000)
"""

from __future__ import annotations

import hashlib
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

__all__ = ["is_trap_url", "CrawlGuard"]

CALENDAR_PARAMS = {"ngay", "date", "day", "thang", "month", "nam", "year", "calendar", "lich"}
MAX_QUERY_PARAMS = 12
MAX_URL_LENGTH = 2000
MAX_SEGMENT_REPEATS = 3


def is_trap_url(url: str) -> str | None:
    """Why ``url`` looks like a trap (a short reason), or None."""
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    if len(params) > MAX_QUERY_PARAMS:
        return f"{len(params)} query parameters"
    names = [k.lower() for k, _ in params]
    if len(names) != len(set(names)):
        return "repeated query parameter"
    cal = [k for k in names if k in CALENDAR_PARAMS]
    if cal:
        return f"calendar parameter {cal[0]!r}"
    segments = [s.lower() for s in parts.path.split("/") if s]
    if segments:
        seg, n = Counter(segments).most_common(1)[0]
        if n >= MAX_SEGMENT_REPEATS:
            return f"path segment {seg!r} repeated {n} times"
    return None


class CrawlGuard:
    """Per-crawl counters: list pages per category (with duplicate-content detection) and
    requests per site."""

    def __init__(self, max_list_pages: int = 5000, site_max_pages: int = 200000) -> None:
        self.max_list_pages = max_list_pages
        self.site_max_pages = site_max_pages
        self._list_pages: Counter = Counter()
        self._list_signatures: set[tuple[str, str, str]] = set()
        self._site_pages: Counter = Counter()

    def admit_list(self, site: str, catid: str, article_urls: list[str]) -> str | None:
        """Record one list page; a reason to stop paginating this category, or None.

        A page listing exactly the articles of a page already seen in the same category is a
        pager that does not advance (the classic clamped-pager trap)."""
        key = (site, catid)
        self._list_pages[key] += 1
        if self._list_pages[key] > self.max_list_pages:
            return f"more than {self.max_list_pages} list pages in category {catid}"
        if not article_urls:
            return None
        sig = hashlib.sha1("\n".join(sorted(article_urls)).encode()).hexdigest()
        if (site, catid, sig) in self._list_signatures:
            return f"list page repeats an earlier page of category {catid}"
        self._list_signatures.add((site, catid, sig))
        return None

    def admit_request(self, site: str) -> bool:
        """Count one request for ``site``; False once its cap is reached."""
        self._site_pages[site] += 1
        return self._site_pages[site] <= self.site_max_pages


class TrapGuardMiddleware:
    """Downloader middleware: refuse trap-looking URLs and requests beyond a site's page cap
    (``IgnoreRequest`` with a reason starting ``trap:``, so the errback records it)."""

    def __init__(self, site_max_pages: int) -> None:
        self.guard = CrawlGuard(site_max_pages=site_max_pages)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("GOVNEWS_SITE_MAX_PAGES", 200000))

    def process_request(self, request, spider=None):
        from scrapy.exceptions import IgnoreRequest

        reason = is_trap_url(request.url)
        if reason:
            raise IgnoreRequest(f"trap: {reason}")
        host = (urlsplit(request.url).hostname or "").lower()
        if not self.guard.admit_request(host):
            raise IgnoreRequest(f"trap: more than {self.guard.site_max_pages} requests to {host}")
        return None


class RedirectLoopMiddleware:
    """Downloader middleware (runs before Scrapy's RedirectMiddleware) for redirects:

    * back to a URL already in the chain: a loop, refused (``redirect loop: …``);
    * to a host outside the registry: refused here (``offsite redirect: …``);
    * otherwise the redirected request is exempted from the duplicate filter.

    Scrapy would hand a repeated or already-crawled target to the duplicate filter, which drops
    it *silently*: the page would be neither archived nor recorded as failed.  Refusing sends
    the request to its errback, so the failure is recorded.
    """

    def __init__(self, hosts: set[str]) -> None:
        self.hosts = hosts

    @classmethod
    def from_crawler(cls, crawler):
        from crawler.registry import registry_hosts

        hosts = set(registry_hosts())
        if crawler.settings.getbool("GOVNEWS_ALLOW_LOOPBACK", False):
            hosts |= {"127.0.0.1", "localhost", "::1"}
        return cls(hosts)

    def process_response(self, request, response, spider=None):
        from urllib.parse import urljoin

        from scrapy.exceptions import IgnoreRequest

        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        if request.meta.get("dont_redirect") or response.status in request.meta.get(
            "handle_httpstatus_list", ()
        ):
            return response  # the spider wants to see the redirect itself
        target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
        chain = list(request.meta.get("redirect_urls") or []) + [request.url]
        if target in chain:
            raise IgnoreRequest(f"redirect loop: {' -> '.join(chain + [target])}"[:400])
        host = (urlsplit(target).hostname or "").lower()
        if host not in self.hosts:
            raise IgnoreRequest(f"offsite redirect: {request.url} -> {target}"[:400])
        request.dont_filter = True
        return response
