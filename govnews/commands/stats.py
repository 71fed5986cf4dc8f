"""``govnews stats``: per-site figures of the archive."""

from __future__ import annotations

import json

import click

from govnews.errors import UserError

HEADERS = ("site", "articles", "published", "last crawl", "views", "median", "removed",
           "contact changes")


@click.command(name="stats")
@click.option("--db", "db_path", default=None,
              help="Archive file (default: $GOVNEWS_DB, else ./govnews.db).")
@click.option("--site", default=None, help="Only this site id.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def cli(db_path: str | None, site: str | None, fmt: str) -> None:
    """Per site: articles, publication date range, last crawl, total and median
    views, removed articles and footer contact changes.

    \b
    Example:
        govnews stats
        govnews stats --site chauthanh --format json
    """
    from archive.db import open_db, resolve_db_path
    from archive.stats import site_stats

    db = open_db(resolve_db_path(db_path), readonly=True)
    try:
        rows = site_stats(db.conn, site)
    finally:
        db.close()
    if site and not rows:
        raise UserError(f"no data for site {site!r} in the archive")
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = [
        (
            r["site"], str(r["articles"]),
            f"{(r['first_published'] or '')[:10]}..{(r['last_published'] or '')[:10]}",
            r["last_crawl"] or "", str(r["total_views"]),
            "" if r["median_views"] is None else str(r["median_views"]),
            str(r["removed_articles"]), str(r["contact_changes"]),
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h)
              for i, h in enumerate(HEADERS)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)).rstrip())
    for t in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(t, widths, strict=True)).rstrip())
    if not table:
        click.echo("The archive is empty.", err=True)
