"""Which platform produced a page: generator meta, URL patterns, then markup.

Used by ``extract(platform=None)`` and by ``govnews sites add/check``.  The order matters:
a WordPress or Liferay page may embed a vnPortal widget, never the reverse, so the specific
platforms are tried first and ``generic`` is the answer when nothing is recognised.
"""

from __future__ import annotations

import re

PLATFORMS = ("vnportal", "vnportal_ng", "liferay", "wordpress", "generic")

_GENERATOR = re.compile(
    r"<meta[^>]+name=['\"]generator['\"][^>]*content=['\"]([^'\"]+)|"
    r"<meta[^>]+content=['\"]([^'\"]+)['\"][^>]*name=['\"]generator['\"]",
    re.I,
)

# (platform, evidence, pattern); the first pattern that matches wins
_URL_RULES = [
    ("wordpress", "URL /wp-json/ or ?p=", re.compile(r"/wp-json/|/wp-content/|[?&]p=\d+$", re.I)),
    ("liferay", "URL /-/ (Liferay friendly URL) or _101_cur", re.compile(r"/-/|[?&]_101_cur=|[?&]p_p_id=", re.I)),
    ("vnportal", "URL Default.aspx?sname=", re.compile(r"/m?Default\.aspx\?(?:[^#]*&)?sname=", re.I)),
]
_MARKUP_RULES = [
    ("wordpress", "markup wp-content / api.w.org", re.compile(r"/wp-content/|/wp-includes/|https://api\.w\.org/", re.I)),
    ("liferay", "markup Liferay (themeDisplay / p_p_id_)", re.compile(r"Liferay\.(?:AUI|Browser|ThemeDisplay|currentURL)|themeDisplay|id=['\"]p_p_id_", re.I)),
    ("vnportal_ng", "markup vnPortal new generation (storage-vnportal / bottom_left)", re.compile(r"storage-vnportal\.vnpt\.vn|class=['\"][^'\"]*\bbottom_left\b", re.I)),
    ("vnportal", "markup vnPortal (__doPostBack / sname= links / /Portals/)", re.compile(r"Default\.aspx\?sname=|/Portals/\d+/|__VIEWSTATE[\s\S]{0,20000}sname=", re.I)),
]


def detect_platform(text: str | None, url: str = "", headers=None) -> tuple[str, str]:
    """``(platform, evidence)`` for a page; ``("generic", "no platform markers")`` otherwise."""
    text = text or ""
    head = text[:200_000]
    m = _GENERATOR.search(head)
    if m:
        gen = (m.group(1) or m.group(2) or "").lower()
        for name, key in (("wordpress", "wordpress"), ("liferay", "liferay"), ("vnportal", "vnportal")):
            if key in gen:
                return name, f"generator meta {gen!r}"
    powered = ""
    for k, v in (headers or {}).items():
        if k.lower() in ("x-powered-by", "liferay-portal", "link"):
            powered += f" {k}: {v}"
    if "liferay" in powered.lower():
        return "liferay", "Liferay-Portal header"
    if "api.w.org" in powered.lower():
        return "wordpress", "Link rel=https://api.w.org/ header"
    for name, why, rx in _URL_RULES:
        if rx.search(url or ""):
            return name, why
    for name, why, rx in _MARKUP_RULES:
        if rx.search(head):
            return name, why
    return "generic", "no platform markers"
