"""Downloader middlewares: polite retries and the registry allowlist."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawler.registry import registry_hosts

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, plus a pause before each retry.

    The pause is ``base * 2**(n-1)`` seconds (n = retry number), capped, or the server's
    ``Retry-After`` when it sends one (also capped), so a struggling portal gets room to recover.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("GOVNEWS_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("GOVNEWS_RETRY_BACKOFF_MAX", 60.0)

    def _delay(self, retry: Request, response: Response | None) -> float:
        n = retry.meta.get("retry_times", 1)
        delay = self.base * 2 ** (n - 1)
        if response is not None:
            ra = retry_after_seconds(response.headers.get(b"Retry-After"))
            if ra is not None:
                delay = ra
        return min(delay, self.cap)

    async def _pause(self, delay: float) -> None:
        if delay > 0:
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))

    async def process_response(self, request, response, spider=None):  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(self._delay(result, response))
        return result

    async def process_exception(self, request, exception, spider=None):  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(self._delay(result, None))
        return result


class RegistryOffsiteMiddleware:
    """Refuse any request whose host is not in the site registry.

    This is the crawler's allowlist: a link or redirect to another host is dropped before it
    reaches the network, whatever the spider asked for.  Loopback is refused too (a portal
    redirecting to 127.0.0.1 must not reach local services) unless ``GOVNEWS_ALLOW_LOOPBACK``.
    """

    def __init__(self, allow_loopback: bool = False) -> None:
        self.hosts = registry_hosts()
        if allow_loopback:
            self.hosts |= {"127.0.0.1", "localhost", "::1"}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getbool("GOVNEWS_ALLOW_LOOPBACK", False))

    def process_request(self, request, spider=None):
        host = (urlsplit(request.url).hostname or "").lower()
        if host not in self.hosts:
            raise IgnoreRequest(f"offsite: {host} is not in the site registry")
        return None
