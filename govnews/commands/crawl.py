"""``govnews crawl``: crawl registry sites into the archive."""

from __future__ import annotations

import sys

import click

from govnews.commands import parse_settings
from govnews.errors import UserError


@click.command(name="crawl")
@click.argument("sites", nargs=-1)
@click.option("--db", "db", metavar="PATH", help="Archive file (default: $GOVNEWS_DB or ./govnews.db).")
@click.option(
    "--replica",
    metavar="URL",
    envvar="GOVNEWS_REPLICA",
    help="Send registry hosts' traffic to this loopback replica (Host header kept).",
)
@click.option("--refresh", is_flag=True, help="Re-fetch articles already archived (new view counts).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, e.g. --set DOWNLOAD_DELAY=0.5 (repeatable).",
)
def cli(sites, db, replica, refresh, progress, overrides):
    """Crawl SITE... (registry ids; default: every active site) into the archive.

    List pages are always re-read, so new posts are found; an archived article is not fetched
    again unless --refresh.  A crawl interrupted at any point resumes on the next run.

    \b
    Example:
        govnews replica serve --port 8088 &
        govnews crawl chauthanh --replica http://127.0.0.1:8088 --db govnews.db
    """
    from archive.db import open_db, resolve_db_path
    from crawler.run import CrawlSetupError, check_replica, resolve_sites, run_crawl

    path = resolve_db_path(db)
    settings = parse_settings(overrides)
    try:
        resolve_sites(sites)
        if replica:
            check_replica(replica)
    except CrawlSetupError as e:
        raise UserError(str(e)) from None
    open_db(path).conn.close()  # validates the path and creates/migrates the schema
    if progress is None:
        progress = sys.stderr.isatty()
    try:
        summary = run_crawl(
            sites, str(path), replica=replica, refresh=refresh, progress=progress,
            settings_overrides=settings,
        )
    except CrawlSetupError as e:
        raise UserError(str(e)) from None
    for line in summary.lines():
        click.echo(line)
    if summary.pages == 0:
        raise UserError("no page could be fetched; is the portal (or --replica) reachable?")
    if "shutdown" in summary.finish_reasons:
        click.echo("interrupted: run the same command again to resume", err=True)
        raise SystemExit(130)
