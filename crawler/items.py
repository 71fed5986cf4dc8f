"""Items: one shared schema for every platform's spider.

``ArticleItem.data`` and ``PageItem`` fields are what ``crawler.extract.extract_full`` returns and
what the archive stores; spiders only decide navigation.
"""

from __future__ import annotations

import scrapy


class PageItem(scrapy.Item):
    """One fetched response, kept raw so it can be re-extracted later."""

    url = scrapy.Field()
    final_url = scrapy.Field()
    status = scrapy.Field()
    headers = scrapy.Field()
    body = scrapy.Field()
    fetched_at = scrapy.Field()


class ArticleItem(scrapy.Item):
    site = scrapy.Field()
    article_id = scrapy.Field()
    url = scrapy.Field()  # canonical URL
    data = scrapy.Field()  # extract_full() output
    page = scrapy.Field()  # PageItem of the article page


class SiteSnapshotItem(scrapy.Item):
    site = scrapy.Field()
    observed_at = scrapy.Field()
    contact = scrapy.Field()
    counter = scrapy.Field()
