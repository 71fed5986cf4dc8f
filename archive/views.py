"""SQL views for researchers: view-count series, daily deltas, contact changes, counter series.

Views rather than tables because they are pure functions of the observations (``view_counts``,
``site_snapshots``, ``site_contacts``): nothing to keep in sync, and Datasette / plain SQL users
see them as tables.  Days are Vietnam days (``Asia/Ho_Chi_Minh`` is UTC+7 all year, no DST), so
``date(observed_at, '+7 hours')`` is exact.

A migration creates them through :func:`create_views`; when a definition here changes, append a
migration that calls :func:`create_views` again (it drops and recreates every view).
"""

from __future__ import annotations

import sqlite3

__all__ = ["VIEWS", "create_views"]

#: view name -> SELECT.  Public contract: names and columns are used by canned queries.
VIEWS: dict[str, str] = {
    # One row per observation of an article's view counter, with the change since the previous one.
    "article_view_series": """
        SELECT vc.article AS article, a.site AS site, a.article_id AS article_id,
               a.title AS title, vc.crawl_id AS crawl_id, vc.observed_at AS observed_at,
               vc.view_count AS view_count,
               vc.view_count - LAG(vc.view_count) OVER (
                   PARTITION BY vc.article ORDER BY vc.observed_at, vc.crawl_id
               ) AS delta
        FROM view_counts vc JOIN articles a ON a.id = vc.article
    """,
    # One row per article per Vietnam day: the day's last reading and the growth since the
    # previous day with a reading (NULL on the first day).
    "article_view_daily": """
        WITH last_of_day AS (
            SELECT article, date(observed_at, '+7 hours') AS day, view_count,
                   ROW_NUMBER() OVER (
                       PARTITION BY article, date(observed_at, '+7 hours')
                       ORDER BY observed_at DESC, crawl_id DESC
                   ) AS rn
            FROM view_counts
        )
        SELECT d.article AS article, a.site AS site, a.article_id AS article_id,
               a.title AS title, d.day AS day, d.view_count AS view_count,
               d.view_count - LAG(d.view_count) OVER (
                   PARTITION BY d.article ORDER BY d.day
               ) AS daily_delta
        FROM last_of_day d JOIN articles a ON a.id = d.article
        WHERE d.rn = 1
    """,
    # Every change of a site's footer contact block: the new row beside the one it replaced.
    "contact_changes": """
        WITH ordered AS (
            SELECT c.*, LAG(c.id) OVER (PARTITION BY c.site ORDER BY c.valid_from, c.id) AS prev_id
            FROM site_contacts c
        )
        SELECT n.site AS site, n.valid_from AS changed_at, n.first_crawl_id AS crawl_id,
               trim(
                   CASE WHEN n.agency IS NOT o.agency THEN 'agency ' ELSE '' END ||
                   CASE WHEN n.address IS NOT o.address THEN 'address ' ELSE '' END ||
                   CASE WHEN n.phones IS NOT o.phones THEN 'phones ' ELSE '' END ||
                   CASE WHEN n.fax IS NOT o.fax THEN 'fax ' ELSE '' END ||
                   CASE WHEN n.emails IS NOT o.emails THEN 'emails ' ELSE '' END ||
                   CASE WHEN n.editor IS NOT o.editor THEN 'editor ' ELSE '' END ||
                   CASE WHEN n.licence IS NOT o.licence THEN 'licence' ELSE '' END
               ) AS changed_fields,
               o.agency AS old_agency, n.agency AS new_agency,
               o.address AS old_address, n.address AS new_address,
               o.phones AS old_phones, n.phones AS new_phones,
               o.fax AS old_fax, n.fax AS new_fax,
               o.emails AS old_emails, n.emails AS new_emails,
               o.editor AS old_editor, n.editor AS new_editor,
               o.licence AS old_licence, n.licence AS new_licence
        FROM ordered n JOIN site_contacts o ON o.id = n.prev_id
    """,
    # The visitor counter read on every crawl, with the growth of its total since the last one.
    "counter_series": """
        SELECT s.site AS site, s.crawl_id AS crawl_id, s.observed_at AS observed_at,
               s.online AS online, s.today AS today, s.week AS week, s.month AS month,
               s.total AS total,
               s.total - LAG(s.total) OVER (
                   PARTITION BY s.site ORDER BY s.observed_at, s.crawl_id
               ) AS total_delta
        FROM site_snapshots s
        WHERE s.online IS NOT NULL OR s.today IS NOT NULL OR s.total IS NOT NULL
    """,
}


def create_views(conn: sqlite3.Connection) -> None:
    """(Re)create every view of :data:`VIEWS` on ``conn`` (inside the caller's transaction)."""
    for name, select in VIEWS.items():
        conn.execute(f"DROP VIEW IF EXISTS {name}")
        conn.execute(f"CREATE VIEW {name} AS {select.strip()}")
