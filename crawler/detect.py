"""Fetch a portal's home page (directly, or through the loopback replica) and detect its
platform and agency: the engine of ``govnews sites add`` and ``govnews sites check``.

With ``replica`` set, the request goes to the replica with the real ``Host`` header (as
``crawler.handlers.ReplicaDownloadHandler`` does for crawls) and redirects are followed by hand,
so a redirect to another host is routed the same way and nothing reaches a public host.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from crawler.extract import detect_platform, extract_full
from crawler.extract.encoding import decode

USER_AGENT = "govnews (+https://github.com/govnews; research archive of *.gov.vn news)"
MAX_REDIRECTS = 5


class FetchError(Exception):
    """The URL could not be read as an HTML page (one line, for the user)."""


@dataclass
class Fetched:
    url: str
    final_url: str
    status: int
    headers: dict
    body: bytes
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def fetch(url: str, *, replica: str | None = None, timeout: float = 10.0) -> Fetched:
    """GET ``url`` following up to 5 redirects; raises FetchError when unreachable."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url!r}")
    current, chain = url, []
    for _ in range(MAX_REDIRECTS + 1):
        p = urlsplit(current)
        target, headers = current, {"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"}
        if replica:
            target = replica.rstrip("/") + (p.path or "/") + (f"?{p.query}" if p.query else "")
            headers["Host"] = p.netloc
        try:
            r = requests.get(target, headers=headers, timeout=timeout, allow_redirects=False)
        except requests.RequestException as e:
            reason = type(e).__name__
            raise FetchError(f"{current}: unreachable ({reason})") from None
        if r.is_redirect and r.headers.get("location"):
            chain.append(current)
            current = urljoin(current, r.headers["location"])
            continue
        hdrs = {k.lower(): v for k, v in r.headers.items()}
        return Fetched(url, current, r.status_code, hdrs, r.content, chain)
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


@dataclass
class Detection:
    url: str
    final_url: str
    status: int
    platform: str
    evidence: str
    agency: str | None
    name: str | None
    redirects: list[str]


def detect_site(url: str, *, replica: str | None = None, timeout: float = 10.0) -> Detection:
    """Home page → platform (with the evidence that decided it) and agency from the footer."""
    got = fetch(url, replica=replica, timeout=timeout)
    ctype = got.content_type.split(";")[0].strip().lower()
    if got.status >= 400:
        raise FetchError(f"{got.final_url}: HTTP {got.status}")
    if ctype and ctype not in ("text/html", "application/xhtml+xml"):
        raise FetchError(f"{got.final_url}: not an HTML page ({ctype})")
    text, _ = decode(got.body, got.headers)
    if "<" not in text[:2000]:
        raise FetchError(f"{got.final_url}: not an HTML page")
    platform, why = detect_platform(text, got.final_url, got.headers)
    data = extract_full(got.body, got.final_url, got.headers, platform=platform)
    agency = (data.get("contact") or {}).get("agency") or data.get("site_name")
    return Detection(url, got.final_url, got.status, platform, why, agency, _name(text),
                     got.redirects)


def _name(text: str) -> str | None:
    from crawler.extract.generic import first_text, parse_html

    root = parse_html(text)
    title = first_text(root, ["title"]) if root is not None else None
    return title.split(" - ")[0].split(" – ")[0].strip() if title else None
