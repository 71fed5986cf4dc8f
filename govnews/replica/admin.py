"""The replica as a *living* site: an admin endpoint that changes it while it is being crawled.

Monitoring (``govnews watch``) is only testable end to end if the portal changes under it, so the
replica accepts, **only on its own loopback address** (``Host: 127.0.0.1:PORT``, never a portal
host such as ``chauthanh.soctrang.gov.vn``), ``POST /__admin__/<action>`` with a JSON object:

==========  ===============================================  ===================================
action      JSON fields                                      effect
==========  ===============================================  ===================================
publish     site, title, [body], [lead], [catid], [id],      a new article, dated now (+07:00),
            [view_count]                                     on page 1 of its category
edit        site, id, [title], [body], [lead], [view_count]  change an article in place
remove      site, id                                         the article answers 404
down        site, [mode = "503" | "refuse"]                  every page 503, or
                                                             the connection closed unanswered
up          site                                             back to normal (also ends redirect)
redirect    site, to                                         every page: 301 to ``to`` + path
contact     site, [phone], [fax], [email], [address],        new footer contact values
            [agency]
state       site                                             the site's current admin state
==========  ===============================================  ===================================

Answers are JSON (``{"ok": true, ...}``, or ``{"ok": false, "error": ...}`` with HTTP 400/404).
``govnews replica publish|edit|remove|down|up|redirect|contact`` are clients of this endpoint.

"refuse" cannot refuse the TCP connection itself (all sites share one port), so the replica
accepts and closes it without a byte: the crawler sees a connection failure, as for a dead host.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from govnews.replica.render import Article

ADMIN_PREFIX = "/__admin__/"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_VN_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh has no DST


def vn_now() -> datetime:
    """Naive local time in Việt Nam: the replica's dates are naive local times, like the portal's."""
    return (datetime.now(UTC) + _VN_OFFSET).replace(tzinfo=None, microsecond=0)


@dataclass
class SiteOverride:
    """Run-time state of one site that the page content does not hold."""

    down_mode: str | None = None  # None | "503" | "refuse"
    redirect_to: str | None = None  # base URL, e.g. "https://cantho.gov.vn"


class AdminState:
    """Overrides per site id, shared by the request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sites: dict[str, SiteOverride] = {}

    def get(self, site_id: str) -> SiteOverride:
        with self._lock:
            return self._sites.setdefault(site_id, SiteOverride())


class AdminError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def is_admin_request(host: str, path: str) -> bool:
    """True for ``/__admin__/…`` addressed to the replica's loopback address itself."""
    if not path.startswith(ADMIN_PREFIX):
        return False
    hostname = urlsplit(f"//{host}").hostname or ""
    return hostname.lower() in LOOPBACK


def slugify(text: str) -> str:
    from govnews.replica.content import slugify as _slugify

    return _slugify(text)


def _site_info(site_id: str):
    from govnews.replica import sites

    for info in [sites.DEFAULT_SITE, *sites.SITES_BY_HOST.values()]:
        if info.site_id == site_id:
            return info
    raise AdminError(f"unknown replica site {site_id!r}", 404)


def _paragraphs(body: str | None) -> list[str]:
    if not body:
        return []
    return [p.strip() for p in re.split(r"\n\s*\n|\r?\n", body) if p.strip()]


PHONE_PART = re.compile(r"(Điện Thoại:\s*)(.*?)(\.\s*Fax:|$)")
FAX_PART = re.compile(r"(Fax:\s*)(.*?)(\.\s*Email:|$)")
EMAIL_PART = re.compile(r"(Email:\s*)(\S+)")


def new_phones_line(line: str, phone: str | None, fax: str | None, email: str | None) -> str:
    """The footer line with some of its parts replaced (the rest kept verbatim)."""
    if phone is not None:
        line = PHONE_PART.sub(lambda m: m.group(1) + phone + m.group(3), line, count=1)
    if fax is not None:
        line = FAX_PART.sub(lambda m: m.group(1) + fax + m.group(3), line, count=1)
    if email is not None:
        line = EMAIL_PART.sub(lambda m: m.group(1) + email, line, count=1)
    return line


