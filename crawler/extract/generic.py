"""Selector-driven extraction for every non-vnPortal platform, and the generic fallback.

Platform modules (``liferay.py``, ``wordpress.py``, ``vnportal_ng.py``) hold only a selector file;
:func:`extract_with` turns a page plus those selectors into the extraction dict, using
``crawler.extract.vietnamese`` for every date, number, phone and label.  Why one engine: the
platforms differ in *where* things are, never in how a Vietnamese date or phone is read.

:func:`extract_generic` serves any other site: selectors of common news markup first (cheap),
then trafilatura for the main text and htmldate for a date that no meta tag or Vietnamese date
form gave.  Selector syntax: CSS, optionally ending in ``::attr(name)``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lhtml
from lxml.cssselect import CSSSelector

from crawler.extract import vietnamese as vn

HERE = Path(__file__).parent

BLOCK_TAGS = frozenset(
    "p div section article header footer li ul ol h1 h2 h3 h4 h5 h6 table tr td th blockquote "
    "figure figcaption pre dl dt dd address main aside nav form".split()
)


def empty_result(url: str) -> dict:
    """The extraction dict with nothing found (same keys as the vnPortal extractor)."""
    return {
        "url": url, "kind": "other", "title": None, "lead": None, "body_text": None,
        "published_at": None, "author": None, "category": None, "view_count": None,
        "images": [], "attachments": [],
        "contact": {"agency": None, "address": None, "phones": [], "fax": [], "emails": []},
        "visitor_counter": None, "articles": [],
        "body_html": None, "editor": None, "licence": None, "postbacks": [], "next_pages": [],
        "sname": None, "article_id": None, "site_name": None,
    }


@cache
def load_selectors(name: str) -> dict:
    """``<name>_selectors.json`` beside this module (keys starting with ``_`` are comments)."""
    data = json.loads((HERE / f"{name}_selectors.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@cache
def _compiled(selector: str) -> tuple[CSSSelector, str | None]:
    attr = None
    m = re.search(r"::attr\(([\w:\-]+)\)\s*$", selector)
    if m:
        attr, selector = m.group(1), selector[: m.start()]
    return CSSSelector(selector), attr


def parse_html(text: str | None):
    """lxml document or None; scripts and styles dropped (their text is never content)."""
    if not text or not text.strip():
        return None
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text).replace("\x00", "")
    try:
        root = lhtml.document_fromstring(text)
    except (etree.ParserError, ValueError, TypeError):
        return None
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    return root


def select(root, selectors: list[str] | str | None) -> list:
    """Matches of the first selector in ``selectors`` that matches anything (elements, or
    attribute strings for ``::attr(x)``)."""
    if root is None or not selectors:
        return []
    for s in [selectors] if isinstance(selectors, str) else selectors:
        css, attr = _compiled(s)
        found = css(root)
        if attr:
            found = [el.get(attr) for el in found if el.get(attr)]
        if found:
            return found
    return []


def text_of(x) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return vn.clean(x)
    return vn.clean(" ".join(x.itertext()))


def first_text(root, selectors) -> str | None:
    for x in select(root, selectors):
        t = text_of(x)
        if t:
            return t
    return None


def lines_text(el) -> str:
    """Text of ``el`` with a line break at every block element and ``<br>``."""
    parts: list[str] = []

    def walk(e):
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        elif tag in BLOCK_TAGS:
            parts.append("\n")
        if e.text and tag:
            parts.append(e.text)
        for c in e:
            walk(c)
            if c.tail:
                parts.append(c.tail)
        if tag in BLOCK_TAGS:
            parts.append("\n")

    if el is not None:
        walk(el)
    return vn.clean_lines("".join(parts))


def paragraphs(el, exclude: list[str] | None = None) -> list[str]:
    """Paragraph texts of a body element (``exclude`` selectors removed first, on a copy)."""
    if el is None:
        return []
    if exclude:
        el = lhtml.fromstring(lhtml.tostring(el))
        for s in exclude:
            for x in _compiled(s)[0](el):
                x.drop_tree()
    return [line for line in lines_text(el).split("\n") if line]


def absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
        return None
    return urljoin(base, href)


# ------------------------------------------------------------------------------- site-wide


def parse_footer(root, sel: dict) -> tuple[dict, str | None, str | None]:
    """``(contact, editor, site_name)`` from the footer selectors and the shared label patterns."""
    contact = {"agency": None, "address": None, "phones": [], "fax": [], "emails": []}
    footers = select(root, sel.get("footer"))
    if not footers:
        return contact, None, None
    text = "\n".join(lines_text(f) for f in footers)
    parsed = vn.parse_contact(text)
    for k in contact:
        contact[k] = parsed[k]
    site_name = first_text(footers[0], sel.get("footer_heading") or ["h1", "h2", "h3", "h4", "h5", "h6"])
    if contact["agency"] is None:
        contact["agency"] = site_name
    if contact["address"] is None:
        contact["address"] = next((vn.clean(x) for x in text.split("\n") if vn.looks_like_address(x)), None)
    return contact, parsed["editor"], site_name


def parse_counter(root, sel: dict) -> dict | None:
    for el in select(root, sel.get("counter")):
        found = vn.parse_counter(lines_text(el))
        if found:
            return found
    return None


# ---------------------------------------------------------------------------------- lists


def list_items(root, url: str, sel: dict) -> list[dict]:
    """``[{url, title, published_at, view_count}]`` from ``list_item`` blocks (first selector
    that matches)."""
    out: list[dict] = []
    seen: set[str] = set()
    for item in select(root, sel.get("list_item")):
        link = select(item, sel.get("list_link") or ["a[href]"])
        if not link:
            continue
        a = link[0]
        href = absolute(url, a.get("href"))
        if not href or href in seen:
            continue
        title = vn.clean(a.get("title") or "") or _text_without(a, sel.get("list_title_exclude"))
        if not title:
            continue
        seen.add(href)
        date_text = first_text(item, sel.get("list_date"))
        views_text = first_text(item, sel.get("list_views"))
        out.append({
            "url": href,
            "title": title,
            "published_at": vn.parse_date(date_text),
            "view_count": vn.parse_view_count(views_text),
        })
    return out


def _text_without(el, exclude: list[str] | None) -> str:
    if exclude:
        el = lhtml.fromstring(lhtml.tostring(el))
        for s in exclude:
            for x in _compiled(s)[0](el):
                x.drop_tree()
    return text_of(el)


def next_pages(root, url: str, sel: dict) -> list[str]:
    pattern = re.compile(sel["next_page_pattern"]) if sel.get("next_page_pattern") else None
    out: list[str] = []
    for href in select(root, sel.get("pager_links")):
        u = absolute(url, href if isinstance(href, str) else href.get("href"))
        if u and (pattern is None or pattern.search(u)) and u not in out:
            out.append(u)
    return out


# -------------------------------------------------------------------------------- article


def article_id(url: str, root, sel: dict) -> str | None:
    for pattern in sel.get("article_id_url") or []:
        m = re.search(pattern, url or "")
        if m:
            return m.group(1)
    for v in select(root, sel.get("article_id_attr")):
        v = text_of(v)
        if v.isdigit():
            return v
    return None


def _images(root, url: str, sel: dict) -> list[dict]:
    out: list[dict] = []
    for fig in select(root, sel.get("figures")):
        img = fig if fig.tag == "img" else next(iter(fig.iter("img")), None)
        if img is None:
            continue
        src = absolute(url, img.get("data-src") or img.get("src"))
        if not src or src.startswith("data:"):
            continue
        cap = first_text(fig, ["figcaption", ".caption", ".wp-caption-text"]) if fig.tag != "img" else None
        if all(i["url"] != src for i in out):
            out.append({"url": src, "caption": cap or None})
    return out


def fill_article(out: dict, root, url: str, sel: dict) -> bool:
    """Fill the article fields from ``sel``; True when the page is an article (a title in an
    article position, or a body)."""
    title = first_text(root, sel.get("title"))
    bodies = select(root, sel.get("body"))
    if not title and not bodies:
        return False
    out["title"] = title
    out["published_at"] = _date(root, sel)
    out["lead"] = first_text(root, sel.get("lead"))
    out["category"] = _category(root, sel)
    out["author"] = first_text(root, sel.get("author"))
    paras = paragraphs(bodies[0], sel.get("body_exclude")) if bodies else []
    if out["lead"] and paras and paras[0] == out["lead"]:
        paras = paras[1:]
    if out["author"] and paras and paras[-1] == out["author"]:
        paras = paras[:-1]
    out["body_text"] = "\n\n".join(paras) if bodies else None
    if bodies:
        out["body_html"] = lhtml.tostring(bodies[0], encoding="unicode")
    views = select(root, sel.get("view_count"))
    out["view_count"] = next((v for v in (vn.parse_view_count(text_of(x)) for x in views) if v is not None), None)
    out["images"] = _images(root, url, sel)
    return True


def _date(root, sel: dict) -> str | None:
    for x in select(root, sel.get("published_meta")):
        v = vn.parse_iso(text_of(x))
        if v:
            return v
    for x in select(root, sel.get("published")):
        v = vn.parse_date(text_of(x))
        if v:
            return v
    return None


def _category(root, sel: dict) -> str | None:
    crumbs = [text_of(x) for x in select(root, sel.get("category"))]
    crumbs = [c for c in crumbs if c and c.lower() not in ("trang chủ", "home")]
    return crumbs[-1] if crumbs else None


# ------------------------------------------------------------------------------- the engine


def extract_with(text: str, url: str, sel: dict) -> dict:
    """One page → the extraction dict, driven by a platform's selectors."""
    out = empty_result(url)
    root = parse_html(text)
    if root is None:
        return out
    _fill(out, root, url, sel)
    return out


