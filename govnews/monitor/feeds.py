"""Atom feeds of the archive's events, written with feedgen.

Files in ``--feed-dir`` (public contract):

* ``all.atom``: new posts of every site;
* ``<site>.atom``: new posts of one site (e.g. ``chauthanh.atom``);
* ``keywords-<list>.atom``: keyword matches of one keyword list (``--keywords papi.txt`` →
  ``keywords-papi.atom``).

Entry ids are stable, from (sname, article id): ``tag:govnews,2025:huyenchauthanh/397719``, so a
reader never shows a post twice however often the feed is rewritten.  Each entry has the title,
a link to the portal page, ``published`` (the portal's date, +07:00), ``updated`` (when the event
was recorded), the lead as ``summary`` and the view count as ``govnews:viewCount`` (namespace
:data:`NS`; feedparser exposes it as ``entry.govnews_viewcount``).  Feeds are rebuilt from the
``events`` table on every pass and replaced atomically (temp file + ``os.replace``), so a reader
never sees half a feed.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from archive.events import KeywordList, event_dicts

NS = "https://govnews.github.io/ns/atom"
TAG = "tag:govnews,2025:"
MAX_ENTRIES = 200


class GovnewsExtension(BaseExtension):
    def extend_ns(self) -> dict:
        return {"govnews": NS}


class GovnewsEntryExtension(BaseEntryExtension):
    """``<govnews:viewCount>`` and ``<govnews:site>`` on an entry."""

    def __init__(self) -> None:
        self._views: int | None = None
        self._site: str | None = None

    def extend_atom(self, entry):
        if self._views is not None:
            etree.SubElement(entry, f"{{{NS}}}viewCount").text = str(self._views)
        if self._site:
            etree.SubElement(entry, f"{{{NS}}}site").text = self._site
        return entry

    def extend_rss(self, item):
        return self.extend_atom(item)

    def govnews(self, views: int | None = None, site: str | None = None) -> None:
        self._views = views
        self._site = site


def entry_id(sname: str | None, site: str, article_id: str) -> str:
    return f"{TAG}{sname or site}/{article_id}"


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def build_feed(name: str, title: str, events: list[dict]) -> bytes:
    """An Atom document of ``events`` (newest first) with article fields."""
    fg = FeedGenerator()
    fg.register_extension("govnews", GovnewsExtension, GovnewsEntryExtension, atom=True, rss=False)
    fg.id(f"{TAG}feed/{name}")
    fg.title(title)
    fg.author({"name": "govnews"})
    fg.link(href=f"{name}.atom", rel="self")
    fg.generator("govnews")
    fg.language("vi")
    updated = [_dt(e["created_at"]) for e in events if e.get("created_at")]
    fg.updated(max(updated) if updated else datetime(2025, 1, 1, tzinfo=UTC))
    for e in reversed(events):  # feedgen prepends: add oldest first
        art = e.get("article") or {}
        fe = fg.add_entry()
        fe.id(entry_id(e.get("sname"), e["site"], e["article_id"]))
        fe.title(art.get("title") or e["payload"].get("title") or e["article_id"])
        if art.get("url"):
            fe.link(href=art["url"], rel="alternate")
        fe.updated(_dt(e["created_at"]))
        published = _dt(art.get("published_at"))
        if published:
            fe.published(published)
        if art.get("lead"):
            fe.summary(art["lead"])
        if e["type"] == "keyword_match":
            fe.category(term="keyword_match", label=", ".join(e["payload"].get("keywords", [])))
        fe.govnews.govnews(views=art.get("view_count"), site=e["site"])
    return fg.atom_str(pretty=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory, fsync, ``os.replace``: readers see old or new, whole."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_feeds(conn: sqlite3.Connection, feed_dir: str | os.PathLike, sites: Iterable[str],
                keyword_lists: Iterable[KeywordList] = ()) -> list[str]:
    """(Re)write all.atom, one feed per site and one per keyword list; returns the paths."""
    out_dir = Path(feed_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    feeds = [("all", "govnews: new posts on all watched portals",
              event_dicts(conn, "e.type = 'new_post'", (), MAX_ENTRIES))]
    for site in sites:
        row = conn.execute("SELECT name FROM sites WHERE id = ?", (site,)).fetchone()
        label = row[0] if row and row[0] else site
        feeds.append((site, f"govnews: new posts on {label}",
                      event_dicts(conn, "e.type = 'new_post' AND e.site = ?", (site,), MAX_ENTRIES)))
    for kl in keyword_lists:
        feeds.append((f"keywords-{kl.name}", f"govnews: posts matching {kl.name}",
                      event_dicts(conn, "e.type = 'keyword_match' AND json_extract(e.payload, "
                                  "'$.list') = ?", (kl.name,), MAX_ENTRIES)))
    for name, title, events in feeds:
        path = out_dir / f"{name}.atom"
        write_atomic(path, build_feed(name, title, events))
        written.append(str(path))
    return written
