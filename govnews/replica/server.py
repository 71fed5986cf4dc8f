"""The replica portal server: a real HTTP server on loopback, stdlib only.

Routes (any ``Host`` serves the site that ``sites.site_for_host`` maps it to; Châu Thành for now):

* ``GET /``, ``/Default.aspx?sname=…&sid=…`` (also ``/mDefault.aspx``): home page.
* ``…/Default.aspx?sname=…&sid=…&pageid=369&catid=C``: page 1 of category C.  Pages 2… only via
  an ASP.NET postback: ``POST`` the list URL with ``__EVENTTARGET=PAGER_TARGET``,
  ``__EVENTARGUMENT=Page$N`` and the page's ``__VIEWSTATE``.
* Articles: ``/sname/sid/pageid/catid/id/Cat/Title.aspx`` and ``Default.aspx``/``mDefault.aspx``
  with ``id=``.  Identity is ``(sname, id)``; catid and slugs in the URL do not matter.
* ``…&pageid=P`` for the menu's pageids (and 500, "Liên hệ"): a simple "other" page.
* ``/robots.txt``; ``/Admin/…`` and ``/Search/…`` → 403; static files under ``/Portals``,
  ``/Upload``, ``/js`` → tiny valid bodies.  Anything else → 404 page with the portal shell.

View state policy (like ASP.NET): a POST *without* ``__VIEWSTATE`` is not a postback and gets the
same page as a GET (page 1 of a list).  A POST whose ``__VIEWSTATE`` is garbage, forged, or belongs
to another page (e.g. another category) gets **HTTP 500** "Validation of viewstate MAC failed"
(ASP.NET yellow-screen page, no shell).  ``Page$N`` beyond the last page is clamped.

Pages are rendered once per (site version, host, route) and cached (bounded LRU); every request
is appended to a thread-safe in-memory log (``ReplicaServer.requests``); nothing is written to
stderr.
"""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from govnews.replica import admin, render
from govnews.replica.content import PAGE_SIZE, SiteContent, build_site_content
from govnews.replica.platforms import platform_site
from govnews.replica.render import Article, Category, SiteInfo
from govnews.replica.sites import serves_host, site_for_host

CACHE_SIZE = 4096

ROBOTS = "User-agent: *\nDisallow: /Admin/\nDisallow: /Search/\n"

ARTICLE_PATH = re.compile(
    r"^/(?P<sname>[^/]+)/(?P<sid>\d+)/(?P<pageid>\d+)/(?P<catid>\d+)/(?P<id>\d+)/[^/]+/[^/]+\.aspx$",
    re.IGNORECASE,
)

# tiny valid bodies for static files
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c19"
    "12130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08"
    "0001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000"
    "02010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
    "2433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768"
    "696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
    "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fb"
    "d3ffd9"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n"
)
STATIC_TYPES = {
    ".css": ("text/css", b"/* vnPortal skin */\nbody{font-family:Arial}\n"),
    ".js": ("application/javascript", b"/* vnPortal script */\n"),
    ".gif": ("image/gif", GIF),
    ".jpg": ("image/jpeg", JPEG),
    ".jpeg": ("image/jpeg", JPEG),
    ".png": ("image/png", PNG),
    ".ico": ("image/x-icon", GIF),
    ".pdf": ("application/pdf", PDF),
}
STATIC_PREFIXES = ("/portals/", "/upload/", "/js/")


class Response:
    __slots__ = ("status", "content_type", "body", "kind", "headers")

    def __init__(self, status: int, content_type: str, body: bytes, kind: str, headers=None):
        self.status = status
        self.content_type = content_type
        self.body = body
        self.kind = kind
        self.headers = headers or {}


def _html(status: int, text: str, kind: str) -> Response:
    return Response(status, "text/html; charset=utf-8", text.encode("utf-8"), kind)


