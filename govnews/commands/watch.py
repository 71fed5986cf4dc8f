"""``govnews watch``: monitor portals for new posts, keywords and site health."""

from __future__ import annotations

import json
import os
import sys

import click

from govnews.commands import parse_settings
from govnews.errors import UserError

EXIT_OK, EXIT_SITE_FAILED = 0, 1  # 2 = bad usage (UserError)


def _duration(value: str | None, option: str) -> float | None:
    from govnews.monitor.durations import parse_duration

    if value is None:
        return None
    try:
        seconds = parse_duration(value).total_seconds()
    except ValueError as e:
        raise UserError(f"{option}: {e}") from None
    if seconds <= 0:
        raise UserError(f"{option} must be positive")
    return seconds


@click.command(name="watch")
@click.argument("sites", nargs=-1)
@click.option("--every", metavar="DURATION", help="Run a pass every DURATION (30m, 1h, 1d); "
              "the default when --once is not given is 30m.")
@click.option("--once", is_flag=True, help="Run one pass and exit (for cron); exit code 0 ok, "
              "1 a site failed or a webhook is still pending, 2 bad usage.")
@click.option("--feed-dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Write Atom feeds here: all.atom, <site>.atom, keywords-<list>.atom.")
@click.option("--webhook", "webhooks", metavar="URL", multiple=True,
              help="POST each event as signed JSON here (secret: $GOVNEWS_WEBHOOK_SECRET).")
@click.option("--keywords", "keyword_files", metavar="FILE", multiple=True,
              type=click.Path(dir_okay=False),
              help="Keyword list, one keyword or phrase per line; matched without diacritics.")
@click.option("--db", "db", metavar="PATH", help="Archive file (default: $GOVNEWS_DB or ./govnews.db).")
@click.option("--replica", metavar="URL", envvar="GOVNEWS_REPLICA",
              help="Send registry hosts' traffic to this loopback replica (Host header kept).")
@click.option("--down-after", type=click.IntRange(min=1), default=3, show_default=True,
              help="Consecutive failed passes before a site_down event.")
@click.option("--revisit", default="7d:1d,90d:7d", show_default=True, metavar="RULES",
              help="Re-read view counts: AGE:INTERVAL,… by publication age ('never': off).")
@click.option("--jitter", metavar="DURATION", help="Random shift of each pass (default: 10% of --every).")
@click.option("--passes", type=click.IntRange(min=1), default=None,
              help="With --every: stop after N passes.")
@click.option("--retry-failed", is_flag=True, help="Requeue webhook deliveries that gave up.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Pass summary format.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. --set DOWNLOAD_DELAY=2 (repeatable).")
def cli(sites, every, once, feed_dir, webhooks, keyword_files, db, replica, down_after, revisit,
        jitter, passes, retry_failed, fmt, overrides):
    """Watch SITE... (default: every active site) for new posts and changes.

    A pass reads each category's first list page (older pages only while they hold no archived
    post), fetches only new posts, re-reads recent posts' view counts (--revisit), and records
    events in the archive: new_post, keyword_match, site_down, site_back, site_moved,
    contact_changed, post_removed.  Then it rewrites the Atom feeds and delivers webhooks.

    \b
    Example:
        govnews watch chauthanh --once --feed-dir feeds --keywords papi.txt
        GOVNEWS_WEBHOOK_SECRET=s3cret govnews watch --every 30m --webhook https://example.org/hook
        */30 * * * * cd /srv/govnews && .venv/bin/govnews watch --once --feed-dir /var/www/feeds
    """
    from archive.db import open_db, resolve_db_path
    from crawler.run import CrawlSetupError, check_replica, resolve_sites
    from crawler.watch import RevisitPolicy

    if once and every:
        raise UserError("give either --once or --every, not both")
    if passes and once:
        raise UserError("--passes goes with --every")
    interval = _duration(every or "30m", "--every")
    jitter_s = _duration(jitter, "--jitter") if jitter else interval * 0.1
    try:
        policy = RevisitPolicy.parse(revisit)
    except ValueError as e:
        raise UserError(f"--revisit: {e}") from None
    settings = parse_settings(overrides)
    for url in webhooks:
        if not url.startswith(("http://", "https://")):
            raise UserError(f"--webhook needs an http(s) URL, got {url!r}")
    secret = os.environ.get("GOVNEWS_WEBHOOK_SECRET", "")
    if webhooks and not secret:
        raise UserError("--webhook needs a signing secret in $GOVNEWS_WEBHOOK_SECRET")
    keyword_lists = _keyword_lists(keyword_files)
    try:
        site_ids = [s.id for s in resolve_sites(sites)]
        if replica:
            check_replica(replica)
    except CrawlSetupError as e:
        raise UserError(str(e)) from None
    path = resolve_db_path(db)
    open_db(path).conn.close()  # validates the path, creates/migrates the schema
    if feed_dir:
        try:
            os.makedirs(feed_dir, exist_ok=True)
        except OSError as e:
            raise UserError(f"--feed-dir {feed_dir}: {e.strerror or e}") from None

    if not once:
        from govnews.monitor.scheduler import run_every

        argv = [sys.executable, "-m", "govnews", *_once_args(sys.argv[1:])]
        sys.exit(run_every(argv, interval, jitter_s, passes=passes, echo=click.echo))

    code = _one_pass(site_ids, str(path), replica=replica, policy=policy,
                     keyword_lists=keyword_lists, webhooks=list(webhooks), secret=secret,
                     feed_dir=feed_dir, down_after=down_after, settings=settings,
                     retry_failed=retry_failed, fmt=fmt)
    sys.exit(code)


