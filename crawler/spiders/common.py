"""Response helpers shared by every platform's spider."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.http import Response

from crawler.items import PageItem, SiteSnapshotItem

# Response headers the archive keeps with each raw page.
KEEP_HEADERS = ("content-type", "last-modified", "etag", "content-encoding", "location")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def page_item(response: Response) -> PageItem:
    """The raw page of ``response``, as the archive stores it (re-extractable later)."""
    headers = {}
    for key in KEEP_HEADERS:
        value = response.headers.get(key)
        if value is not None:
            headers[key] = value.decode("latin-1")
    return PageItem(
        url=response.request.url if response.request else response.url,
        final_url=response.url,
        status=response.status,
        headers=headers,
        body=response.body,
        fetched_at=now_iso(),
    )


def response_headers(response: Response) -> dict[str, str]:
    """The headers the extractor looks at (the charset in Content-Type)."""
    ct = response.headers.get(b"Content-Type")
    return {"content-type": ct.decode("latin-1")} if ct else {}


def snapshot_item(site_id: str, data: dict, done: set[str]) -> SiteSnapshotItem | None:
    """The site's footer contact and visitor counter from an extracted page, once per site per
    crawl (``done`` holds the sites already snapshotted); None when the page has neither."""
    if site_id in done:
        return None
    contact = dict(data.get("contact") or {})
    contact["editor"] = data.get("editor")
    contact["licence"] = data.get("licence")
    if not any(contact.values()) and not data.get("visitor_counter"):
        return None
    done.add(site_id)
    return SiteSnapshotItem(
        site=site_id, observed_at=now_iso(), contact=contact, counter=data.get("visitor_counter")
    )
