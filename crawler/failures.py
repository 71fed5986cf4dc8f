"""Turn a failed request (a Twisted ``Failure`` from an errback) into an archive failure record.

Why a module of its own: every spider's errback must say *why* a page is missing in the same
vocabulary, so the crawl summary and ``failures.kind`` can be compared across platforms.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web._newclient import ResponseFailed

__all__ = ["FailureItem", "classify", "request_key", "failure_item"]


class FailureItem(scrapy.Item):
    """A request given up on; the pipeline stores it in the ``failures`` table."""

    url = scrapy.Field()
    site = scrapy.Field()
    article_id = scrapy.Field()
    kind = scrapy.Field()
    reason = scrapy.Field()
    attempts = scrapy.Field()


def request_key(request: Request) -> str:
    """The URL, plus ``#<event argument>`` for an ASP.NET postback (all pages of a category
    list share one URL and differ only in the posted ``__EVENTARGUMENT``)."""
    if request.method == "POST" and request.body:
        form = parse_qs(request.body.decode("utf-8", "replace"))
        arg = (form.get("__EVENTARGUMENT") or [""])[0]
        if arg:
            return f"{request.url}#{arg}"
    return request.url


def classify(exc: BaseException) -> tuple[str, str]:
    """``(kind, reason)`` of a download/processing error."""
    text = str(exc) or type(exc).__name__
    if "max size" in text.lower() or "download_maxsize" in text.lower():
        return "too-large", text
    if isinstance(exc, HttpError):
        status = exc.response.status
        if status in (301, 302, 303, 307, 308):
            return "redirect", f"HTTP {status} not followed"
        return f"http-{status}", f"HTTP {status}"
    if isinstance(exc, IgnoreRequest):
        low = text.lower()
        if "robots.txt" in low:
            return "robots", text
        if "offsite" in low or "not a registry host" in low or "not in the site registry" in low:
            return "offsite", text
        if "max redirections" in low or "redirect" in low:
            return "redirect-loop", text
        if "download_maxsize" in low or "maxsize" in low or "exceeded" in low:
            return "too-large", text
        if "trap" in low:
            return "trap", text
        return "ignored", text
    if isinstance(exc, (TimeoutError, TCPTimedOutError)):
        return "timeout", text
    if isinstance(exc, CancelledError) and "max size" in text.lower():
        return "too-large", text
    if isinstance(exc, ResponseFailed):
        reasons = " ".join(str(r.value) for r in getattr(exc, "reasons", []) or [])
        if "DataLoss" in reasons or "PotentialDataLoss" in reasons or "dataloss" in text.lower():
            return "truncated", reasons or text
        if "larger than download max size" in reasons or "maxsize" in reasons.lower():
            return "too-large", reasons
        return "reset", reasons or text
    if isinstance(exc, (ConnectionLost, ConnectionDone)):
        return "reset", text
    if isinstance(exc, DNSLookupError):
        return "dns", text
    if isinstance(exc, ConnectError):
        return "connect", text
    if isinstance(exc, CancelledError):
        return "cancelled", text
    return "error", f"{type(exc).__name__}: {text}"


def failure_item(failure, site: str | None, article_id: str | None = None) -> FailureItem:
    """The item for an errback's ``failure`` (its request carries the retry count)."""
    request = getattr(failure, "request", None)
    value = failure.value
    if request is None and isinstance(value, HttpError):
        request = value.response.request
    kind, reason = classify(value)
    attempts = 1 + int((request.meta.get("retry_times", 0) if request is not None else 0) or 0)
    url = request_key(request) if request is not None else "?"
    if request is not None and request.meta.get("redirect_urls"):
        url = request.meta["redirect_urls"][0]
    return FailureItem(url=url, site=site, article_id=article_id, kind=kind, reason=reason,
                       attempts=attempts)


def record_failure(crawler, failure) -> FailureItem:
    """Store a given-up request in the archive's ``failures`` table (through the pipeline's
    writer) and count it per kind in the stats (``govnews/failures/<kind>``).  Called by every
    spider's errback; works (stats only) when no archive is attached."""
    request = getattr(failure, "request", None)
    if request is None and isinstance(failure.value, HttpError):
        request = failure.value.response.request
    kwargs = request.cb_kwargs if request is not None else {}
    item = failure_item(failure, kwargs.get("site_id"), kwargs.get("article_id"))
    crawler.stats.inc_value(f"govnews/failures/{item['kind']}")
    writer = getattr(crawler, "govnews_archive", None)
    if writer is not None:
        try:
            writer.put_failure(crawl_id=crawler.stats.get_value("govnews/crawl_id"), **dict(item))
        except Exception:  # noqa: BLE001 - the writer reports its own error at close
            pass
    return item


class FailureRecorder:
    """Extension: a callback that raised is a failure too (``parse-error``); a request that
    now succeeds resolves its earlier failure; the per-kind summary goes to the stats."""

    def __init__(self, crawler):
        from scrapy import signals

        self.crawler = crawler
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_error(self, failure, response, spider):
        request = response.request
        kwargs = request.cb_kwargs if request is not None else {}
        kind, reason = "parse-error", f"{type(failure.value).__name__}: {failure.value}"
        self.crawler.stats.inc_value(f"govnews/failures/{kind}")
        self.crawler.stats.inc_value("govnews/errors")
        writer = getattr(self.crawler, "govnews_archive", None)
        if writer is not None and request is not None:
            try:
                writer.put_failure(
                    crawl_id=self.crawler.stats.get_value("govnews/crawl_id"),
                    url=request_key(request), site=kwargs.get("site_id"),
                    article_id=kwargs.get("article_id"), kind=kind, reason=reason,
                    attempts=1 + int(request.meta.get("retry_times", 0) or 0),
                )
            except Exception:  # noqa: BLE001
                pass

    def response_received(self, response, request, spider):
        if not 200 <= response.status < 300:
            return
        writer = getattr(self.crawler, "govnews_archive", None)
        if writer is not None:
            try:
                writer.resolve_failure(request_key(request))
            except Exception:  # noqa: BLE001
                pass