def _keyword_lists(files):
    from archive.events import read_keywords

    lists = []
    for f in files:
        try:
            kl = read_keywords(f)
        except OSError as e:
            raise UserError(f"--keywords {f}: {e.strerror or e}") from None
        except UnicodeDecodeError:
            raise UserError(f"--keywords {f}: not UTF-8 text") from None
        if not kl.keywords:
            raise UserError(f"--keywords {f}: no keywords in the file")
        lists.append(kl)
    names = [kl.name for kl in lists]
    if len(set(names)) != len(names):
        raise UserError("--keywords: two lists have the same file name")
    return lists


def _once_args(args: list[str]) -> list[str]:
    """This command line with the scheduling options replaced by ``--once``."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("--every", "--jitter", "--passes"):
            skip = True
            continue
        if a.startswith(("--every=", "--jitter=", "--passes=")):
            continue
        out.append(a)
    return [*out, "--once"]


def _one_pass(site_ids, path, *, replica, policy, keyword_lists, webhooks, secret, feed_dir,
              down_after, settings, retry_failed, fmt) -> int:
    from crawler.run import CrawlSetupError
    from crawler.watch import WatchLock, WatchLocked, run_pass
    from govnews.monitor.webhooks import WebhookSender, requeue_failed

    def deliver(conn) -> dict:
        total: dict = {}
        for url in webhooks:
            if retry_failed:
                requeue_failed(conn, url)
            counts = WebhookSender(url, secret).deliver_pending(conn)
            for k, v in counts.items():
                total[k] = total.get(k, 0) + v
        return total

    try:
        with WatchLock(path):
            result = run_pass(site_ids, path, replica=replica, policy=policy,
                              keyword_lists=keyword_lists, webhooks=webhooks, feed_dir=feed_dir,
                              down_after=down_after, settings_overrides=settings, deliver=deliver)
    except WatchLocked as e:
        click.echo(f"skipped: {e}", err=True)
        return EXIT_SITE_FAILED
    except CrawlSetupError as e:
        raise UserError(str(e)) from None
    if fmt == "json":
        click.echo(json.dumps({
            "crawl_ids": result.crawl_ids, "sites": result.sites, "events": result.events,
            "deliveries": result.deliveries, "feeds": result.feeds,
            "interrupted": result.interrupted,
        }, ensure_ascii=False, indent=2))
    else:
        for line in summary_lines(result):
            click.echo(line)
    failed = result.failed_sites or result.interrupted or result.deliveries.get("pending")
    return EXIT_SITE_FAILED if failed else EXIT_OK


def summary_lines(result) -> list[str]:
    from archive.db import now_iso

    counts: dict[str, int] = {}
    for e in result.events:
        counts[e["type"]] = counts.get(e["type"], 0) + 1
    crawl = ", ".join(map(str, result.crawl_ids)) or "-"
    events = ", ".join(f"{n} {t}" for t, n in sorted(counts.items())) or "no events"
    lines = [f"watch pass {now_iso()} (crawl {crawl}): {len(result.sites)} sites, {events}"
             + (" [interrupted]" if result.interrupted else "")]
    for site, o in result.sites.items():
        health = "up" if o.get("ok") else f"FAILED ({o.get('error')})"
        lines.append(
            f"  {site}: {health}; {o.get('list_pages', 0)} list pages, "
            f"{o.get('new_articles_fetched', 0)} new articles fetched, "
            f"{o.get('revisited', 0)} revisited"
        )
    for e in result.events:
        ref = f"{e['site']}/{e['article_id']}" if e.get("article_id") else e["site"]
        detail = ""
        if e.get("article"):
            detail = f" {e['article']['title']} <{e['article']['url']}>"
        elif e["payload"]:
            detail = " " + json.dumps(e["payload"], ensure_ascii=False)
        if e["type"] == "keyword_match":
            detail = f" [{', '.join(e['payload']['keywords'])}]" + detail
        lines.append(f"  {e['type']} {ref}{detail}")
    if result.deliveries:
        d = result.deliveries
        lines.append(f"  webhooks: {d.get('delivered', 0)} delivered, {d.get('pending', 0)} "
                     f"pending, {d.get('failed', 0)} failed")
    if result.feeds:
        lines.append(f"  feeds: {len(result.feeds)} written")
    return lines
