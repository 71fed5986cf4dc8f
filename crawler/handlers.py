"""Replica routing: crawl the real portal URLs, fetch them from a loopback replica.

With ``GOVNEWS_REPLICA=http://127.0.0.1:PORT`` every request for a registry host is sent to the
replica with its original ``Host`` header, and the response handed back to Scrapy carries the
real URL.  Spiders, the archive and robots.txt handling therefore see exactly what they would see
on the real portal, and nothing is ever sent to a public host: in replica mode a request for any
other host is refused.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.registry import registry_hosts

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ReplicaDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        replica = crawler.settings.get("GOVNEWS_REPLICA") or None
        self.replica = replica.rstrip("/") if replica else None
        self.hosts = registry_hosts()

    async def download_request(self, request: Request) -> Response:
        if not self.replica:
            return await super().download_request(request)
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if host in LOOPBACK:
            return await super().download_request(request)
        if host not in self.hosts:
            raise IgnoreRequest(f"replica mode: {host} is not a registry host")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        routed = request.replace(url=self.replica + path)
        routed.headers[b"Host"] = parts.netloc.encode("ascii")
        try:
            response = await super().download_request(routed)
        finally:
            # The handler records timings on the request it sent (a copy); AutoThrottle
            # reads them from the original.
            for key in ("download_latency",):
                if key in routed.meta:
                    request.meta[key] = routed.meta[key]
        return response.replace(url=request.url)