class Portal:
    """Renders one site's pages from its ``SiteContent``; caches them per content version."""

    def __init__(self, content: SiteContent):
        self.content = content
        self._cache: OrderedDict[tuple, Response] = OrderedDict()
        self._cache_version = content.version
        self._lock = threading.Lock()

    # -- cache ---------------------------------------------------------------------------------

    def cached(self, key: tuple, make) -> Response:
        with self._lock:
            if self._cache_version != self.content.version:
                self._cache.clear()
                self._cache_version = self.content.version
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        resp = make()
        with self._lock:
            if self._cache_version == self.content.version:
                self._cache[key] = resp
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return resp

    # -- helpers -------------------------------------------------------------------------------

    @property
    def site(self) -> SiteInfo:
        return self.content.info

    def _cat(self, art: Article) -> Category:
        return self.content.cat_by_id.get(art.catid) or Category(art.catid, "Tin tức", "Tin-tuc")

    def _hot(self) -> list[tuple[Category, Article]]:
        return [(self._cat(a), a) for a in self.content.hot()]

    def _href(self, art: Article, mobile: bool) -> str:
        """List/home link to an article: mostly the path form, every 5th id the query form."""
        cat = self._cat(art)
        if mobile:
            return render.article_query(self.site, cat, art, "mDefault.aspx")
        if art.article_id % 5 == 0:
            return render.article_query(self.site, cat, art)
        return render.article_path(self.site, cat, art)

    def _page(self, title, main, *, action, state, mobile, base, canonical=None) -> str:
        return render.page(
            self.site, title, main, self._hot(), form_action=action, state=state,
            mobile=mobile, base=base, canonical=canonical,
        )

    # -- pages ---------------------------------------------------------------------------------

    def home(self, base: str, mobile: bool) -> Response:
        def make():
            site, aspx = self.site, ("mDefault.aspx" if mobile else "Default.aspx")
            latest = [(self._cat(a), a) for a in self.content.articles[:PAGE_SIZE]]
            blocks = [(c, self.content.by_category.get(c.catid, [])[:3]) for c in site.categories]
            main = render.home_main(
                site, latest, blocks, lambda c, a: self._href(a, mobile), page=aspx
            )
            url = render.home_url(site, aspx)
            title = f"Trang thông tin điện tử {site.name}"
            return _html(200, self._page(title, main, action=url, state=f"home|{site.sname}",
                                         mobile=mobile, base=base, canonical=url), "home")

        return self.cached(("home", base, mobile), make)

    def list_state(self, catid: int, page_no: int) -> str:
        return f"list|{self.site.sname}|{catid}|{page_no}"

    def category(self, catid: int, page_no: int, base: str, mobile: bool) -> Response:
        cat = self.content.cat_by_id.get(catid)
        if cat is None:
            return self.not_found(base, mobile)
        page_count = self.content.page_count(catid)
        page_no = min(max(page_no, 1), page_count)

        def make():
            aspx = "mDefault.aspx" if mobile else "Default.aspx"
            items = self.content.list_page(catid, page_no)
            main = render.list_main(
                self.site, cat, items, page_no, page_count, href=lambda a: self._href(a, mobile)
            )
            url = render.category_url(self.site, cat, aspx)
            title = f"{cat.name} - {self.site.name}"
            return _html(200, self._page(title, main, action=url,
                                         state=self.list_state(catid, page_no), mobile=mobile,
                                         base=base, canonical=url), "list")

        return self.cached(("list", catid, page_no, base, mobile), make)

    def article(self, article_id: int, base: str, mobile: bool) -> Response:
        art = self.content.by_id.get(article_id)
        if art is None:
            return self.not_found(base, mobile)

        def make():
            cat = self._cat(art)
            aspx = "mDefault.aspx" if mobile else "Default.aspx"
            # "Các tin khác": the newest of the same category, so that older list pages stay
            # reachable only through the postback pager
            others = [a for a in self.content.by_category.get(cat.catid, [])[:6] if a is not art][:5]
            main = render.article_main(self.site, cat, art, others, href=lambda a: self._href(a, mobile))
            if mobile:
                url = render.article_query(self.site, cat, art, aspx)
            else:
                url = render.article_path(self.site, cat, art)
            return _html(200, self._page(art.title, main, action=url,
                                         state=f"article|{self.site.sname}|{art.article_id}",
                                         mobile=mobile, base=base, canonical=url), "article")

        return self.cached(("article", article_id, base, mobile), make)

    def other(self, pageid: int, base: str, mobile: bool) -> Response:
        label = render.MENU_PAGES.get(pageid)
        if label is None:
            return self.not_found(base, mobile)

        def make():
            site = self.site
            if pageid == 500:
                paras = [f"Cơ quan chủ quản: {site.agency}", f"Địa chỉ: {site.address}", site.phones_line]
            else:
                paras = [
                    f"Nội dung trang “{label}” của Trang thông tin điện tử {site.name} đang được cập nhật.",
                    "Mọi ý kiến đóng góp xin gửi về Văn phòng HĐND và UBND huyện.",
                ]
            aspx = "mDefault.aspx" if mobile else "Default.aspx"
            url = f"/{aspx}?sname={site.sname}&sid={site.sid}&pageid={pageid}"
            return _html(200, self._page(f"{label} - {site.name}", render.other_main(label, paras),
                                         action=url, state=f"page|{site.sname}|{pageid}",
                                         mobile=mobile, base=base), "other")

        return self.cached(("other", pageid, base, mobile), make)

    def not_found(self, base: str, mobile: bool) -> Response:
        def make():
            main = render.other_main(
                "Không tìm thấy trang",
                ["Trang bạn yêu cầu không tồn tại hoặc đã bị gỡ bỏ.", "Xin vui lòng quay lại trang chủ."],
            )
            url = render.home_url(self.site)
            return _html(404, self._page(f"Không tìm thấy trang - {self.site.name}", main, action=url,
                                         state=f"notfound|{self.site.sname}", mobile=mobile,
                                         base=base), "notfound")

        return self.cached(("404", base, mobile), make)


