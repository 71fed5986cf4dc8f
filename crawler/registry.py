"""The site registry: which portal runs which platform.

The registry is data (``sites.csv`` beside this file), not code: adding a portal on a known
platform is one CSV row.  ``GOVNEWS_SITES`` may point to another CSV with the same columns.
"""

from __future__ import annotations

import csv
import os
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

COLUMNS = [
    "id", "name", "base_url", "platform", "sname", "sid", "agency",
    "province_before", "province_after", "status", "status_note", "new_url", "offline_since",
]

#: ``status`` values: active, moved (→ ``new_url``), offline (since ``offline_since``), unknown
#: (not verified yet), demo (a synthetic replica site: crawled only with ``--replica``).
STATUSES = ("active", "moved", "offline", "unknown", "demo")


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    base_url: str
    platform: str
    sname: str
    sid: str
    agency: str
    province_before: str
    province_after: str
    status: str
    status_note: str
    new_url: str = ""
    offline_since: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def hosts(self) -> set[str]:
        """The hosts this site answers on (with and without ``www.``)."""
        h = self.host
        return {h, h[4:] if h.startswith("www.") else "www." + h}

    def as_dict(self) -> dict:
        return asdict(self)


class UnknownSite(KeyError):
    def __str__(self) -> str:
        return f"unknown site {self.args[0]!r}; `govnews sites list` shows the registry"


def _read(text: str) -> list[Site]:
    rows = list(csv.DictReader(text.splitlines()))
    sites = []
    for r in rows:
        sites.append(Site(**{c: (r.get(c) or "").strip() for c in COLUMNS}))
    return sites


@cache
def load_sites(path: str | None = None) -> tuple[Site, ...]:
    path = path or os.environ.get("GOVNEWS_SITES")
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("crawler").joinpath("sites.csv").read_text(encoding="utf-8")
    return tuple(_read(text))


def get_site(site_id: str) -> Site:
    for s in load_sites():
        if s.id == site_id:
            return s
    raise UnknownSite(site_id)


def site_for_sname(sname: str) -> Site | None:
    for s in load_sites():
        if s.sname and s.sname.lower() == sname.lower():
            return s
    return None


def site_for_host(host: str) -> Site | None:
    host = (host or "").lower()
    for s in load_sites():
        if host in s.hosts:
            return s
    return None


def registry_hosts() -> set[str]:
    hosts: set[str] = set()
    for s in load_sites():
        hosts |= s.hosts
    return hosts
