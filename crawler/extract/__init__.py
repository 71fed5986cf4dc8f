"""Extraction library: one fetched page -> one plain dict.

``extract(body, url, headers)`` returns exactly the keys of :data:`PUBLIC_KEYS`
(see docs/design.md, "Extraction contract"); ``extract_full`` adds the keys the archive
needs (:data:`EXTRA_KEYS`).  Neither ever raises on odd input: an empty, truncated, binary or
non-HTML body gives the dict with ``None`` / ``[]`` values.

Only the VNPT vnPortal platform has an extractor so far; its selectors and heuristics also
give usable contact / counter / title values on other platforms' pages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from crawler.extract.encoding import decode
from crawler.extract.vnportal import _empty, extract_vnportal, parse_vnportal_url

__all__ = ["extract", "extract_full", "parse_vnportal_url", "decode", "PUBLIC_KEYS", "EXTRA_KEYS"]

log = logging.getLogger(__name__)

PUBLIC_KEYS = (
    "url", "kind", "title", "lead", "body_text", "published_at", "author", "category",
    "view_count", "images", "attachments", "contact", "visitor_counter", "articles",
)
EXTRA_KEYS = ("body_html", "editor", "licence", "postbacks", "next_pages", "sname", "article_id")


def extract_full(body: bytes | str | None, url: str,
                 headers: Mapping[str, str] | None = None, *, encoding: str | None = None) -> dict:
    """All fields: the public ones plus ``body_html``, ``editor``, ``licence``, ``postbacks``
    (``[{target, argument}]`` of ``__doPostBack`` pager links; ``next_pages`` is the same
    list), ``sname`` and ``article_id`` (from a vnPortal URL)."""
    url = url or ""
    try:
        text, _enc = decode(body, headers, encoding)
        out = extract_vnportal(text, url)
    except Exception:  # noqa: BLE001 - an extractor bug must not stop a crawl
        log.exception("extract failed for %s", url)
        out = _empty(url)
    return {k: out.get(k) for k in PUBLIC_KEYS + EXTRA_KEYS}


def extract(body: bytes | str | None, url: str,
            headers: Mapping[str, str] | None = None, *, encoding: str | None = None) -> dict:
    """The public extraction dict (exactly :data:`PUBLIC_KEYS`)."""
    full = extract_full(body, url, headers, encoding=encoding)
    return {k: full[k] for k in PUBLIC_KEYS}
