"""Per-site figures of the archive (``govnews stats``): what researchers check first.

Computed with plain SQL over the archive (the median in SQL with window functions) so the same
numbers can be reproduced in Datasette or sqlite3.
"""

from __future__ import annotations

import sqlite3
from typing import Any

__all__ = ["site_stats", "STAT_KEYS"]

#: Keys of each per-site dict, in display order (public contract of ``--format json``).
STAT_KEYS = (
    "site", "articles", "first_published", "last_published", "last_crawl", "total_views",
    "median_views", "removed_articles", "contact_changes",
)

_SQL = """
WITH per_site AS (
    SELECT site, count(*) AS articles, min(published_at) AS first_published,
           max(published_at) AS last_published, sum(view_count) AS total_views,
           sum(removed_at IS NOT NULL) AS removed_articles
    FROM articles GROUP BY site
),
ranked AS (
    SELECT site, view_count,
           ROW_NUMBER() OVER (PARTITION BY site ORDER BY view_count) AS rn,
           count(*) OVER (PARTITION BY site) AS n
    FROM articles WHERE view_count IS NOT NULL
),
medians AS (
    SELECT site, avg(view_count) AS median_views FROM ranked
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY site
),
changes AS (SELECT site, count(*) AS contact_changes FROM contact_changes GROUP BY site),
crawled AS (
    SELECT j.value AS site, max(coalesce(c.finished_at, c.started_at)) AS last_crawl
    FROM crawls c, json_each(c.sites) j GROUP BY j.value
),
all_sites AS (
    SELECT site FROM per_site UNION SELECT site FROM site_snapshots UNION SELECT site FROM crawled
)
SELECT s.site, coalesce(p.articles, 0), p.first_published, p.last_published, cr.last_crawl,
       coalesce(p.total_views, 0), m.median_views, coalesce(p.removed_articles, 0),
       coalesce(ch.contact_changes, 0)
FROM all_sites s
LEFT JOIN per_site p ON p.site = s.site
LEFT JOIN medians m ON m.site = s.site
LEFT JOIN changes ch ON ch.site = s.site
LEFT JOIN crawled cr ON cr.site = s.site
WHERE (:site IS NULL OR s.site = :site)
ORDER BY s.site
"""


def site_stats(conn: sqlite3.Connection, site: str | None = None) -> list[dict[str, Any]]:
    """One dict per site (keys :data:`STAT_KEYS`); ``median_views`` over articles with a
    counter (a .5 median of an even count is kept as a float)."""
    out = []
    for row in conn.execute(_SQL, {"site": site}):
        d = dict(zip(STAT_KEYS, row, strict=True))
        med = d["median_views"]
        if med is not None and float(med).is_integer():
            d["median_views"] = int(med)
        out.append(d)
    return out
