"""One watch pass: new-only crawl, revisits for view counts, then events, feeds and webhooks.

A pass runs in ONE process (``govnews watch --once``; ``govnews watch --every`` starts a fresh
process per pass, because Twisted's reactor cannot be restarted within a process):

1. take the archive's watch lock (one pass at a time per archive, whoever started it);
2. give first-seen sites their high-water marks (``archive.events.prepare_sites``);
3. choose the articles to revisit (:class:`RevisitPolicy`);
4. crawl with the vnPortal spider in ``mode="watch"``: each category's first list page, older
   pages only while a page holds no archived article, only new articles fetched, plus revisits;
5. turn what the archive now holds above the marks into events (one transaction per site);
6. write the Atom feeds, then deliver pending webhooks from the outbox.

Steps 5 and 6 read only the archive, so a pass killed anywhere is completed by the next one.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.events import KeywordList, SiteOutcome, prepare_sites, record_pass


@dataclass(frozen=True)
class RevisitPolicy:
    """Which archived articles a pass re-reads, to follow their view counts.

    ``rules`` = ((max_age, interval), …), ages by publication date: an article younger than
    ``max_age`` is re-read when its last observation is at least ``interval`` old (first
    matching rule wins); older than every rule: never.  Default: < 7 days daily, < 90 days
    weekly.  Written as ``7d:1d,90d:7d`` on the command line.
    """

    rules: tuple[tuple[timedelta, timedelta], ...] = (
        (timedelta(days=7), timedelta(days=1)),
        (timedelta(days=90), timedelta(days=7)),
    )

    @classmethod
    def parse(cls, text: str) -> RevisitPolicy:
        from govnews.monitor.durations import parse_duration

        rules = []
        for part in (p.strip() for p in text.split(",")):
            if part.lower() in ("", "never", "none"):
                continue
            age, sep, every = part.partition(":")
            if not sep:
                raise ValueError(f"revisit rule {part!r} is not AGE:INTERVAL, e.g. 7d:1d")
            rules.append((parse_duration(age), parse_duration(every)))
        return cls(tuple(sorted(rules)))

    def interval(self, age: timedelta) -> timedelta | None:
        for max_age, every in self.rules:
            if age < max_age:
                return every
        return None

    def due(self, conn: sqlite3.Connection, sites: Iterable[str],
            now: datetime | None = None) -> list[tuple[str, str, str]]:
        """``[(site, article_id, url)]`` due for a revisit (never removed posts)."""
        if not self.rules:
            return []
        now = now or datetime.now(UTC)
        oldest = max(age for age, _ in self.rules)
        due = []
        for site in sites:
            rows = conn.execute(
                "SELECT a.article_id, a.url, a.published_at, "
                "COALESCE((SELECT MAX(observed_at) FROM view_counts v WHERE v.article = a.id), "
                "a.last_fetched_at) FROM articles a WHERE a.site = ? AND a.published_at IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM events e WHERE e.type = 'post_removed' "
                "AND e.site = a.site AND e.article_id = a.article_id)", (site,),
            )
            for article_id, url, published, observed in rows:
                try:
                    age = now - datetime.fromisoformat(published)
                    last = datetime.fromisoformat(observed) if observed else None
                except (TypeError, ValueError):
                    continue
                if age >= oldest:
                    continue
                every = self.interval(age)
                if every is not None and (last is None or now - last >= every):
                    due.append((site, str(article_id), url))
        return due


@dataclass
class PassResult:
    crawl_ids: list[int] = field(default_factory=list)
    sites: dict[str, dict] = field(default_factory=dict)  # site -> outcome + counts
    events: list[dict] = field(default_factory=list)
    deliveries: dict = field(default_factory=dict)
    feeds: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def failed_sites(self) -> list[str]:
        return [s for s, o in self.sites.items() if not o.get("ok")]


class WatchLocked(Exception):
    """Another watch pass holds the archive's lock."""


class WatchLock:
    """An exclusive ``flock`` on ``<archive>.watch.lock``: released by the kernel if the process
    dies, so a killed pass never blocks the next one."""

    def __init__(self, db_path: str | os.PathLike):
        self.path = Path(f"{db_path}.watch.lock")
        self._fd: int | None = None

    def __enter__(self) -> WatchLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise WatchLocked(f"another watch pass is running on {self.path.name[:-11]}") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def run_pass(
    site_ids: list[str],
    db_path: str,
    *,
    replica: str | None = None,
    policy: RevisitPolicy | None = None,
    keyword_lists: Iterable[KeywordList] = (),
    webhooks: Iterable[str] = (),
    feed_dir: str | None = None,
    down_after: int = 3,
    settings_overrides: dict | None = None,
    deliver=None,
) -> PassResult:
    """One complete watch pass (see the module docstring).  ``deliver(conn)`` sends webhooks
    and returns a dict of counts; it is passed in so the CLI controls secrets and back-off."""
    from archive.db import open_db
    from archive.events import event_dicts
    from crawler.run import resolve_sites, run_crawl

    keyword_lists = list(keyword_lists)
    webhooks = list(webhooks)
    sites = [s.id for s in resolve_sites(site_ids)]
    result = PassResult()
    db = open_db(db_path)
    conn = db.conn
    try:
        prepare_sites(conn, sites)
        revisit = (policy or RevisitPolicy()).due(conn, sites)
        before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
    finally:
        conn.close()

    summary = run_crawl(
        sites, db_path, replica=replica, progress=False,
        settings_overrides=settings_overrides, spider_args={"mode": "watch", "revisit": revisit},
    )
    result.crawl_ids = summary.crawl_ids
    result.interrupted = any(r not in ("finished",) and not r.startswith("closespider")
                             for r in summary.finish_reasons)
    crawl_id = summary.crawl_ids[0] if summary.crawl_ids else None
    # The crawl is over; recording events, feeds and deliveries takes moments: finish them
    # rather than die half-way on Ctrl-C/SIGTERM (a kill -9 is handled by the next pass).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)

    db = open_db(db_path)
    conn = db.conn
    try:
        for site in sites:
            stat = summary.watch.get(site)
            outcome = SiteOutcome.from_stat(stat)
            if result.interrupted and outcome.ok is False and not (stat or {}).get("error"):
                # stopped (Ctrl-C/SIGTERM) before the home page answered: not a failure
                outcome = None
            if outcome is None:
                continue
            record_pass(conn, site, outcome, crawl_id=crawl_id, down_after=down_after,
                        keyword_lists=keyword_lists, webhooks=webhooks)
            result.sites[site] = dict(stat or {}, ok=outcome.ok, error=outcome.error)
        # every event recorded since the pass began (also those left by a killed pass' crawl)
        result.events = list(reversed(event_dicts(conn, "e.id > ?", (before,))))
        if feed_dir:
            from govnews.monitor.feeds import write_feeds

            result.feeds = write_feeds(conn, feed_dir, sites, keyword_lists)
        if deliver is not None and webhooks:
            result.deliveries = deliver(conn)
    finally:
        conn.close()
    return result
