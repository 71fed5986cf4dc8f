"""Webhook delivery from the archive's outbox (``deliveries``), signed with HMAC-SHA256.

Each event is POSTed as JSON (the body is the same bytes on every attempt) with headers

* ``X-Govnews-Event-Id``: the event id, the idempotency key;
* ``X-Govnews-Event-Type``: e.g. ``new_post``;
* ``X-Govnews-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, key
  ``$GOVNEWS_WEBHOOK_SECRET``.

Delivery guarantee (the outbox protocol):

1. the ``deliveries`` row is written in the same transaction as its event, so an event is never
   without its delivery, whatever is killed when;
2. before a POST the row is marked ``sending`` (attempts + 1) and committed; after a 2xx answer it
   is marked ``delivered`` and committed; after a failure it goes back to ``pending`` with
   ``last_error`` and ``next_attempt_at`` (exponential back-off), and is retried in this pass
   (``attempts_per_pass``) and in the next passes, in event order, until ``max_attempts`` (then
   ``failed``, kept for inspection: ``govnews watch --retry-failed`` requeues them);
3. a process killed with a row in ``sending`` left it unknown whether the receiver got the POST;
   the next pass sends it again with the same body and ``X-Govnews-Event-Id``.

So: nothing is lost; nothing is sent twice except in the window between the receiver
accepting a POST and the ``delivered`` commit a few microseconds later, and that one repeat
carries the same event id for the receiver to drop (at-least-once, deduplicable by id).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from archive.db import now_iso
from archive.events import event_dicts

SECRET_ENV = "GOVNEWS_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Govnews-Signature"
EVENT_ID_HEADER = "X-Govnews-Event-Id"
USER_AGENT = "govnews-webhook/0.1"


def sign(secret: str, body: bytes) -> str:
    """The signature header value: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """For receivers: constant-time check of ``X-Govnews-Signature``."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header)


def event_body(event: dict) -> bytes:
    """The JSON body of one event: deterministic, so every attempt sends the same bytes."""
    keys = ("id", "type", "site", "article_id", "created_at", "payload", "article")
    doc = {k: event.get(k) for k in keys}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class WebhookSender:
    url: str
    secret: str
    timeout: float = 10.0
    attempts_per_pass: int = 3
    backoff: float = 1.0  # seconds before the 2nd attempt; doubles, capped at max_backoff
    max_backoff: float = 300.0
    max_attempts: int = 50
    sleep: Callable[[float], None] = time.sleep

    def post(self, event: dict) -> None:
        """One POST; raises on anything but a 2xx answer."""
        body = event_body(event)
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: str(event["id"]),
            "X-Govnews-Event-Type": event["type"],
            SIGNATURE_HEADER: sign(self.secret, body),
        })
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            resp.read()
            if not 200 <= resp.status < 300:
                raise urllib.error.HTTPError(self.url, resp.status, "not 2xx", resp.headers, None)

    def _delay(self, attempts: int) -> float:
        return min(self.backoff * 2 ** max(attempts - 1, 0), self.max_backoff)

    def deliver_pending(self, conn: sqlite3.Connection) -> dict:
        """Send this URL's due deliveries in event order; stop at the first one that still fails
        after ``attempts_per_pass`` (the receiver is down: keep order, retry next pass)."""
        counts = {"delivered": 0, "failed": 0, "pending": 0}
        now = now_iso()
        rows = conn.execute(
            "SELECT id, event_id, attempts FROM deliveries WHERE url = ? AND status IN "
            "('pending', 'sending') AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
            "ORDER BY event_id", (self.url, now),
        ).fetchall()
        blocked = False
        for delivery_id, event_id, attempts in rows:
            if blocked:
                counts["pending"] += 1
                continue
            events = event_dicts(conn, "e.id = ?", (event_id,))
            if not events:
                continue
            for _try in range(self.attempts_per_pass):
                attempts += 1
                with conn:
                    conn.execute(
                        "UPDATE deliveries SET status = 'sending', attempts = ?, "
                        "last_attempt_at = ? WHERE id = ?", (attempts, now_iso(), delivery_id))
                try:
                    self.post(events[0])
                except (urllib.error.URLError, OSError, ValueError) as e:
                    error = _describe(e)
                    final = attempts >= self.max_attempts
                    retry_at = datetime.now(UTC) + timedelta(seconds=self._delay(attempts))
                    with conn:
                        conn.execute(
                            "UPDATE deliveries SET status = ?, last_error = ?, next_attempt_at = ? "
                            "WHERE id = ?",
                            ("failed" if final else "pending", error,
                             retry_at.strftime("%Y-%m-%dT%H:%M:%SZ"), delivery_id))
                    if final:
                        counts["failed"] += 1
                        break
                    if _try + 1 < self.attempts_per_pass:
                        self.sleep(self._delay(attempts))
                    continue
                with conn:
                    conn.execute(
                        "UPDATE deliveries SET status = 'delivered', delivered_at = ?, "
                        "last_error = NULL WHERE id = ?", (now_iso(), delivery_id))
                counts["delivered"] += 1
                break
            else:
                counts["pending"] += 1
                blocked = True
        return counts


def requeue_failed(conn: sqlite3.Connection, url: str) -> int:
    """Give deliveries that exhausted ``max_attempts`` a fresh start."""
    with conn:
        cur = conn.execute(
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL "
            "WHERE url = ? AND status = 'failed'", (url,))
    return cur.rowcount


def _describe(e: BaseException) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code}"
    reason = getattr(e, "reason", None)
    return f"{type(e).__name__}: {reason or e}"[:300]
