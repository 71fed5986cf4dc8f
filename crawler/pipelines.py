"""The archive pipeline: every item goes to the SQLite archive through ``ArchiveWriter``.

By default the writer runs in a child process (``archive/procwriter.py``) that also extracts
article pages, so extraction, compression and SQLite use the core Scrapy leaves idle and never
block the Twisted reactor.  ``GOVNEWS_WRITER_PROCESS = False`` keeps everything in-process
(the writer then uses a background thread, and articles are extracted here).
"""

from __future__ import annotations

import json

from scrapy import signals

from archive.db import resolve_db_path
from archive.procwriter import ProcessArchiveWriter
from archive.store import ArchiveWriter, body_hash
from crawler.extract import extract_full
from crawler.items import ArticleItem, ListWalkItem, PageItem, RemovalItem, SiteSnapshotItem
from crawler.registry import load_sites

# Scrapy close reason -> crawls.status.  A page/item/time limit (closespider_*) is a deliberate,
# complete stop; anything else unexpected (e.g. "cancelled") counts as interrupted.
STATUS_BY_REASON = {"finished": "finished", "shutdown": "interrupted"}


def crawl_status(reason: str) -> str:
    if reason in STATUS_BY_REASON:
        return STATUS_BY_REASON[reason]
    return "finished" if reason.startswith("closespider_") else "interrupted"


class ArchivePipeline:
    def __init__(self, crawler, path: str):
        self.crawler = crawler
        in_child = crawler.settings.getbool("GOVNEWS_WRITER_PROCESS", True)
        self.writer = ProcessArchiveWriter(path) if in_child else ArchiveWriter(path)
        self.crawl_id: int | None = None
        crawler.govnews_archive = self.writer
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        path = str(resolve_db_path(crawler.settings.get("GOVNEWS_DB")))
        return cls(crawler, path)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.writer.sync_sites([s.as_dict() for s in load_sites()])
        options = {
            "refresh": bool(getattr(spider, "refresh", False)),
            "replica": self.crawler.settings.get("GOVNEWS_REPLICA"),
        }
        sites = [s.id for s in getattr(spider, "sites", [])]
        self.crawl_id = self.writer.start_crawl(sites=sites, options=options)
        self.crawler.stats.set_value("govnews/crawl_id", self.crawl_id)

    def _put_page(self, page) -> str:
        body = page["body"]
        digest = body_hash(body)
        self.writer.put_page(
            crawl_id=self.crawl_id,
            url=page["url"],
            final_url=page.get("final_url") or page["url"],
            status=page["status"],
            headers=page.get("headers") or {},
            body=body,
            fetched_at=page["fetched_at"],
        )
        return digest

    def process_item(self, item, spider=None):
        if isinstance(item, ArticleItem) and item.get("data") is None:
            page = item["page"]
            if isinstance(self.writer, ProcessArchiveWriter):
                self.writer.put_article_raw(
                    crawl_id=self.crawl_id, site=item["site"], article_id=str(item["article_id"]),
                    url=item["url"], page=dict(page),
                )
                self.crawler.stats.inc_value("govnews/articles")
                return item
            item["data"] = extract_full(page["body"], page["final_url"], page.get("headers"))
        if isinstance(item, ArticleItem):
            digest = self._put_page(item["page"])
            self.writer.put_article(
                crawl_id=self.crawl_id,
                site=item["site"],
                article_id=str(item["article_id"]),
                url=item["url"],
                data=item["data"],
                raw_hash=digest,
                fetched_at=item["page"]["fetched_at"],
            )
            self.crawler.stats.inc_value("govnews/articles")
        elif isinstance(item, PageItem):
            self._put_page(item)
        elif isinstance(item, RemovalItem):
            self._put_page(item["page"])
            self.writer.put_removal(
                crawl_id=self.crawl_id,
                site=item["site"],
                article_id=str(item["article_id"]),
                reason=item["reason"],
                observed_at=item["observed_at"],
            )
        elif isinstance(item, ListWalkItem):
            self.writer.put_list_walk(
                crawl_id=self.crawl_id,
                site=item["site"],
                catid=item["catid"],
                article_ids=item["article_ids"],
                pages=item["pages"],
                complete=item["complete"],
            )
        elif isinstance(item, SiteSnapshotItem):
            self.writer.put_site_snapshot(
                crawl_id=self.crawl_id,
                site=item["site"],
                observed_at=item["observed_at"],
                contact=item["contact"],
                counter=item["counter"],
            )
        return item

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        errors = stats.get_value("govnews/errors", 0)
        try:
            result = self.writer.finish_crawl(
                self.crawl_id,
                status=crawl_status(reason),
                pages=pages,
                errors=errors,
            )
        finally:
            self.writer.close()
        for k, v in (result or {}).items():
            stats.set_value(f"govnews/{k}", v)
        stats.set_value("govnews/summary", json.dumps(result or {}))
