"""``govnews demo``: an offline crawl of the bundled replica portals into a local archive."""

from __future__ import annotations

import sys

import click

from govnews.errors import UserError

EXAMPLE_QUERIES = ["chi so papi", "thủy lợi", "dak lak"]
#: one replica site per platform: vnPortal, Liferay, WordPress (REST API), generic
DEMO_SITES = ["chauthanh", "sotttthanoi", "xaphutam", "tinhdoan"]


@click.command(name="demo")
@click.option("--db", "db", metavar="PATH", help="Archive file (default: $GOVNEWS_DB or ./govnews.db).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
def cli(db, progress):
    """Serve the replica portals on a free loopback port, crawl them, search the archive.

    Four platforms are crawled: vnPortal (chauthanh), Liferay (sotttthanoi), WordPress with its
    REST API (xaphutam) and a generic site (tinhdoan).

    Nothing leaves this machine: the crawler's requests for the real portal URLs are routed to
    the replica.  Run it twice: the second crawl fetches only list pages.

    \b
    Example:
        govnews demo --db demo.db
        govnews search "chỉ số PAPI" --db demo.db
    """
    from archive.db import open_db, resolve_db_path
    from archive.search import search
    from crawler.run import run_crawl
    from govnews.replica import ReplicaServer

    path = resolve_db_path(db)
    open_db(path).conn.close()
    if progress is None:
        progress = sys.stderr.isatty()
    with ReplicaServer() as replica:
        click.echo(f"replica portals serving on {replica.url}")
        summary = run_crawl(DEMO_SITES, str(path), replica=replica.url, progress=progress)
    for line in summary.lines():
        click.echo(line)
    if summary.pages == 0:
        raise UserError("the demo crawl fetched nothing")
    database = open_db(path, readonly=True)
    total = database.execute("select count(*) from articles").fetchone()[0]
    click.echo(f"archive {path}: {total} articles")
    per_site = database.execute(
        "select site, count(*) from articles group by site order by count(*) desc").fetchall()
    click.echo("  " + ", ".join(f"{site} {n}" for site, n in per_site))
    for q in EXAMPLE_QUERIES:
        hits = search(database, q, limit=3)
        click.echo(f'\n$ govnews search "{q}"   ({len(hits)} shown)')
        for h in hits:
            views = h.get("view_count")
            shown = views if views is not None else "-"
            click.echo(f"  {(h['published_at'] or '')[:10]:10}  {shown:>6} views  {h['title']}")