def _fill(out: dict, root, url: str, sel: dict) -> None:
    items = list_items(root, url, sel)
    if fill_article(out, root, url, sel):
        out["kind"] = "article"
    elif items:
        out["kind"] = "list"
        out["articles"] = items
        out["title"] = first_text(root, sel.get("list_title")) or first_text(root, ["title"])
        out["category"] = _category(root, sel)
        out["next_pages"] = next_pages(root, url, sel)
    else:
        out["title"] = first_text(root, ["title"])
    out["article_id"] = article_id(url, root, sel) if out["kind"] == "article" else None
    out["contact"], out["editor"], out["site_name"] = parse_footer(root, sel)
    out["visitor_counter"] = parse_counter(root, sel)


# ------------------------------------------------------------------------- generic fallback


def extract_generic(text: str, url: str) -> dict:
    """Any site: common news selectors, then trafilatura (main text) and htmldate (date)."""
    sel = load_selectors("generic")
    out = empty_result(url)
    root = parse_html(text)
    if root is None:
        return out
    _fill(out, root, url, sel)
    if out["kind"] == "list":
        return out
    _main_text(out, text, url)
    if out["visitor_counter"] is None:
        out["visitor_counter"] = _labelled_counter(root)
    if out["kind"] != "article":
        return out
    if out["published_at"] is None:
        out["published_at"] = _htmldate(text, url)
    if out["author"] is None:
        out["author"] = _signature(root, sel)
        if out["author"] and out["body_text"]:
            paras = out["body_text"].split("\n\n")
            if paras and paras[-1] == out["author"]:
                out["body_text"] = "\n\n".join(paras[:-1])
    if out["view_count"] is None:
        out["view_count"] = _labelled_views(root)
    return out


