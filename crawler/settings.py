"""Scrapy settings for govnews.

Politeness is part of correctness: robots.txt is obeyed, the User-Agent names the project and
how to reach it, AutoThrottle adapts to the portal's latency, at most two requests run at once per
domain, and failed requests are retried with exponential back-off (honouring ``Retry-After``).
"""

from __future__ import annotations

import os

BOT_NAME = "govnews"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = (
    "govnews/0.1 (+https://github.com/govnews/govnews; research archive of Vietnamese "
    "local-government news; contact: see project README)"
)
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
# Spider output (items and requests) per response is handled by this many asyncio tasks.
# Scrapy's default, 100, creates 101 tasks for every response although a page yields one
# article or a dozen links and our pipelines are synchronous: that bookkeeping alone cost a
# quarter of the reactor's CPU time in bench/crawl.py.  One task keeps the output in order.
CONCURRENT_ITEMS = 1

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Exponential back-off between retries: base * 2**(n-1) seconds, capped; Retry-After wins.
GOVNEWS_RETRY_BACKOFF_BASE = 1.0
GOVNEWS_RETRY_BACKOFF_MAX = 60.0

COOKIES_ENABLED = True  # ASP.NET postbacks may need the session cookie
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.RegistryOffsiteMiddleware": 50,
    "crawler.traps.TrapGuardMiddleware": 60,
    "crawler.traps.RedirectLoopMiddleware": 650,
}

DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.ReplicaDownloadHandler",
    "https": "crawler.handlers.ReplicaDownloadHandler",
}

ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

EXTENSIONS = {
    "crawler.extensions.CrawlProgress": 500,
    "crawler.failures.FailureRecorder": 510,
}

# govnews settings (overridden by the CLI):
GOVNEWS_DB = os.environ.get("GOVNEWS_DB") or None  # archive path; None = resolve from GOVNEWS_DB env or ./govnews.db
GOVNEWS_REPLICA = os.environ.get("GOVNEWS_REPLICA") or None  # e.g. "http://127.0.0.1:8088": send registry hosts' traffic there
GOVNEWS_PROGRESS = False  # tqdm progress bar on stderr
GOVNEWS_WRITER_PROCESS = True  # extract articles + write the archive in a child process

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# Reliability caps (issue 8, docs/reliability.md): a redirect chain longer than this is a loop;
# the depth limit bounds postback chains; traps and runaway sites are cut by crawler/traps.py.
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 5000
GOVNEWS_MAX_LIST_PAGES = 5000  # list pages per site + category and crawl
GOVNEWS_SITE_MAX_PAGES = 200000  # requests per site host and crawl
