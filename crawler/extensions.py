"""A progress display for long crawls (tqdm on stderr when it is a terminal)."""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured


class CrawlProgress:
    def __init__(self, crawler):
        from tqdm import tqdm

        self.crawler = crawler
        self.bar = tqdm(
            total=None,
            unit=" pages",
            desc="crawling",
            file=sys.stderr,
            dynamic_ncols=True,
            disable=None,  # off when stderr is not a terminal
            leave=True,
        )
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("GOVNEWS_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def response_received(self, response, request, spider):
        self.bar.update(1)
        stats = self.crawler.stats
        self.bar.set_postfix(
            articles=stats.get_value("govnews/articles", 0),
            errors=stats.get_value("govnews/errors", 0),
            refresh=False,
        )

    def spider_closed(self, spider, reason):
        self.bar.close()
