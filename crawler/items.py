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


class RemovalItem(scrapy.Item):
    """An archived article's page answered 404/410: evidence that it was removed."""

    site = scrapy.Field()
    article_id = scrapy.Field()
    reason = scrapy.Field()
    observed_at = scrapy.Field()
    page = scrapy.Field()  # PageItem of the error response (kept like any fetch)


class ListWalkItem(scrapy.Item):
    """The article ids listed by all list pages of one category in this crawl."""

    site = scrapy.Field()
    catid = scrapy.Field()
    article_ids = scrapy.Field()
    pages = scrapy.Field()
    complete = scrapy.Field()  # every list page of the category was read successfully
