"""Fault injection for the replica portals: the failures real district portals produce.

A fault *spec* is ``all`` or a comma-separated list of rules::

    kind[:rate][#times][@glob]

* ``kind``  one of :data:`KINDS` (below).
* ``rate``  share of distinct requests that get the fault, 0–1 (default 1).  The choice is a
  hash of ``(seed, kind, host, method, target, postback argument)``, so it is deterministic: the
  same request is always chosen (or not) for a given ``--fault-seed``.
* ``times`` how many times a chosen request gets the fault before it is served normally
  (``#0`` = forever).  Defaults: 2 for 500/502/503 bursts, 1 for 429/slow/reset/truncated (so a
  crawler that retries recovers), forever for the others (they are what the page *is*).
* ``glob``  ``fnmatch`` pattern over the request target (path + query), e.g.
  ``@/huyenchauthanh/*`` or ``@*&id=*`` (canonical article URLs); default ``*``.

Example: ``503:0.2@/huyenchauthanh/*,slow:0.05,reset:0.05,win1258@*id=39*``.

``all`` turns every kind on at a default rate (:data:`ALL_SPEC`): transient faults on every
page, content faults and permanent failures on article pages only (so every article stays
discoverable and either archived or recorded as failed), the pagination/calendar trap on every
list and home page, and robots.txt disallowing one category.

``robots.txt`` is never faulted except by the ``robots`` rule; the first matching rule wins.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import re
import socket
import struct
import threading
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from govnews.errors import UserError
from govnews.replica.render import PAGER_TARGET
from govnews.replica.server import Response
from govnews.replica.sites import site_for_host

#: kind -> (default times, what it does); the order is the order faults are tried in.
KINDS: dict[str, tuple[int, str]] = {
    "robots": (0, "robots.txt also disallows one category's list and articles"),
    "500": (2, "HTTP 500 burst"),
    "502": (2, "HTTP 502 burst"),
    "503": (2, "HTTP 503 burst"),
    "429": (1, "HTTP 429 with Retry-After"),
    "slow": (1, "response slower than the download timeout"),
    "reset": (1, "connection reset (TCP RST) before any byte"),
    "truncated": (1, "Content-Length announced, half the body sent, connection closed"),
    "ctype": (0, "HTML served as application/octet-stream"),
    "win1258": (0, "page in windows-1258, charset in header and <meta>"),
    "win1258-nometa": (0, "page in windows-1258, no charset declared anywhere"),
    "badutf8": (0, "invalid UTF-8 bytes and a cp1252 fragment mixed into the page"),
    "malformed": (0, "unclosed tables and nested forms"),
    "redirect-loop": (0, "302 between two URLs of the page, forever"),
    "offsite": (0, "302 to a host outside the registry"),
    "trap": (0, "infinite postback pagination on lists, endless calendar links on home"),
    "huge": (0, "a 50 MB page"),
    "gzipbomb": (0, "gzip Content-Encoding inflating to 64 MB"),
}

ARTICLES = "*&id=*"  # canonical article URLs (Default.aspx?sname=…&catid=…&id=N)
ALL_SPEC = ",".join([
    "robots",
    "503:0.08", "502:0.03", "500:0.03", "429:0.05", "slow:0.02", "reset:0.04", "truncated:0.04",
    f"500:0.02#0@{ARTICLES}",  # a page that never recovers
    f"ctype:0.05@{ARTICLES}", f"win1258:0.05@{ARTICLES}", f"win1258-nometa:0.05@{ARTICLES}",
    f"badutf8:0.05@{ARTICLES}", f"malformed:0.05@{ARTICLES}",
    f"redirect-loop:0.03@{ARTICLES}", f"offsite:0.03@{ARTICLES}",
    f"huge:0.02@{ARTICLES}", f"gzipbomb:0.02@{ARTICLES}",
    "trap",
])

HTML_KINDS = {"home", "list", "article", "other"}
TRANSPORT = {"slow", "reset", "truncated", "huge"}
TRANSIENT = {"500", "502", "503", "429", "slow", "reset", "truncated"}
HUGE_SIZE = 50 * 1024 * 1024
BOMB_SIZE = 64 * 1024 * 1024
LOOP_PARAM = "gnloop"
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_RULE = re.compile(r"^(?P<kind>[a-z0-9-]+)(?::(?P<rate>[0-9.]+))?(?:#(?P<times>\d+))?(?:@(?P<glob>.+))?$")


@dataclass(frozen=True)
class Rule:
    kind: str
    rate: float = 1.0
    times: int = 0
    glob: str = "*"

    def __str__(self) -> str:
        return f"{self.kind}:{self.rate:g}#{self.times}@{self.glob}"


def parse_spec(spec: str) -> list[Rule]:
    """Parse a ``--faults`` spec; raises :class:`UserError` with the offending rule."""
    spec = (spec or "").strip()
    if spec.lower() == "all":
        spec = ALL_SPEC
    rules = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part.lower() == "all":
            rules.extend(parse_spec(ALL_SPEC))
            continue
        m = _RULE.match(part)
        if not m or m["kind"] not in KINDS:
            raise UserError(
                f"bad fault rule {part!r}: expected kind[:rate][#times][@glob] with kind one of "
                f"{', '.join(KINDS)} (or 'all')"
            )
        try:
            rate = float(m["rate"]) if m["rate"] is not None else 1.0
        except ValueError:
            raise UserError(f"bad fault rate in {part!r}") from None
        if not 0.0 <= rate <= 1.0:
            raise UserError(f"fault rate must be between 0 and 1 in {part!r}")
        times = int(m["times"]) if m["times"] is not None else KINDS[m["kind"]][0]
        rules.append(Rule(m["kind"], rate, times, m["glob"] or "*"))
    if not rules:
        raise UserError("empty fault spec; try --faults all or e.g. --faults 503:0.2")
    return rules


class FaultResponse(Response):
    """A replica response changed by a fault; ``fault`` names it (logged with the request)."""

    def __init__(self, status, content_type, body, kind, headers=None, *, fault: str):
        super().__init__(status, content_type, body, kind, headers)
        self.fault = fault


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text in windows-1258 the way old portals did: base letters with their
    vowel marks precomposed where cp1258 has them, tone marks as combining characters."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        tones = "".join(c for c in parts if c in TONE_MARKS)
        out += (base + tones).encode("cp1258", "xmlcharrefreplace")
    return bytes(out)


def _charset_meta(html: str, charset: str | None) -> str:
    pattern = re.compile(r"<meta[^>]*charset=[^>]*>\s*", re.I)
    if charset is None:
        return pattern.sub("", html)
    return pattern.sub(
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n', html, 1
    )


def _malformed(html: str) -> str:
    """Unclosed tables/cells and a form nested in the page form (first <form> is kept intact)."""
    html = re.sub(r"</t(?:able|d|r)>", "", html, flags=re.I)
    return re.sub(
        r"(<form[^>]*>)", r'\1<form name="search" action="/Search/"><input name="q">', html,
        count=1, flags=re.I,
    )


def _bad_utf8(body: bytes) -> bytes:
    junk = b"<!-- \xff\xfe\xc3\x28 \xa0\xa1 -->" + "<p class=\"x\">Tin c\u0169</p>".encode("cp1252", "replace")
    body = body.replace(b"<body", junk + b"\xed\xa0\x80<body", 1)
    return body.replace(b"</body>", b"\xe0\x80\xaf\xc0\xae</body>", 1)


class FaultInjector:
    """Decides per request which fault (if any) applies and rewrites or replaces the response.

    Thread-safe; ``counts`` says how many times each kind was injected.
    """

    def __init__(self, rules: list[Rule] | str, *, seed: int = 0, slow_seconds: float = 35.0,
                 retry_after: int = 1, outside_url: str = "http://outside.invalid/stolen"):
        self.rules = parse_spec(rules) if isinstance(rules, str) else list(rules)
        self.seed = seed
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.outside_url = outside_url
        self._lock = threading.Lock()
        self._hits: dict[tuple, int] = {}
        self._owners: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self._bomb: bytes | None = None

    # -- decisions ------------------------------------------------------------------------

    def _chosen(self, rule: Rule, key: str) -> bool:
        if rule.rate >= 1.0:
            return True
        if rule.rate <= 0.0:
            return False
        digest = hashlib.sha256(f"{self.seed}|{rule}|{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < rule.rate

    def _fires(self, index: int, rule: Rule, key: str) -> bool:
        if not self._chosen(rule, key):
            return False
        with self._lock:
            if rule.kind in TRANSIENT:
                # one transient rule per request, so bursts never stack beyond their ``times``
                owner = self._owners.setdefault(key, index)
                if owner != index:
                    return False
            n = self._hits.get((index, key), 0)
            if rule.times and n >= rule.times:
                return False
            self._hits[(index, key)] = n + 1
            self.counts[rule.kind] = self.counts.get(rule.kind, 0) + 1
        return True

    def disallowed_prefix(self, host: str) -> str:
        """The list URL prefix the ``robots`` fault disallows: the site's last category."""
        info = site_for_host(host)
        cat = info.categories[-1]
        return f"/Default.aspx?sname={info.sname}&sid={info.sid}&pageid={info.pageid}&catid={cat.catid}"

    def apply(self, method: str, host: str, target: str, form: dict | None,
              resp: Response) -> Response:
        """The response to send instead of ``resp`` (``resp`` itself when no fault applies)."""
        path = urlsplit(target).path.lower()
        arg = (form or {}).get("__EVENTARGUMENT") or ""
        key = f"{host.lower()}|{method}|{target}|{arg}"
        for i, rule in enumerate(self.rules):
            if (rule.kind == "robots") != (path == "/robots.txt"):
                continue
            if not fnmatch.fnmatchcase(target, rule.glob):
                continue
            if rule.kind not in TRANSIENT | {"robots"} and resp.kind not in HTML_KINDS:
                continue
            if rule.kind == "trap" and resp.kind not in ("list", "home"):
                continue
            if LOOP_PARAM in target and rule.kind != "redirect-loop":
                continue
            looping = rule.kind == "redirect-loop" and LOOP_PARAM in target  # keep looping
            if not looping and not self._fires(i, rule, key):
                continue
            return self._make(rule.kind, host, target, form, resp)
        return resp

    # -- the faults -----------------------------------------------------------------------

    def _make(self, kind: str, host: str, target: str, form: dict | None, resp: Response) -> Response:
        def fr(status=resp.status, ctype=resp.content_type, body=resp.body, headers=None):
            return FaultResponse(status, ctype, body, resp.kind, headers or dict(resp.headers),
                                 fault=kind)

        html = resp.body.decode("utf-8", "replace")
        if kind == "robots":
            body = resp.body + f"Disallow: {self.disallowed_prefix(host)}\n".encode()
            return fr(body=body)
        if kind in ("500", "502", "503"):
            text = {"500": "Internal Server Error", "502": "Bad Gateway",
                    "503": "Service Unavailable"}[kind]
            return fr(int(kind), "text/html; charset=utf-8",
                      f"<html><body><h1>{kind} {text}</h1></body></html>".encode(), {})
        if kind == "429":
            return fr(429, "text/html; charset=utf-8", b"<html><body>Too Many Requests</body></html>",
                      {"Retry-After": str(self.retry_after)})
        if kind in TRANSPORT:
            return fr()  # the handler's send() does the damage
        if kind == "ctype":
            return fr(ctype="application/octet-stream")
        if kind == "win1258":
            return fr(ctype="text/html; charset=windows-1258",
                      body=encode_cp1258(_charset_meta(html, "windows-1258")))
        if kind == "win1258-nometa":
            return fr(ctype="text/html", body=encode_cp1258(_charset_meta(html, None)))
        if kind == "badutf8":
            return fr(body=_bad_utf8(resp.body))
        if kind == "malformed":
            return fr(body=_malformed(html).encode("utf-8"))
        if kind == "redirect-loop":
            if LOOP_PARAM in target:
                back = re.sub(rf"[?&]{LOOP_PARAM}=1$", "", target)
            else:
                back = target + ("&" if "?" in target else "?") + f"{LOOP_PARAM}=1"
            return fr(302, "text/html; charset=utf-8", b"", {"Location": f"https://{host}{back}"})
        if kind == "offsite":
            return fr(302, "text/html; charset=utf-8", b"", {"Location": self.outside_url})
        if kind == "trap":
            return fr(body=self._trap(html, resp.kind, target, form).encode("utf-8"))
        if kind == "gzipbomb":
            return fr(ctype="text/html; charset=utf-8", body=self._gzip_bomb(),
                      headers={"Content-Encoding": "gzip"})
        raise AssertionError(kind)

    def _trap(self, html: str, kind: str, target: str, form: dict | None) -> str:
        if kind == "list":
            arg = (form or {}).get("__EVENTARGUMENT") or "Page$1"
            n = int(arg[5:]) if arg.startswith("Page$") and arg[5:].isdigit() else 1
            links = " ".join(
                f"<a href=\"javascript:__doPostBack('{_pager_target(html)}','Page${k}')\">{k}</a>"
                for k in (n + 1, n + 2)
            )
            if '<div class="Pager">' in html:
                return html.replace('<div class="Pager">', f'<div class="Pager">{links} ', 1)
            return html.replace("</form>", f'<div class="Pager">{links}</div></form>', 1)
        qs = parse_qs(urlsplit(target).query)
        day = int((qs.get("ngay") or ["0"])[0] or 0) if (qs.get("ngay") or ["0"])[0].isdigit() else 0
        base = target.split("&ngay=")[0]
        sep = "&" if "?" in base else "?"
        cal = f'<div class="Calendar"><a href="{base}{sep}ngay={day + 1}">Ngày sau</a></div>'
        return html.replace("</form>", cal + "</form>", 1)

    def _gzip_bomb(self) -> bytes:
        with self._lock:
            if self._bomb is None:
                self._bomb = gzip.compress(b"\0" * BOMB_SIZE, compresslevel=9)
            return self._bomb

    # -- transport faults (called by the HTTP handler) -------------------------------------

    def send(self, handler, method: str, resp: Response) -> bool:
        """Write ``resp`` the faulty way; True if done (the handler must not write it)."""
        fault = getattr(resp, "fault", None)
        if fault not in TRANSPORT:
            return False
        handler.close_connection = True
        conn = handler.connection
        try:
            if fault == "slow":
                time.sleep(self.slow_seconds)
                return False  # then answer normally (the client has usually given up)
            if fault == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return True
            body = resp.body
            size = HUGE_SIZE if fault == "huge" else len(body)
            handler.send_response(resp.status)
            handler.send_header("Content-Type", resp.content_type)
            handler.send_header("Content-Length", str(size))
            handler.send_header("Connection", "close")
            handler.end_headers()
            if method == "HEAD":
                return True
            if fault == "truncated":
                handler.wfile.write(body[: len(body) // 2])
                handler.wfile.flush()
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return True
            chunk = (b"<!-- padding " + b"x" * 1000 + b" -->\n") * 64
            handler.wfile.write(body)
            sent = len(body)
            while sent < size:
                piece = chunk[: size - sent]
                handler.wfile.write(piece)
                sent += len(piece)
            return True
        except OSError:
            return True  # the client went away: that is the point of most of these


def _pager_target(html: str) -> str:
    m = re.search(r"__doPostBack\('([^']+)','Page\$", html)
    return m.group(1) if m else PAGER_TARGET