def viewstate_error() -> Response:
    return _html(
        500,
        render.aspnet_error(
            "Validation of viewstate MAC failed.",
            "If this application is hosted by a Web Farm or cluster, ensure that <machineKey> "
            "configuration specifies the same validationKey and validation algorithm.",
        ),
        "error",
    )


def _first(qs: dict, key: str) -> str | None:
    for k, v in qs.items():
        if k.lower() == key:
            return v[0] if v else None
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


class Replica:
    """All replica sites and the routing; independent of the HTTP plumbing (easy to test)."""

    def __init__(self, articles: int | None = None):
        self.articles = articles
        self._portals: dict[str, Portal] = {}
        self._lock = threading.Lock()
        self.admin = admin.AdminState()  # run-time redirect / refuse overrides (issue 6)

    def portal(self, info: SiteInfo) -> Portal:
        with self._lock:
            p = self._portals.get(info.site_id)
            if p is None:
                p = Portal(build_site_content(info, self.articles))
                self._portals[info.site_id] = p
            return p

    def handle(self, method: str, host: str, target: str, form: dict | None = None) -> Response:
        other = platform_site(host)  # Liferay / WordPress / generic replica sites (issue 7)
        if other is not None:
            return Response(*other.handle(method, target))
        if not serves_host(host):
            # A portal host this replica does not model (e.g. cantho.gov.vn): say so rather
            # than answer with another portal's pages, which would be archived under it.
            return Response(421, "text/html; charset=utf-8",
                            f"<html><body><h1>421 Misdirected Request</h1><p>The replica does "
                            f"not serve {html.escape(host)}.</p></body></html>".encode(),
                            "misdirected")
        info = site_for_host(host)
        portal = self.portal(info)
        overridden = admin.intercept(self, info, target)  # living replica: redirect / refuse
        if overridden is not None:
            return overridden
        if portal.content.down:
            return Response(503, "text/html; charset=utf-8",
                            b"<html><body><h1>Service Unavailable</h1></body></html>", "down")
        base = f"https://{host or info.host}"
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        low = path.lower()
        qs = parse_qs(parts.query, keep_blank_values=True)

        if low == "/robots.txt":
            return Response(200, "text/plain; charset=utf-8", ROBOTS.encode(), "robots")
        if low.startswith(("/admin/", "/search/")) or low in ("/admin", "/search"):
            return Response(403, "text/html; charset=utf-8",
                            b"<html><body><h1>403 - Forbidden: Access is denied.</h1></body></html>",
                            "forbidden")
        if low.startswith(STATIC_PREFIXES) or low == "/favicon.ico":
            ext = "." + low.rsplit(".", 1)[-1] if "." in low.rsplit("/", 1)[-1] else ""
            ctype, body = STATIC_TYPES.get(ext, ("application/octet-stream", b"\0"))
            return Response(200, ctype, body, "static", {"Cache-Control": "public, max-age=86400"})

        m = ARTICLE_PATH.match(path)
        if m:
            if m["sname"].lower() != info.sname.lower():
                return portal.not_found(base, False)
            return self._post_check(portal, form, None, base, False) or portal.article(
                int(m["id"]), base, False
            )

        if low in ("/", "/default.aspx", "/mdefault.aspx"):
            mobile = low == "/mdefault.aspx"
            sname = _first(qs, "sname")
            if sname is not None and sname.lower() != info.sname.lower():
                return portal.not_found(base, mobile)
            art_id = _int(_first(qs, "id"))
            catid = _int(_first(qs, "catid"))
            pageid = _int(_first(qs, "pageid"))
            if _first(qs, "id") is not None:
                if art_id is None:
                    return portal.not_found(base, mobile)
                return self._post_check(portal, form, None, base, mobile) or portal.article(
                    art_id, base, mobile
                )
            if catid is not None:
                page_no = 1
                if form is not None:
                    checked = self._post_check(portal, form, catid, base, mobile)
                    if isinstance(checked, Response):
                        return checked
                    page_no = checked or 1
                return portal.category(catid, page_no, base, mobile)
            if pageid is not None and pageid != info.pageid:
                return self._post_check(portal, form, None, base, mobile) or portal.other(
                    pageid, base, mobile
                )
            if _first(qs, "catid") is not None:  # catid= present but not a number
                return portal.not_found(base, mobile)
            return self._post_check(portal, form, None, base, mobile) or portal.home(base, mobile)

        return portal.not_found(base, False)

    def _post_check(self, portal: Portal, form: dict | None, catid: int | None, base, mobile):
        """For a POST: a Response (500) if the view state is bad, else the page number asked
        for (lists) or None.  GETs and POSTs without ``__VIEWSTATE`` give None."""
        if form is None or not form.get("__VIEWSTATE"):
            return None
        state = render.parse_viewstate(form["__VIEWSTATE"])
        if state is None:
            return viewstate_error()
        if catid is None:
            return None  # a postback on a non-list page just re-renders it
        fields = state.split("|")
        if len(fields) != 4 or fields[0] != "list" or fields[1] != portal.site.sname or fields[2] != str(catid):
            return viewstate_error()
        page_no = _int(fields[3]) or 1
        if form.get("__EVENTTARGET") == render.PAGER_TARGET:
            arg = form.get("__EVENTARGUMENT") or ""
            if arg.startswith("Page$"):
                n = arg[5:]
                count = portal.content.page_count(catid)
                page_no = {"First": 1, "Last": count, "Next": page_no + 1, "Prev": page_no - 1}.get(
                    n, _int(n) or page_no
                )
        return page_no


