"""Datasette metadata for a govnews archive: titles, descriptions, search, facets, canned queries.

Built per archive because Datasette keys metadata by database name (the file's stem).  The
canned queries read the base tables (``articles``, ``view_counts``) or the researcher views of
migration 2 (``contact_changes``), so they work on any archive of the current schema.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_metadata", "CANNED_QUERIES", "ARTICLE_COLUMNS"]

SOURCE = "Vietnamese provincial and district government news portals (*.gov.vn)"
LICENCE = (
    "Articles and pages © the publishing government agencies; archived for research and "
    "journalism, cite the article URL. govnews code: Apache-2.0."
)

ARTICLE_COLUMNS = {
    "id": "Archive row id (also the rowid of the full-text indexes)",
    "site": "Site id from the registry (crawler/sites.csv)",
    "article_id": "The portal's own article id (vnPortal: the id= URL parameter)",
    "url": "Canonical article URL on the portal",
    "title": "Headline as published",
    "lead": "Lead paragraph (sapo)",
    "body_text": "Article text, paragraphs separated by new lines",
    "body_html": "Article body markup as published (links made absolute)",
    "published_at": "Publication date and time, Asia/Ho_Chi_Minh (+07:00)",
    "month": "Publication month YYYY-MM (for faceting)",
    "author": "Signature (author / source line)",
    "category": "Portal category the article was listed in",
    "view_count": "Latest 'Lượt xem' reading; every reading is in view_counts",
    "images": "JSON list of {url, caption}",
    "attachments": "JSON list of {url, name}",
    "content_hash": "sha1 of title/lead/body/date: changes mean a new version",
    "raw_hash": "raw_bodies.hash of the page this row was extracted from",
    "first_seen_at": "When govnews first archived the article (UTC)",
    "last_fetched_at": "Last fetch of the article page (UTC)",
    "first_crawl_id": "crawls.id of the first crawl that saw it",
    "last_crawl_id": "crawls.id of the latest crawl that fetched it",
}

CANNED_QUERIES: dict[str, dict[str, Any]] = {
    "most_viewed_per_site": {
        "title": "Most-viewed articles per site",
        "description": "The 10 articles with the highest latest view count on every site.",
        "sql": """
SELECT site, view_count, title, published_at, url
FROM (
  SELECT site, view_count, title, published_at, url,
         row_number() OVER (PARTITION BY site ORDER BY view_count DESC, published_at DESC) AS n
  FROM articles
  WHERE view_count IS NOT NULL
)
WHERE n <= 10
ORDER BY site, view_count DESC
""".strip(),
    },
    "posts_per_site_per_month": {
        "title": "Posts per site per month",
        "description": "Number of archived articles by publication month (portal time).",
        "sql": """
SELECT site, substr(published_at, 1, 7) AS month, count(*) AS posts,
       sum(view_count) AS views
FROM articles
WHERE published_at IS NOT NULL
GROUP BY site, month
ORDER BY month DESC, site
""".strip(),
    },
    "contact_changes": {
        "title": "Contact changes",
        "description": "Every change of a portal's footer contact block (agency, address, "
        "phones, fax, e-mails, editor, licence), old value beside new.",
        "sql": "SELECT * FROM contact_changes ORDER BY changed_at DESC, site",
    },
    "new_posts_last_7_days": {
        "title": "New posts in the last 7 days",
        "description": "Articles published, or first archived, in the last 7 days.",
        "sql": """
SELECT site, published_at, first_seen_at, title, view_count, url
FROM articles
WHERE published_at >= date('now', '+7 hours', '-7 days')
   OR first_seen_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-7 days')
ORDER BY coalesce(published_at, first_seen_at) DESC
""".strip(),
    },
    "view_count_growth": {
        "title": "View-count growth",
        "description": "Per article, the first and latest view-count readings and the growth "
        "between them (articles read at least once), fastest growing first.",
        "sql": """
WITH readings AS (
  SELECT article, observed_at, view_count,
         row_number() OVER (PARTITION BY article ORDER BY observed_at, crawl_id) AS first_n,
         row_number() OVER (PARTITION BY article ORDER BY observed_at DESC, crawl_id DESC)
           AS last_n,
         count(*) OVER (PARTITION BY article) AS readings
  FROM view_counts
)
SELECT a.site, a.title, f.view_count AS first_views, l.view_count AS latest_views,
       l.view_count - f.view_count AS growth, f.readings,
       f.observed_at AS first_read, l.observed_at AS latest_read, a.url
FROM readings f
JOIN readings l ON l.article = f.article AND l.last_n = 1
JOIN articles a ON a.id = f.article
WHERE f.first_n = 1
ORDER BY growth DESC, latest_views DESC
LIMIT 500
""".strip(),
    },
}


def build_metadata(database: str) -> dict[str, Any]:
    """Datasette metadata for the archive served under the name ``database``."""
    search = {"fts_table": "articles_fts", "fts_pk": "id", "searchmode": "escaped"}
    return {
        "title": "govnews archive",
        "description": "Articles, view counts and contact data archived from "
        + SOURCE
        + ". The search box ignores diacritics, case and đ/d: 'chi so papi' finds "
        "'chỉ số PAPI'.",
        "license": LICENCE,
        "source": SOURCE,
        "about": "govnews",
        "databases": {
            database: {
                "title": "govnews archive",
                "description": "One SQLite file: articles, every fetch (raw pages compressed), "
                "view-count readings, footer contact and visitor-counter snapshots.",
                "queries": CANNED_QUERIES,
                "tables": {
                    "articles": {
                        "title": "Articles",
                        "description": "One row per site + article id, latest version. The "
                        "search box uses the Vietnamese-folded full-text index.",
                        **search,
                        "sort_desc": "published_at",
                        "facets": ["site", "category"],
                        "columns": ARTICLE_COLUMNS,
                    },
                    "articles_browse": {
                        "title": "Articles by month",
                        "description": "Light view of articles (no body) with a month column, "
                        "searchable and faceted by site, category and month.",
                        **search,
                        "sort_desc": "published_at",
                        "facets": ["site", "category", "month"],
                        "columns": ARTICLE_COLUMNS,
                    },
                    "sites": {
                        "title": "Sites",
                        "description": "The site registry (crawler/sites.csv) as of the last crawl.",
                    },
                    "crawls": {"title": "Crawls", "description": "One row per govnews crawl."},
                    "view_counts": {
                        "title": "View-count readings",
                        "description": "One reading of an article's 'Lượt xem' per crawl.",
                        "facets": ["crawl_id"],
                    },
                    "site_snapshots": {
                        "title": "Site snapshots",
                        "description": "Footer contact block and visitor counter, per crawl.",
                        "facets": ["site"],
                    },
                    "pages": {
                        "title": "Fetched pages",
                        "description": "Every fetch: URL, status, headers that matter, time, "
                        "body hash (raw_bodies).",
                        "facets": ["status", "content_type"],
                    },
                    "raw_bodies": {
                        "title": "Raw bodies",
                        "description": "zlib-compressed response bodies, content-addressed.",
                        "hidden": True,
                    },
                },
            }
        },
    }
