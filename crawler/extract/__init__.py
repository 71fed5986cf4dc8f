"""Extraction library: one fetched page -> one plain dict.

``extract(body, url, headers)`` returns exactly the keys of :data:`PUBLIC_KEYS`
(see docs/design.md, "Extraction contract"); ``extract_full`` adds the keys the archive
needs (:data:`EXTRA_KEYS`).  Neither ever raises on odd input: an empty, truncated, binary or
non-HTML body gives the dict with ``None`` / ``[]`` values.

Platforms: VNPT vnPortal (``vnportal.py``), new-generation vnPortal, Liferay, WordPress and a
generic fallback (``vnportal_ng.py``, ``liferay.py``, ``wordpress.py``, ``generic.py``), picked by
``platform=`` or detected from the page (``detect.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from crawler.extract.detect import PLATFORMS, detect_platform
from crawler.extract.encoding import decode, decode_page
from crawler.extract.vnportal import _empty, extract_vnportal, parse_vnportal_url

__all__ = ["extract", "extract_full", "parse_vnportal_url", "decode", "detect_platform", "PLATFORMS",
           "PUBLIC_KEYS", "EXTRA_KEYS"]

log = logging.getLogger(__name__)

PUBLIC_KEYS = (
    "url", "kind", "title", "lead", "body_text", "published_at", "author", "category",
    "view_count", "images", "attachments", "contact", "visitor_counter", "articles",
)
EXTRA_KEYS = ("body_html", "editor", "licence", "postbacks", "next_pages", "sname", "article_id",
              "platform", "site_name")


def _platform_extractor(platform: str):
    """The extractor function of a platform (imported lazily: generic pulls in trafilatura)."""
    if platform == "liferay":
        from crawler.extract.liferay import extract_liferay
        return extract_liferay
    if platform == "wordpress":
        from crawler.extract.wordpress import extract_wordpress
        return extract_wordpress
    if platform == "vnportal_ng":
        from crawler.extract.vnportal_ng import extract_vnportal_ng
        return extract_vnportal_ng
    if platform == "generic":
        from crawler.extract.generic import extract_generic
        return extract_generic
    return extract_vnportal


def extract_full(body: bytes | str | None, url: str,
                 headers: Mapping[str, str] | None = None, *, encoding: str | None = None,
                 platform: str | None = None, site_wide: bool = True) -> dict:
    """All fields: the public ones plus ``body_html``, ``editor``, ``licence``, ``postbacks``
    (``[{target, argument}]`` of ``__doPostBack`` pager links; ``next_pages`` is the same
    list, or the next list-page URLs on other platforms), ``sname`` and ``article_id``,
    ``platform`` (the extractor used) and ``site_name`` (footer heading).

    ``platform`` (vnportal, vnportal_ng, liferay, wordpress, generic) picks the extractor;
    None detects it from the page (generator meta, URL patterns, markup).

    ``site_wide=False`` lets the vnPortal extractor skip the footer contact and visitor counter
    (``contact``/``editor``/``licence``/``visitor_counter`` then stay empty): re-extraction only
    compares article fields and is faster without them."""
    url = url or ""
    try:
        text, _enc, utf8 = decode_page(body, headers, encoding)
        if platform is None:
            platform, _why = detect_platform(text, url, headers)
        fn = _platform_extractor(platform)
        if fn is extract_vnportal:
            out = fn(text, url, site_wide=site_wide, utf8=utf8)
        else:
            out = fn(text, url)
    except Exception:  # noqa: BLE001 - an extractor bug must not stop a crawl
        log.exception("extract failed for %s", url)
        out = _empty(url)
    out["platform"] = platform
    return {k: out.get(k) for k in PUBLIC_KEYS + EXTRA_KEYS}


def extract(body: bytes | str | None, url: str,
            headers: Mapping[str, str] | None = None, *, encoding: str | None = None,
            platform: str | None = None) -> dict:
    """The public extraction dict (exactly :data:`PUBLIC_KEYS`)."""
    full = extract_full(body, url, headers, encoding=encoding, platform=platform)
    return {k: full[k] for k in PUBLIC_KEYS}