class _Handler(BaseHTTPRequestHandler):
    server_version = "Microsoft-IIS/8.5"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are dropped after this

    def log_message(self, format, *args):  # noqa: A002 - quiet: the log is in memory
        pass

    def setup(self):
        super().setup()
        self.server.owner._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, False)

    def _serve(self, method: str) -> None:
        owner = self.server.owner
        host = self.headers.get("Host", "")
        form = None
        if method == "POST" and admin.is_admin_request(host, self.path):  # living replica
            length = _int(self.headers.get("Content-Length")) or 0
            resp = admin.handle_admin(owner.replica, self.path, self.rfile.read(length))
            owner._log(method, host, self.path, resp.status, resp.kind)
            self._send(resp, method)
            return
        if method == "POST":
            length = _int(self.headers.get("Content-Length")) or 0
            raw = self.rfile.read(length) if length > 0 else b""
            parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            form = {k: v[0] for k, v in parsed.items()}
        try:
            resp = owner.replica.handle(method, host, self.path, form)
        except Exception as e:  # noqa: BLE001 - a server error page, never a traceback
            owner._errors.append(repr(e))
            resp = _html(500, render.aspnet_error("Runtime Error", str(e)), "error")
        faults = owner.faults  # govnews.replica.faults.FaultInjector or None
        if faults is not None:
            resp = faults.apply(method, host, self.path, form, resp)
        owner._log(method, host, self.path, resp.status, resp.kind, getattr(resp, "fault", None))
        if resp.kind == "refused":  # living replica: a dead host, the connection just closes
            self.close_connection = True
            return
        if faults is not None and faults.send(self, method, resp):
            return
        self._send(resp, method)

    def _send(self, resp: Response, method: str) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("X-AspNet-Version", "4.0.30319")
        self.send_header("X-Powered-By", "ASP.NET")
        for k, v in resp.headers.items():
            self.send_header(k, v)
        if "Cache-Control" not in resp.headers:
            self.send_header("Cache-Control", "private")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(resp.body)

    def do_GET(self):  # noqa: N802
        self._serve("GET")

    def do_HEAD(self):  # noqa: N802
        self._serve("HEAD")

    def do_POST(self):  # noqa: N802
        self._serve("POST")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # quick restarts on the same port; a live listener still conflicts

    def server_bind(self):
        # HTTPServer.server_bind calls socket.getfqdn(), which can stall without DNS
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = port

    def handle_error(self, request, client_address):
        pass  # client went away (broken pipe, reset): nothing to report on stderr


