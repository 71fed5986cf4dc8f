"""Loopback replica of the VNPT vnPortal district portals, used by the tests and the offline demo.

Python API::

    from govnews.replica import ReplicaServer

    with ReplicaServer() as srv:             # 127.0.0.1, a free port, the 73-article site
        srv.url                              # "http://127.0.0.1:43211"
        srv.content.articles                 # Article objects, newest first
        srv.requests                         # request log: [{method, host, path, status, kind, time}]
        srv.clear_log()

``ReplicaServer(articles=N)`` builds a site of N articles in total (seed included) for
benchmarks; ``serve_forever(host, port, articles)`` serves until Ctrl-C/SIGTERM (the CLI
``govnews replica serve``).  See ``server.py`` for the routes and ``content.py`` for the content.
"""

from govnews.replica.content import (
    DEFAULT_ARTICLES,
    PAGE_SIZE,
    SEED_ID,
    SiteContent,
    build_site_content,
    default_article_count,
)
from govnews.replica.render import PAGER_TARGET, Article, Category, SiteInfo
from govnews.replica.server import Replica, ReplicaServer, serve_forever

__all__ = [
    "DEFAULT_ARTICLES",
    "PAGE_SIZE",
    "PAGER_TARGET",
    "SEED_ID",
    "Article",
    "Category",
    "Replica",
    "ReplicaServer",
    "SiteContent",
    "SiteInfo",
    "build_site_content",
    "default_article_count",
    "serve_forever",
]