def _main_text(out: dict, text: str, url: str) -> None:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            text, url=url or None, with_metadata=True, favor_precision=True,
            include_comments=False, include_tables=True,
        )
    except Exception:  # noqa: BLE001 - a third-party parser must not stop a crawl
        doc = None
    if doc is None:
        return
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = vn.clean_lines(d.get("text") or "")
    if not body or len(body) < 200:
        return
    paras = body.split("\n")
    if out["lead"] and paras and paras[0] == out["lead"]:
        paras = paras[1:]
    out["kind"] = "article"
    out["body_text"] = "\n\n".join(paras)
    out["title"] = out["title"] or vn.clean(d.get("title") or "") or None
    out["lead"] = out["lead"] or vn.clean(d.get("description") or "") or None
    out["author"] = out["author"] or vn.clean(d.get("author") or "") or None


def _htmldate(text: str, url: str) -> str | None:
    from htmldate import find_date

    try:
        found = find_date(text, url=url or None, original_date=True, extensive_search=True,
                          outputformat="%Y-%m-%dT%H:%M:%S%z")
    except Exception:  # noqa: BLE001
        return None
    return vn.parse_iso(found) if found else None


def _signature(root, sel: dict) -> str | None:
    """The right-aligned name that closes many Vietnamese articles (``<p style="text-align:
    right"><strong>Lê Phương</strong></p>``)."""
    found = [text_of(x) for x in select(root, sel.get("signature"))]
    found = [f for f in found if f and len(f) <= 60 and not vn.parse_date(f)]
    return found[-1] if found else None


def _labelled_views(root) -> int | None:
    for t in root.xpath("//text()[contains(., ':')]"):
        v = vn.parse_view_count(vn.clean(t), allow_truy_cap=False)
        if v is not None:
            return v
    return None


_COUNTER_HINT = re.compile(r"(?i)truy cập|online|trực tuyến|hôm nay")


def _labelled_counter(root) -> dict | None:
    for t in root.xpath("//text()"):
        if not _COUNTER_HINT.search(t):
            continue
        el = t.getparent()
        for _ in range(4):
            if el is None:
                break
            found = vn.parse_counter(lines_text(el), min_fields=2)
            if found:
                return found
            el = el.getparent()
    return None