def _int(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AdminError(f"{key} must be an integer, got {value!r}") from None


def apply(replica, action: str, data: dict) -> dict:
    """Run one admin action on ``replica`` (a :class:`govnews.replica.server.Replica`)."""
    if not isinstance(data, dict):
        raise AdminError("expected a JSON object")
    info = _site_info(str(data.get("site") or "chauthanh"))
    portal = replica.portal(info)
    content = portal.content
    override = replica.admin.get(info.site_id)
    result: dict = {"ok": True, "site": info.site_id, "action": action}
    if action == "publish":
        title = str(data.get("title") or "").strip()
        if not title:
            raise AdminError("publish needs a title")
        paragraphs = _paragraphs(data.get("body")) or [title]
        lead = str(data.get("lead") or paragraphs[0])
        catid = _int(data, "catid") or content.categories[0].catid
        if catid not in content.cat_by_id:
            raise AdminError(f"no category {catid} on {info.site_id}")
        art_id = _int(data, "id") or (max(content.by_id, default=400000) + 1)
        view_count = _int(data, "view_count")
        art = Article(
            article_id=art_id, catid=catid, title=title, slug=slugify(title), lead=lead,
            paragraphs=paragraphs, published=vn_now(), author=data.get("author") or None,
            view_count=0 if view_count is None else view_count, date_style="datetime",
        )
        try:
            content.publish(art)
        except ValueError as e:
            raise AdminError(str(e)) from None
        result.update(article_id=art_id, published=art.published.isoformat() + "+07:00")
    elif action == "edit":
        art_id = _int(data, "id")
        if art_id is None or art_id not in content.by_id:
            raise AdminError(f"no article {art_id} on {info.site_id}", 404)
        changes: dict = {}
        if data.get("title"):
            changes["title"] = str(data["title"])
            changes["slug"] = slugify(changes["title"])
        if data.get("body"):
            changes["paragraphs"] = _paragraphs(data["body"])
        if data.get("lead"):
            changes["lead"] = str(data["lead"])
        if _int(data, "view_count") is not None:
            changes["view_count"] = _int(data, "view_count")
        content.edit(art_id, **changes)
        result.update(article_id=art_id, changed=sorted(changes))
    elif action == "remove":
        art_id = _int(data, "id")
        if art_id is None or art_id not in content.by_id:
            raise AdminError(f"no article {art_id} on {info.site_id}", 404)
        content.remove(art_id)
        result.update(article_id=art_id)
    elif action == "down":
        mode = str(data.get("mode") or "503")
        if mode not in ("503", "refuse"):
            raise AdminError("mode must be 503 or refuse")
        override.down_mode = mode
        content.set_down(mode == "503")
        result.update(mode=mode)
    elif action == "up":
        override.down_mode = None
        override.redirect_to = None
        content.set_down(False)
    elif action == "redirect":
        to = str(data.get("to") or "").rstrip("/")
        parts = urlsplit(to)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AdminError(f"redirect needs an absolute http(s) URL, got {to!r}")
        override.redirect_to = to
        result.update(to=to)
    elif action == "contact":
        changes = {}
        if data.get("address"):
            changes["address"] = str(data["address"])
        if data.get("agency"):
            changes["agency"] = str(data["agency"])
        if any(data.get(k) for k in ("phone", "fax", "email")):
            changes["phones_line"] = new_phones_line(
                content.info.phones_line, data.get("phone"), data.get("fax"), data.get("email")
            )
        if not changes:
            raise AdminError("contact needs at least one of phone, fax, email, address, agency")
        content.update_site(**changes)
        result.update(changed=sorted(changes), phones_line=content.info.phones_line)
    elif action != "state":
        raise AdminError(f"unknown admin action {action!r}", 404)
    result.update(
        down=override.down_mode, redirect_to=override.redirect_to, articles=len(content),
        address=content.info.address, phones_line=content.info.phones_line,
    )
    return result


def handle_admin(replica, path: str, body: bytes):
    """``POST /__admin__/<action>`` → a server Response with a JSON body."""
    from govnews.replica.server import Response

    action = path[len(ADMIN_PREFIX):].split("?", 1)[0].strip("/")
    try:
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise AdminError(f"invalid JSON: {e}") from None
        result, status = apply(replica, action, data), 200
    except AdminError as e:
        result, status = {"ok": False, "error": str(e)}, e.status
    except KeyError as e:
        result, status = {"ok": False, "error": f"not found: {e}"}, 404
    body_out = json.dumps(result, ensure_ascii=False).encode("utf-8")
    return Response(status, "application/json; charset=utf-8", body_out, "admin")


def intercept(replica, info, target: str):
    """A Response replacing the page when the site is redirected or refusing, else None."""
    from govnews.replica.server import Response

    override = replica.admin.get(info.site_id)
    if override.down_mode == "refuse":
        return Response(0, "text/plain", b"", "refused")
    if override.redirect_to:
        location = override.redirect_to + (target if target.startswith("/") else "/" + target)
        body = f'<html><body>Moved to <a href="{location}">{location}</a></body></html>'
        return Response(301, "text/html; charset=utf-8", body.encode("utf-8"), "redirect",
                        {"Location": location})
    return None
