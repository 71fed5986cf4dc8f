"""Run a crawl from Python: the API behind ``govnews crawl`` and ``govnews demo``.

One Scrapy spider per platform; each registry row of that platform is a parameter of it.
"""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from crawler.lock import CrawlLocked
from crawler.lock import acquire as acquire_crawl_lock
from crawler.registry import Site, get_site, load_sites

SPIDERS = {
    "vnportal": "crawler.spiders.vnportal.VnPortalSpider",
    "liferay": "crawler.spiders.liferay.LiferaySpider",
    "wordpress": "crawler.spiders.wordpress.WordPressSpider",
    "generic": "crawler.spiders.generic.GenericSpider",
    "vnportal_ng": "crawler.spiders.generic.GenericSpider",
}


class CrawlSetupError(Exception):
    """Something stops the crawl before it starts (bad site, unreachable replica…)."""


@dataclass
class CrawlSummary:
    crawl_ids: list[int] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    pages: int = 0
    list_pages: int = 0
    new_articles: int = 0
    updated_articles: int = 0
    unchanged_articles: int = 0
    errors: int = 0
    elapsed_seconds: float = 0.0
    finish_reasons: list[str] = field(default_factory=list)
    #: requests given up on, per kind (timeout, http-503, robots, …; see crawler/failures.py)
    failures: dict = field(default_factory=dict)
    #: watch mode only: site id -> outcome dict of the spider (see crawler/watch.py)
    watch: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def lines(self) -> list[str]:
        return [
            f"crawl {', '.join(map(str, self.crawl_ids))} of {', '.join(self.sites)}: "
            f"{', '.join(self.finish_reasons) or 'not run'}",
            f"  pages fetched:     {self.pages} ({self.list_pages} list pages)",
            f"  new articles:      {self.new_articles}",
            f"  updated articles:  {self.updated_articles}",
            f"  unchanged:         {self.unchanged_articles}",
            f"  errors:            {self.errors}",
        ] + [f"    {kind + ':':<17}{n}" for kind, n in sorted(self.failures.items())]


def default_sites() -> list[str]:
    return [s.id for s in load_sites() if s.status == "active"]


def resolve_sites(ids: list[str] | tuple[str, ...]) -> list[Site]:
    try:
        sites = [get_site(i) for i in (ids or default_sites())]
    except KeyError as e:
        raise CrawlSetupError(str(e)) from None
    for s in sites:
        if s.platform not in SPIDERS:
            raise CrawlSetupError(f"site {s.id!r}: platform {s.platform!r} has no spider yet")
    return sites


def check_replica(url: str, timeout: float = 3.0) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CrawlSetupError(f"invalid replica URL {url!r}; expected e.g. http://127.0.0.1:8088")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as e:
        raise CrawlSetupError(f"replica not reachable at {url}: {e.strerror or e}") from None


def build_settings(db_path: str, replica: str | None, progress: bool, **overrides) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("GOVNEWS_DB", str(db_path), priority="cmdline")
    settings.set("GOVNEWS_REPLICA", replica, priority="cmdline")
    settings.set("GOVNEWS_PROGRESS", progress, priority="cmdline")
    for k, v in overrides.items():
        settings.set(k, v, priority="cmdline")
    return settings


def run_crawl(
    site_ids: list[str] | tuple[str, ...],
    db_path: str,
    *,
    replica: str | None = None,
    refresh: bool = False,
    progress: bool = False,
    settings_overrides: dict | None = None,
    spider_args: dict | None = None,
) -> CrawlSummary:
    """Crawl the given registry sites into the archive at ``db_path``; blocks until done."""
    sites = resolve_sites(site_ids)
    demo_only = [s.id for s in sites if s.status == "demo"]
    if demo_only and not replica:  # synthetic replica sites: never sent to the public host
        raise CrawlSetupError(f"site(s) {', '.join(demo_only)} exist only on the replica; add --replica URL")
    if replica:
        check_replica(replica)
    try:  # one crawl per archive (crawler/lock.py); released below or when the process dies
        held = acquire_crawl_lock(db_path)
    except CrawlLocked as e:
        raise CrawlSetupError(str(e)) from None
    settings = build_settings(db_path, replica, progress, **(settings_overrides or {}))
    process = CrawlerProcess(settings)
    # Scrapy filters log records at its handler, after creating them: a "Crawled (200)" debug
    # record per response even at LOG_LEVEL=WARNING.  Filtering at the logger skips that work.
    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL") or "DEBUG")
    crawlers = []
    by_platform: dict[str, list[Site]] = {}
    for s in sites:
        by_platform.setdefault(s.platform, []).append(s)
    for platform, group in by_platform.items():
        crawler = process.create_crawler(load_object(SPIDERS[platform]))
        crawlers.append(crawler)
        process.crawl(
            crawler, site=",".join(s.id for s in group), refresh=refresh, **(spider_args or {})
        )
    process.start()
    summary = CrawlSummary(sites=[s.id for s in sites])
    for crawler in crawlers:
        stats = crawler.stats.get_stats()
        if "govnews/crawl_id" in stats:
            summary.crawl_ids.append(stats["govnews/crawl_id"])
        result = json.loads(stats.get("govnews/summary") or "{}")
        summary.pages += stats.get("response_received_count", 0)
        summary.list_pages += stats.get("govnews/list_pages", 0)
        summary.new_articles += result.get("new_articles", 0)
        summary.updated_articles += result.get("updated_articles", 0)
        summary.unchanged_articles += result.get("unchanged_articles", 0)
        summary.errors += stats.get("govnews/errors", 0)
        for key, n in stats.items():
            if key.startswith("govnews/failures/"):
                kind = key.rsplit("/", 1)[1]
                summary.failures[kind] = summary.failures.get(kind, 0) + n
        summary.elapsed_seconds += stats.get("elapsed_time_seconds", 0.0)
        summary.finish_reasons.append(stats.get("finish_reason", "unknown"))
        summary.watch.update(json.loads(stats.get("govnews/watch") or "{}"))
    held.release()
    return summary
