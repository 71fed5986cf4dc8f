"""Liferay Portal 6.2 / 7.x pages (provincial departments, ministries): selectors only.

The selectors (``liferay_selectors.json``) cover Asset Publisher lists with per-item date
``dd/mm/yyyy | hh:mm AM`` and ``View count``/``Lượt xem``, the news-publisher home blocks, journal
articles, the session-tracking visitor counter and the theme footer; all parsing is shared
(``generic.extract_with`` + ``vietnamese``).
"""

from __future__ import annotations

import re

from crawler.extract.generic import extract_with, load_selectors

PAGE_PARAM = re.compile(r"[?&]_101_cur=(\d+)")


def extract_liferay(text: str, url: str) -> dict:
    return extract_with(text, url, load_selectors("liferay"))


def liferay_article_id(url: str) -> str | None:
    """The journal article id in a ``/-/view_content/<id>-<slug>`` URL (None otherwise)."""
    m = re.search(r"/-/view_content/(\d+)", url or "")
    return m.group(1) if m else None
