"""WordPress sites (commune and school sites): HTML selectors and REST API posts.

The spider reads posts from the REST API (``/wp-json/wp/v2/posts``) when the site exposes it;
:func:`extract_wordpress` also accepts such a JSON body (one post or a page of posts), so the
archive can re-extract what it stored.  HTML pages go through ``wordpress_selectors.json``.
WordPress ``date`` fields are site-local time without offset (Vietnam: +07:00); ``date_gmt`` is
preferred when present.  View counts come from a post-views plugin field (``post_views``,
``views``) or the ``Lượt xem`` label in the HTML.
"""

from __future__ import annotations

import json
import re

from crawler.extract import vietnamese as vn
from crawler.extract.generic import (
    empty_result,
    extract_with,
    load_selectors,
    paragraphs,
    parse_html,
)

POST_ID = re.compile(r"/wp-json/wp/v2/posts/(\d+)|[?&]p=(\d+)")


def extract_wordpress(text: str, url: str) -> dict:
    stripped = (text or "").lstrip()
    if "/wp-json/" in (url or "") and stripped[:1] in ("{", "["):
        try:
            data = json.loads(stripped)
        except ValueError:
            return empty_result(url)
        if isinstance(data, list):
            out = empty_result(url)
            out["kind"] = "list"
            out["articles"] = [_list_item(p) for p in data if isinstance(p, dict)]
            return out
        if isinstance(data, dict) and "id" in data:
            return post_from_api(data, url)
        return empty_result(url)
    out = extract_with(text, url, load_selectors("wordpress"))
    if out["kind"] == "article" and out["article_id"] is None:
        out["article_id"] = _shortlink_id(text)
    return out


def _shortlink_id(text: str) -> str | None:
    m = re.search(r"<link[^>]+rel=['\"]shortlink['\"][^>]+[?&]p=(\d+)", text or "")
    if m:
        return m.group(1)
    m = re.search(r"<body[^>]*class=['\"][^'\"]*\bpostid-(\d+)", text or "")
    return m.group(1) if m else None


def _rendered(field) -> str:
    if isinstance(field, dict):
        return field.get("rendered") or ""
    return field or ""


def _date(post: dict) -> str | None:
    if post.get("date_gmt"):
        return vn.parse_iso(post["date_gmt"] + "Z")
    return vn.parse_iso(post.get("date"))


def _list_item(post: dict) -> dict:
    return {
        "url": post.get("link"),
        "title": vn.clean(_rendered(post.get("title"))) or None,
        "published_at": _date(post),
        "view_count": vn.parse_int(post.get("post_views", post.get("views"))),
    }


def _html_text(fragment: str) -> list[str]:
    root = parse_html(f"<html><body><div>{fragment}</div></body></html>") if fragment else None
    return paragraphs(root.find("body"), ["figure", ".post-views"]) if root is not None else []


def post_from_api(post: dict, url: str | None = None) -> dict:
    """One ``/wp-json/wp/v2/posts`` object → the extraction dict (kind ``article``)."""
    out = empty_result(post.get("link") or url or "")
    out["kind"] = "article"
    out["article_id"] = str(post.get("id"))
    out["title"] = vn.clean(_rendered(post.get("title"))) or None
    out["published_at"] = _date(post)
    lead = " ".join(_html_text(_rendered(post.get("excerpt"))))
    lead = re.sub(r"\s*(?:\[(?:…|&hellip;|\.\.\.)\]|…)\s*$", "", lead).strip()
    paras = _html_text(_rendered(post.get("content")))
    out["lead"] = lead or None
    out["body_text"] = "\n\n".join(paras)
    out["body_html"] = _rendered(post.get("content")) or None
    out["view_count"] = vn.parse_int(post.get("post_views", post.get("views")))
    embedded = post.get("_embedded") or {}
    authors = embedded.get("author") or []
    if authors and isinstance(authors[0], dict):
        out["author"] = vn.clean(authors[0].get("name")) or None
    terms = embedded.get("wp:term") or []
    cats = [t for group in terms for t in group if isinstance(t, dict) and t.get("taxonomy") == "category"]
    if cats:
        out["category"] = vn.clean(cats[0].get("name")) or None
    return out