class ReplicaServer:
    """The replica portals on a loopback port.

    >>> with ReplicaServer() as srv:          # port 0: a free port
    ...     urllib.request.urlopen(srv.url + "/robots.txt")
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, articles: int | None = None,
                 faults=None):
        self.host = host
        self.port = port
        self.replica = Replica(articles)
        self.faults = faults  # a govnews.replica.faults.FaultInjector: inject failures
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log_lock = threading.Lock()
        self._log_entries: list[dict] = []
        self._errors: list[str] = []
        self._conns: set = set()

    # -- content ---------------------------------------------------------------------------

    @property
    def content(self) -> SiteContent:
        """The default site's (Châu Thành) content: articles, categories, variants."""
        return self.replica.portal(site_for_host("")).content

    def site_content(self, host: str) -> SiteContent:
        return self.replica.portal(site_for_host(host)).content

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ReplicaServer:
        if self._httpd is not None:
            return self
        self.content  # noqa: B018 - build the default site before serving
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"replica-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with self._log_lock:
            conns = list(self._conns)
        for c in conns:  # drop idle keep-alive connections
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    # -- request log -----------------------------------------------------------------------

    def _track(self, conn, add: bool) -> None:
        with self._log_lock:
            (self._conns.add if add else self._conns.discard)(conn)

    def _log(self, method: str, host: str, path: str, status: int, kind: str,
             fault: str | None = None) -> None:
        entry = {"method": method, "host": host, "path": path, "status": status,
                 "kind": kind, "time": time.time(), "fault": fault}
        with self._log_lock:
            self._log_entries.append(entry)

    @property
    def requests(self) -> list[dict]:
        """A copy of the request log: dicts with method, host, path, status, kind, time.

        ``kind`` is one of home, list, article, other, notfound, robots, static, forbidden,
        error, down.
        """
        with self._log_lock:
            return list(self._log_entries)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log_entries.clear()


def serve_forever(host: str = "127.0.0.1", port: int = 8088, articles: int | None = None,
                  on_ready=None, faults=None) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop cleanly.  ``on_ready(server)`` runs once listening."""
    import signal

    stop = threading.Event()
    server = ReplicaServer(host, port, articles, faults=faults).start()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        if on_ready is not None:
            on_ready(server)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        for sig, h in previous.items():
            signal.signal(sig, h)
