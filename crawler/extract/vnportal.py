"""VNPT vnPortal extractor (ASP.NET ``Default.aspx`` / ``mDefault.aspx`` district portals).

Selectors live in ``vnportal_selectors.json`` (loaded once).  When they miss, heuristics take
over:

* **noise** — elements matched by the ``noise`` selectors, elements whose class/id words hit
  ``noise_tokens`` (menu, footer, counter, poll, hot, …) and the module around a
  ``noise_headings`` text (``TIN NỔI BẬT``, ``SỐ LƯỢT TRUY CẬP``, ``Bình Chọn``…) are never
  taken as article content;
* **body** — the first ``content`` selector match outside noise and not wrapping noise, else
  the element holding the most paragraph text (``<p>`` or ``<br>``-separated text, link text
  discounted, footer/counter lines ignored), readability-style;
* **title / date / lead / view count** — searched in the ancestors of the body, nearest first;
  dates and view counts also by label text;
* **caption / signature / lead** — the short centred or italic paragraph after an image is its
  caption; a short right-aligned/bold/``Tin, ảnh:`` last paragraph is the author; a long
  all-bold first paragraph is the lead when no lead element exists;
* **contact / counter** — footer/counter selectors, else the smallest element around the
  label texts anywhere in the page; values parsed by :mod:`crawler.extract.vietnamese`.

Speed (``govnews reextract`` runs this on every stored page; bench/reextract.py): the parser
gets UTF-8 bytes (the fetched body itself when it already is the NFC text) with the ASP.NET
state values held out; one :class:`Index` pass over the tree replaces the document-wide XPaths
(class/id/tag lookups, heading texts, text lengths).  Every shortcut keeps the result of the
call it replaces: tests/test_extract_fastpaths.py compares each with it.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

from cssselect import GenericTranslator
from lxml import etree
from lxml import html as lhtml
from lxml.html import defs as ldefs

from crawler.extract import vietnamese as vn

# ------------------------------------------------------------------------------- selectors

_SEL_FILE = Path(__file__).with_name("vnportal_selectors.json")


_SIMPLE = re.compile(
    r"(?P<tag>[a-zA-Z][\w]*)?(?P<rest>(?:[.#][\w\-]+|\[[\w:\-]+(?:[$*^]?=['\"][^'\"]*['\"])?\])*)"
)
_PART = re.compile(r"([.#])([\w\-]+)|\[([\w:\-]+)(?:([$*^]?=)['\"]([^'\"]*)['\"])?\]")


class Simple:
    """A compound CSS selector (``tag.cls#id[attr$='v']``) matched in Python."""

    __slots__ = ("tag", "classes", "id", "attrs", "single")

    def __init__(self, css: str):
        m = _SIMPLE.fullmatch(css)
        if not m or not css:
            raise ValueError(css)
        self.tag = m["tag"].lower() if m["tag"] else None
        self.classes, self.id, self.attrs = [], None, []
        for dot, name, attr, op, val in _PART.findall(m["rest"] or ""):
            if dot == ".":
                self.classes.append(name)
            elif dot == "#":
                self.id = name
            else:
                self.attrs.append((attr, op, val))
        # one condition only: the index's candidates for it are exactly the matches
        self.single = (self.tag is not None) + len(self.classes) + (self.id is not None) + len(
            self.attrs) == 1

    def match(self, el) -> bool:
        if self.tag and el.tag != self.tag:
            return False
        if self.id and el.get("id") != self.id:
            return False
        if self.classes:
            cls = (el.get("class") or "").split()
            if any(c not in cls for c in self.classes):
                return False
        for attr, op, val in self.attrs:
            v = el.get(attr)
            if v is None:
                return False
            if (op == "=" and v != val) or (op == "$=" and not v.endswith(val)) or (
                op == "*=" and val not in v) or (op == "^=" and not v.startswith(val)):
                return False
        return True


# constant XPaths, compiled once (``el.xpath(str)`` compiles its expression on every call)
_XP_ATTRD = etree.XPath("//*[@class or @id]")
_XP_HAS_BR = etree.XPath("//*[br]")
_XP_OG_TITLE = etree.XPath("//meta[@property='og:title']/@content")
_XP_CURRENT = etree.XPath(
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' CurrentPage ') or "
    "contains(@class, 'current') or contains(@class, 'active')]")
_XP_POSTBACK_LINKS = etree.XPath("//a[contains(@href, '__doPostBack')]")
_XP_COLON_TEXTS = etree.XPath("//text()[contains(., ':')]")
_XP_TEXTS = etree.XPath("//text()")


class Selector:
    """``A``, ``A > B`` or ``A B`` of :class:`Simple` parts, with an XPath for the rest."""

    def __init__(self, css: str, xpath):
        self.css, self.xpath, self.parts = css, xpath, None
        #: every :class:`Simple` part of a longer selector: when one of them matches nothing
        #: in the page, neither does the selector (no XPath run needed)
        self.needs: tuple = ()
        toks = re.split(r"\s*(>)\s*|\s+", css.strip())
        toks = [t for t in toks if t]
        try:
            parts, comb = [], " "
            for t in toks:
                if t == ">":
                    comb = ">"
                    continue
                parts.append((comb, Simple(t)))
                comb = " "
            self.parts = parts if 1 <= len(parts) <= 2 else None
            if len(parts) > 2:
                self.needs = tuple(part for _, part in parts if part.id or part.classes or part.tag)
        except ValueError:
            self.parts = None

    def __call__(self, scope, index=None):
        if index is None:
            return self.xpath(scope)
        if self.parts is None:
            if any(not index.candidates(part) for part in self.needs):
                return []
            return self.xpath(scope)
        if scope is index.root:
            return index.matches(self)  # computed once per page (callers never mutate it)
        if len(self.parts) != 1:
            return self.xpath(scope)
        # a sub-tree query: the document-wide matches under scope
        return [el for el in index.matches(self) if el is scope or _under(el, scope)]

    def root_matches(self, index):
        """Matches in the whole document of ``index``, through its lookup tables."""
        (_, a), rest = self.parts[0], self.parts[1:]
        firsts = index.candidates(a)
        if firsts is None:
            return self.xpath(index.root)
        if not rest:
            return firsts
        comb, b = rest[0]
        out = []
        for el in firsts:
            it = el.iterchildren() if comb == ">" else el.iterdescendants()
            out.extend(x for x in it if isinstance(x.tag, str) and b.match(x))
        return out


#: attributes whose values the index pass records: those that selectors use on their own
#: (``[itemprop='datePublished']``; an XPath for it costs as much as the whole pass)
_SCAN_ATTRS = ("itemprop",)


@cache
def _index_tags() -> frozenset:
    """Tags that selectors look up by tag alone (``h1``, ``meta[name='date']``…): the index
    pass lists their elements, a query then costs no walk of the tree."""
    return frozenset(
        part.tag for sels in selectors().values() if isinstance(sels, list)
        for sel in sels for part in (*(p for _, p in sel.parts or ()), *sel.needs)
        if part.tag and not part.id and not part.classes)


class Index:
    """Per-document lookup tables so that root-level selectors cost one pass.

    The same pass (one ``root.iter()``, no XPath) collects what noise detection needs: the
    short text nodes (heading candidates, with the element that owns each as text or tail)
    and the length of the page's text."""

    def __init__(self, root):
        self.root = root
        self.by_class: dict = {}
        self.by_id: dict = {}
        self.by_tag: dict = {}
        self.by_attr: dict = {}  # (attribute in _SCAN_ATTRS, value) -> elements
        self.attrd: list = []  # elements with a class or id attribute, in document order
        self.attr_words: list[str] = []  # "class id" of each of them
        self.classes: list = []  # class attribute (or None) of each of them
        self._pos: dict | None = None
        self._by_class_attr: dict | None = None
        self.cache: dict = {}
        self.tlen: dict = {}
        #: ``(text, owner)`` of the text nodes of 5-79 characters (as
        #: ``//text()[string-length(.) < 80 and string-length(.) > 4]`` and ``getparent()``)
        #: that are noise module headings (``TIN NỔI BẬT``…)
        self.short_texts: list = []
        short = self.short_texts
        attrd, words, classes = self.attrd, self.attr_words, self.classes
        by_class, by_id, by_tag, by_attr = self.by_class, self.by_id, self.by_tag, self.by_attr
        scan_attrs = _SCAN_ATTRS
        tags = _index_tags()
        heads = selectors()["noise_headings"]
        total = 0
        #: every node -> the length of the page's text read (in this pass's order: each node's
        #: text, then its tail) before it; gives any element's text length (:meth:`text_len`)
        self.before = before = {}
        for el in root.iter():
            before[el] = total
            tag = el.tag
            if tag.__class__ is str:  # an element (not a comment / PI)
                if tag in tags:
                    got = by_tag.get(tag)
                    if got is None:
                        by_tag[tag] = [el]
                    else:
                        got.append(el)
                names = el.keys()
                if names:
                    c = el.get("class") if "class" in names else None
                    i = el.get("id") if "id" in names else None
                    if c is not None or i is not None:
                        attrd.append(el)
                        classes.append(c)
                        words.append(f"{c or ''} {i or ''}")
                        if c:
                            for t in c.split():
                                got = by_class.get(t)
                                if got is None:
                                    by_class[t] = [el]
                                else:
                                    got.append(el)
                        if i:
                            got = by_id.get(i)
                            if got is None:
                                by_id[i] = [el]
                            else:
                                got.append(el)
                    for a in scan_attrs:
                        if a in names:
                            by_attr.setdefault((a, el.get(a)), []).append(el)
                t = el.text
                if t is not None:
                    n = len(t)
                    total += n
                    if 4 < n < 80 and _is_heading(t, heads):
                        short.append((t, el))
            t = el.tail
            if t is not None and el is not root:
                n = len(t)
                total += n
                if 4 < n < 80 and _is_heading(t, heads):
                    short.append((t, _text_owner(el)))
        #: ``len(root.text_content())``
        self.text_total = total

    @property
    def pos(self) -> dict:
        """Element -> its place among :attr:`attrd` (built when first needed)."""
        if self._pos is None:
            self._pos = {el: n for n, el in enumerate(self.attrd)}
        return self._pos

    @property
    def by_class_attr(self) -> dict:
        """The whole class attribute -> elements (built when first needed)."""
        if self._by_class_attr is None:
            got: dict = {}
            for el, c in zip(self.attrd, self.classes, strict=True):
                if c:
                    got.setdefault(c, []).append(el)
            self._by_class_attr = got
        return self._by_class_attr

    def matches(self, sel: Selector) -> list:
        """Document-wide matches of a selector, cached for the page."""
        got = self.cache.get(sel)
        if got is None:
            got = self.cache[sel] = sel.root_matches(self)
        return got

    def text_len(self, el) -> int:
        """``len(el.text_content())``, without building the text: the pass counted every text
        and tail, in document order but for each tail, which comes right after its node's own
        text: the text inside ``el`` is what was counted from ``el`` to the node after its
        subtree, less ``el``'s tail."""
        n = self.tlen.get(el)
        if n is None:
            before = self.before
            start = before.get(el)
            if start is None or el.tag.__class__ is not str:  # not from this pass: as before
                n = self.tlen[el] = len(_text_content(el))
                return n
            end = self.text_total
            node = el
            while node is not None:
                nxt = node.getnext()
                if nxt is not None:
                    end = before.get(nxt, end)  # (a sibling of the root: the end)
                    break
                node = node.getparent()
            tail = el.tail
            n = self.tlen[el] = end - start - (len(tail) if tail is not None and el is not
                                                self.root else 0)
        return n

    def candidates(self, s: Simple) -> list | None:
        """Elements matching ``s`` in document order; None when lxml's XPath is cheaper."""
        if s.id:
            pool = self.by_id.get(s.id, [])
        elif s.classes:
            pool = self.by_class.get(s.classes[0], [])
        elif s.tag:
            if s.tag in _index_tags():
                pool = self.by_tag.get(s.tag, [])  # == list(self.root.iter(s.tag))
            else:
                pool = list(self.root.iter(s.tag))
        elif s.attrs and s.attrs[0][0] in ("id", "class") and s.attrs[0][1]:
            # ``[id$='lblContent']``: test each distinct attribute value once, not each element
            attr, op, val = s.attrs[0]
            groups = self.by_id if attr == "id" else self.by_class_attr
            pool = [el for v, els in groups.items() if _attr_op(op, v, val) for el in els]
            if len(pool) > 1:
                pool.sort(key=self.pos.__getitem__)
        elif s.attrs and s.attrs[0][0] in _SCAN_ATTRS and s.attrs[0][1] == "=":
            # ``[itemprop='datePublished']``: collected by the index pass
            pool = self.by_attr.get((s.attrs[0][0], s.attrs[0][2]), [])
        else:
            return None  # one C-level scan
        if s.single:
            return pool  # the index's own list (callers never mutate matches)
        return [el for el in pool if isinstance(el.tag, str) and s.match(el)]


def _under(el, anc) -> bool:
    """True when ``anc`` is a proper ancestor of ``el``."""
    for a in el.iterancestors():
        if a is anc:
            return True
    return False


def _attr_op(op: str, v: str, val: str) -> bool:
    return (v == val if op == "=" else v.endswith(val) if op == "$=" else
            val in v if op == "*=" else v.startswith(val))


@cache
def selectors() -> dict:
    """Compiled selectors: key -> list of :class:`Selector` (CSS converted to XPath once)."""
    raw = json.loads(_SEL_FILE.read_text("utf-8"))
    tr = GenericTranslator()
    out: dict = {}
    for key, val in raw.items():
        if key.startswith("_"):
            continue
        if key in ("noise_tokens", "noise_headings"):
            out[key] = frozenset(v.lower() if key == "noise_tokens" else v.upper() for v in val)
            continue
        out[key] = [
            Selector(css, etree.XPath(tr.css_to_xpath(css, prefix="descendant-or-self::")))
            for css in val
        ]
    return out


# ---------------------------------------------------------------------------- URL parsing

_PATH_FORM = re.compile(
    r"^/(?P<sname>[A-Za-z][\w\-]*)/(?P<sid>\d+)/(?P<pageid>\d+)(?:/(?P<catid>\d+))?"
    r"(?:/(?P<id>\d+))?(?:/[^/]*)*?\.aspx$",
    re.I,
)


def _int(v) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def parse_vnportal_url(url: str | None) -> dict | None:
    """``{sname, sid, pageid, catid, article_id}`` from a vnPortal URL, or None.

    Accepts ``/Default.aspx?sname=…&sid=…&pageid=…&catid=…&id=…``, the same on
    ``/mDefault.aspx`` and the path form ``/sname/sid/pageid/catid/id/Cat-Slug/Title.aspx``.
    """
    if not url or not isinstance(url, str):
        return None
    got = _parse_vnportal_url(url)
    return dict(got) if got is not None else None


@lru_cache(maxsize=1 << 15)
def _parse_vnportal_url(url: str) -> dict | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    path = parts.path or "/"
    if re.search(r"/m?default\.aspx$", path, re.I):
        q = {k.lower(): v[0] for k, v in parse_qs(parts.query).items() if v}
        if not q.get("sname"):
            return None
        return {
            "sname": q["sname"], "sid": _int(q.get("sid")), "pageid": _int(q.get("pageid")),
            "catid": _int(q.get("catid")), "article_id": _int(q.get("id")),
        }
    m = _PATH_FORM.match(path)
    if not m:
        return None
    return {
        "sname": m["sname"], "sid": _int(m["sid"]), "pageid": _int(m["pageid"]),
        "catid": _int(m["catid"]), "article_id": _int(m["id"]),
    }


# ------------------------------------------------------------------------------ text walk

BLOCK = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol tr td th table tbody thead tfoot blockquote section "
    "article figure figcaption center dd dt dl pre address aside header footer main form hr "
    "caption nav".split()
)
SKIP = frozenset(
    "script style noscript template input select button option textarea iframe object embed "
    "video audio svg map head title meta link".split()
)
EMPH = frozenset(("strong", "b", "em", "i"))


class Para:
    __slots__ = ("text", "block", "emph", "plain", "img")

    def __init__(self, text, block, emph=0, plain=0, img=None):
        self.text, self.block, self.emph, self.plain, self.img = text, block, emph, plain, img

    @property
    def all_emph(self) -> bool:
        return self.emph > 0 and self.plain == 0


class _Blocks:
    """The walk behind :func:`blocks` (a class, not closures: a recursive closure is a
    reference cycle per call, left for the cyclic garbage collector)."""

    __slots__ = ("out", "parts", "block", "emph", "plain", "skip")

    def __init__(self, root, skip):
        self.out: list[Para] = []
        self.parts: list[str] = []
        self.block, self.emph, self.plain, self.skip = root, 0, 0, skip

    def flush(self) -> None:
        if self.parts:
            text = vn.clean("".join(self.parts))
            if text:
                self.out.append(Para(text, self.block, self.emph, self.plain))
            self.parts = []
            self.emph = self.plain = 0

    def walk(self, el, em: bool) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return
        tag = tag.lower()
        if tag in SKIP or el in self.skip:
            return
        if tag == "br":
            self.flush()
            return
        if tag == "img":
            self.flush()
            self.out.append(Para("", self.block, img=el))
            return
        isblock = tag in BLOCK
        em2 = em or tag in EMPH
        if isblock:
            self.flush()
            prev = self.block
            self.block = el
        s = el.text
        if s:
            self.parts.append(s)
            n = len(s.strip())
            if n:
                if em2:
                    self.emph += n
                else:
                    self.plain += n
        for ch in el:
            self.walk(ch, em2)
            s = ch.tail
            if s:
                self.parts.append(s)
                n = len(s.strip())
                if n:
                    if em2:
                        self.emph += n
                    else:
                        self.plain += n
        if isblock:
            self.flush()
            self.block = prev


def blocks(root, skip=frozenset()) -> list[Para]:
    """Paragraphs of ``root`` in document order; ``<img>`` become their own entries."""
    w = _Blocks(root, skip)
    try:
        w.walk(root, False)
    except RecursionError:
        pass
    w.flush()
    return w.out


def lines_text(root, skip=frozenset()) -> str:
    return "\n".join(p.text for p in blocks(root, skip) if p.text)


# ----------------------------------------------------------------------------- helpers

_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@lru_cache(maxsize=1 << 14)
def _tokens(attr: str) -> frozenset:
    return frozenset(t.lower() for t in _TOKEN.findall(attr)) | frozenset(
        w.lower() for w in re.split(r"[\s_\-]+", attr) if w
    )


def _in(el, group: set) -> bool:
    while el is not None:
        if el in group:
            return True
        el = el.getparent()
    return False


def _inside(el, anc) -> bool:
    while el is not None:
        if el is anc:
            return True
        el = el.getparent()
    return False


def _first(xps, root, ok=lambda el: True, index=None):
    idx = index
    for xp in xps:
        try:
            for el in xp(root, idx):
                if ok(el):
                    return el
        except Exception:  # noqa: BLE001
            continue
    return None


def _text_content(el) -> str:
    """``el.text_content()``: the same string without an XPath context per call."""
    if el.tag.__class__ is str:
        return _tostring(el, method="text", encoding=str, with_tail=False)
    return el.text_content()  # a comment or PI: raises ValueError, as it always did


_tostring = etree.tostring


def _text(el) -> str:
    if el is None:
        return ""
    try:
        return vn.clean(_text_content(el))
    except (ValueError, AttributeError):
        return ""


def _align(p: Para, stop) -> str:
    el = p.block
    for _ in range(4):
        if el is None:
            break
        style = (el.get("style") or "").lower().replace(" ", "")
        if "text-align:right" in style or (el.get("align") or "").lower() == "right":
            return "right"
        if "text-align:center" in style or (el.get("align") or "").lower() == "center" or el.tag == "center":
            return "center"
        cls = (el.get("class") or "").lower()
        if "right" in cls:
            return "right"
        if "center" in cls or "caption" in cls:
            return "center"
        if el is stop:
            break
        el = el.getparent()
    return ""


def _abs(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "data:", "#", "mailto:", "tel:")):
        return None
    if href[0] == "/" and href[1:2] != "/" and "://" in base:
        # a site-absolute link depends only on the page's origin: memoised per origin
        cut = base.find("/", base.index("://") + 3)
        base = base if cut < 0 else base[:cut]
    return _join(base, href)


@lru_cache(maxsize=1 << 15)
def _join(base: str, href: str) -> str | None:
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def _lca(els):
    chains = []
    for el in els:
        chain = [el, *el.iterancestors()]
        chains.append(chain[::-1])
    if not chains:
        return None
    lca = None
    for nodes in zip(*chains, strict=False):
        if all(n is nodes[0] for n in nodes):
            lca = nodes[0]
        else:
            break
    return lca


# ------------------------------------------------------------------------------- patterns

_FILE_EXT = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|zip|rar|7z|odt|ods|rtf|txt)(?:$|[?#])", re.I)
_DOWNLOAD = re.compile(r"download|tai-?ve|getfile|DownloadFile", re.I)
_SIGN_PREFIX = re.compile(
    r"^(?:Tin(?:\s+và\s+ảnh|,\s*ảnh)?|Bài(?:\s+và\s+ảnh|,\s*ảnh)?|Ảnh|Tác giả|Người viết|"
    r"Theo|Bài viết|Nhóm PV|Thực hiện)\s*:\s*", re.I,
)
_NOISE_LINE = re.compile(
    r"^(?:TIN NỔI BẬT|SỐ LƯỢT TRUY CẬP|Bình Chọn|Cơ quan chủ quản|Ghi rõ nguồn|In bài viết|"
    r"Gửi email|Quay lại|Về đầu trang|Bản in|Chia sẻ|Các tin khác|Tin liên quan)\b", re.I,
)
_ATTACH_LINE = re.compile(r"^(?:Tải về|File đính kèm|Tệp đính kèm|Đính kèm|Tải file|Download)\s*:?", re.I)
_CONTACT_LABEL = re.compile(
    r"(?:Cơ quan chủ quản|Cơ quan chịu trách nhiệm|Cơ quan quản lý|Địa chỉ|Điện thoại|Giấy phép|"
    r"Trưởng ban biên tập|Chịu trách nhiệm|Ghi rõ nguồn|Email|Fax)\s*:?", re.I,
)
_COUNTER_LABEL = re.compile(
    r"Đang online|Đang truy cập|Trực tuyến|Hôm nay|Trong tuần|Tuần này|Trong tháng|Tháng này|"
    r"Tất cả|Tổng truy cập|Tổng số lượt|Tổng\s*:|Lượt truy cập|SỐ LƯỢT TRUY CẬP|Thống kê truy cập",
    re.I,
)
_POSTBACK = re.compile(r"__doPostBack\(\s*['\"]([^'\"]*)['\"]\s*,\s*['\"]([^'\"]*)['\"]\s*\)")
_PAGER_TEXT = re.compile(r"^(?:\d+|»|›|>|>>|«|‹|<|<<|\.\.\.|…|Trang sau|Trang trước|Tiếp|Sau|Trước|Next|Prev|Cuối|Đầu|Last|First)$", re.I)


# ------------------------------------------------------------------------------ extractor

def _empty(url: str) -> dict:
    return {
        "url": url, "kind": "other", "title": None, "lead": None, "body_text": None,
        "published_at": None, "author": None, "category": None, "view_count": None,
        "images": [], "attachments": [],
        "contact": {"agency": None, "address": None, "phones": [], "fax": [], "emails": []},
        "visitor_counter": None, "articles": [],
        "body_html": None, "editor": None, "licence": None, "postbacks": [], "next_pages": [],
        "sname": None, "article_id": None,
    }


def _lookup() -> etree.ElementDefaultClassLookup:
    return etree.ElementDefaultClassLookup(
        element=lhtml.HtmlElement, comment=lhtml.HtmlComment,
        pi=lhtml.HtmlProcessingInstruction, entity=lhtml.HtmlEntity)


@cache
def _parser():
    """lxml.html's parser with a C-level element class lookup.

    ``lxml.html``'s default lookup is a Python callback run for every element proxy the
    extractor touches; every vnPortal element only needs the generic :class:`HtmlElement`
    methods (``text_content``, ``drop_tree``, ``make_links_absolute``)."""
    parser = lhtml.HTMLParser()
    parser.set_element_class_lookup(_lookup())
    return parser


@cache
def _utf8_parser():
    """The same parser for UTF-8 bytes: lxml hands a ``str`` with Vietnamese letters to libxml2
    as UTF-16, which libxml2 converts back to UTF-8 first; encoding it in Python is cheaper."""
    parser = lhtml.HTMLParser(encoding="utf-8", collect_ids=False)  # no id() lookups here
    parser.set_element_class_lookup(_lookup())
    return parser


_XML_DECL = re.compile(r"\s*<\?xml[^>]*\?>")
_XML_START = re.compile(r"\s*<\?xml")
# ASP.NET's hidden form state (``__VIEWSTATE``: 8-100 KB of base64 on vnPortal pages): libxml2
# reads attribute values one character at a time, so a long one costs a large part of the parse.
# It is parsed as a short placeholder and its value put back afterwards: the same tree.
_STATE_INPUTS = tuple(
    f'<input type="hidden" name="{name}" id="{name}" value="'.encode()
    for name in ("__VIEWSTATE", "__EVENTVALIDATION"))
_PLACEHOLDER = "govnews-aspnet-state"
_PLACEHOLDER_B = _PLACEHOLDER.encode()
_STATE_MIN = 512


def _hold_states(data: bytes) -> tuple[bytes, list[bytes]]:
    """``data`` with the long ASP.NET state values replaced by the placeholder, and the values
    (in document order).  A value with ``&`` or CR is left alone: the parser would not keep
    it as written (character references, newline normalisation)."""
    if _PLACEHOLDER_B in data:
        return data, []
    cuts = []
    for prefix in _STATE_INPUTS:
        i = data.find(prefix)
        while i >= 0:
            start = i + len(prefix)
            end = data.find(b'"', start)
            if end < 0:
                break
            if (end - start >= _STATE_MIN and data.find(b"&", start, end) < 0
                    and data.find(b"\r", start, end) < 0):
                cuts.append((start, end))
            i = data.find(prefix, end)
    if not cuts:
        return data, []
    cuts.sort()
    parts, values, last = [], [], 0
    for start, end in cuts:
        parts += (data[last:start], _PLACEHOLDER_B)
        values.append(data[start:end])
        last = end
    parts.append(data[last:])
    return b"".join(parts), values


def _parse(text: str, utf8: bytes | None):
    """lxml document of ``text`` (``utf8``: the same text encoded, when the caller has it);
    raises like ``document_fromstring``."""
    if _XML_START.match(text):  # lxml refuses a str with an encoding declaration: keep that
        return lhtml.document_fromstring(text, parser=_parser())
    data = utf8
    if data is None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: lxml's own str handling, as before
            return lhtml.document_fromstring(text, parser=_parser())
    held, values = _hold_states(data)
    if values:
        root = lhtml.document_fromstring(held, parser=_utf8_parser())
        inputs = [el for el in root.iter("input") if el.get("value") == _PLACEHOLDER]
        if len(inputs) == len(values):
            for el, value in zip(inputs, values, strict=True):
                el.set("value", value.decode("utf-8"))
            return root
        # a match was not a real <input> (inside a comment, <textarea>, an attribute…)
    return lhtml.document_fromstring(data, parser=_utf8_parser())


def parse_html(text: str):
    """lxml document for ``text`` or None (empty / unparsable)."""
    return parse_document(text)[0]


_STRIPPED = ("script", "style", "noscript", "template")


def parse_document(text: str, utf8: bytes | None = None) -> tuple:
    """``(root, split_texts)``: :func:`parse_html`'s document, and whether removing the script
    and style elements left text nodes side by side that hold more than whitespace.

    lxml's ``.text``/``.tail`` join such neighbours, XPath's ``text()`` does not; noise
    detection reads the short text nodes through ``.text``/``.tail`` (cheap) unless this
    says the two views differ on this page.  ``utf8``: ``text`` encoded as UTF-8, if known."""
    if not text or text.isspace():
        return None, False
    m = _XML_DECL.match(text)
    if m:
        text, utf8 = text[m.end():], None
    if "\x00" in text:
        text, utf8 = text.replace("\x00", ""), None
    try:
        root = _parse(text, utf8)
    except (etree.ParserError, ValueError, TypeError):
        return None, False
    split = False
    for el in root.iter(_STRIPPED):
        if el.tail is None:
            continue
        # the text run that will join around el: el's tail, the tails of stripped siblings
        # before it, and the text before those
        pieces = [el.tail]
        prev = el.getprevious()
        while prev is not None and prev.tag in _STRIPPED:
            if prev.tail is not None:
                pieces.append(prev.tail)
            prev = prev.getprevious()
        before = el.getparent().text if prev is None else prev.tail
        if before is not None:
            pieces.append(before)
        if len(pieces) > 1 and not all(t and t.isspace() for t in pieces):
            split = True
            break
    etree.strip_elements(root, *_STRIPPED, with_tail=False)
    return root, split


_LIST_CLASSES = ("ArticleList", "ArticleOfCat")
# compiled once: ``el.xpath(str)`` compiles its expression on every call
_SHORT_TEXTS = etree.XPath("//text()[string-length(.) < 80 and string-length(.) > 4]")
_XML_SPACE = re.compile("[ \t\r\n]+")  # XPath's whitespace, as normalize-space() sees it
_HAS_LONG_P = etree.XPath("boolean(.//p[string-length(normalize-space(.)) > 300])")


def _outermost(els: set) -> list:
    """The elements of ``els`` with no ancestor in ``els`` (each ancestor looked at once)."""
    within: dict = {}  # element -> it or an ancestor is in els

    def covered(el) -> bool:
        path = []
        while el is not None:
            got = within.get(el)
            if got is not None:
                break
            if el in els:
                got = True
                break
            path.append(el)
            el = el.getparent()
        else:
            got = False
        for p in path:
            within[p] = got
        return got

    return [el for el in els if not covered(el.getparent())]


@lru_cache(maxsize=1 << 14)
def _noise_attr(attr: str, toks: frozenset) -> bool:
    """``class id`` words hit a noise token (``menu``, ``footer``…)."""
    return bool(_tokens(attr) & toks)


@lru_cache(maxsize=1 << 14)
def _text_owner(el):
    """The element a heading text belongs to: a text that follows a comment or processing
    instruction (its tail) belongs to the element holding it (a comment has no text length)."""
    while el is not None and el.tag.__class__ is not str:
        el = el.getparent()
    return el


def _is_heading(t: str, heads: frozenset) -> bool:
    """``t`` is a noise module heading (``TIN NỔI BẬT``); the same sidebar strings recur on
    every page of a site, hence the cache."""
    return vn.clean(t).rstrip(":").upper() in heads


class _Page:
    def __init__(self, root, url: str, split_texts: bool = True):
        self.root, self.url, self.sel = root, url, selectors()
        self.split_texts = split_texts
        self.index = Index(root)
        self.noise: set = set()
        self._compute_noise()
        self.noise_anc: set = set()  # ancestors of noise elements
        anc = self.noise_anc
        for el in self.noise:
            el = el.getparent()
            while el is not None and el not in anc:  # the rest of the way is in already
                anc.add(el)
                el = el.getparent()

    def ok(self, el) -> bool:
        return not _in(el, self.noise)

    def _compute_noise(self):
        root, sel = self.root, self.sel
        cand = []
        for xp in sel["noise"]:
            cand.extend(xp(root, self.index))
        toks = sel["noise_tokens"]
        for el, attr in zip(self.index.attrd, self.index.attr_words, strict=True):
            if _noise_attr(attr, toks):
                cand.append(el)
        heads = sel["noise_headings"]
        content = None
        if self.split_texts:  # text nodes that lxml's .text/.tail join: ask libxml2
            short = [(str(t), _text_owner(t.getparent())) for t in _SHORT_TEXTS(root)]
        else:
            short = self.index.short_texts
        for t, el in short:
            if not _is_heading(t, heads):
                continue
            if el is None:
                continue
            if content is None:
                # the main column's body or article list: a heading module never swallows
                # it (a one-item ``ul.ArticleList`` makes the column short enough to climb into)
                content = [c for xp in sel["content"] for c in xp(root, self.index)]
                content += self._list_marks()
            cur = self.index.text_len(el)
            for _ in range(4):
                par = el.getparent()
                if par is None or par.tag in ("body", "html", "form"):
                    break
                plen = self.index.text_len(par)
                # a module is its heading plus a short list; stop before the column/page
                if plen > 2500 or plen > max(600, 3 * cur) or any(_inside(c, par) for c in content):
                    break
                # (a <p> of more than 300 characters needs a parent of more than 300)
                if plen > 300 and self._has_long_p(par):
                    break
                el, cur = par, plen
            cand.append(el)
        total = self.index.text_total or 1
        cs = {el for el in cand if el.tag not in ("html", "body", "form")}
        while total > 2000:  # a page-wide wrapper whose name happens to contain "menu" is not noise
            top = _outermost(cs)
            bad = {el for el in top if self.index.text_len(el) > 0.6 * total}
            if not bad:
                break
            cs -= bad
        self.noise = cs

    def _has_long_p(self, el) -> bool:
        """``_HAS_LONG_P(el)``: a ``<p>`` inside ``el`` whose normalize-space() text is longer
        than 300 characters (its raw text is at least as long: only those are measured)."""
        for p in el.iter("p"):
            if p is el or self.index.text_len(p) <= 300:
                continue
            if len(_XML_SPACE.sub(" ", _text_content(p)).strip(" ")) > 300:
                return True
        return False

    def _list_marks(self) -> list:
        """Items of ``ul.ArticleList`` / ``ul.ArticleOfCat``: a list even with one item."""
        out = []
        for cls in _LIST_CLASSES:
            for ul in self.index.by_class.get(cls, ()):
                if ul.tag == "ul":
                    out.extend(li for li in ul.iterchildren("li"))
        return out

    # -- list items
    def list_items(self):
        sel = self.sel
        items, seen = [], set()
        for xp in sel["list_item"]:
            for li in xp(self.root, self.index):
                if li in seen or not self.ok(li):
                    continue
                seen.add(li)
                items.append(li)
            if items:
                break
        out, urls = [], set()
        for li in items:
            a = _first(sel["list_item_title"], li, lambda e: e.tag == "a" and _abs(self.url, e.get("href")))
            if a is None:
                continue
            u = _abs(self.url, a.get("href"))
            if u in urls:
                continue
            title = _text(a) or vn.clean(a.get("title"))
            if not title:
                continue
            d = _first(sel["list_item_date"], li)
            published = vn.parse_date(_text(d)) if d is not None else None
            if published is None:
                published = vn.parse_date(_text(li).replace(title, " "))
            urls.add(u)
            out.append({"url": u, "title": title, "published_at": published})
        return out

    def heuristic_list(self):
        """Links to vnPortal article URLs grouped under one parent: a list of unknown theme."""
        groups: dict = {}
        for a in self.root.iter("a"):
            href = a.get("href")
            u = _abs(self.url, href)
            if not u:
                continue
            info = parse_vnportal_url(u)
            if not info or info["article_id"] is None or not self.ok(a):
                continue
            title = _text(a) or vn.clean(a.get("title"))
            if len(title) < 15:
                continue
            item = a
            while item.getparent() is not None and item.tag not in ("li", "tr", "div", "p"):
                item = item.getparent()
            par = item.getparent()
            if par is None:
                continue
            groups.setdefault(par, []).append((item, a, u, title))
        best = max(groups.values(), key=len, default=[])
        if len(best) < 3:
            return []
        out, urls = [], set()
        for item, _a, u, title in best:
            if u in urls:
                continue
            urls.add(u)
            out.append({"url": u, "title": title,
                        "published_at": vn.parse_date(_text(item).replace(title, " "))})
        return out

    # -- body
    def body_by_selector(self, items):
        def good(el):
            if not self.ok(el) or el in self.noise_anc:
                return False
            if any(_inside(li_a, el) for li_a in items[:1]):
                return False
            txt = _text_content(el)
            return bool(txt.strip()) or el.find(".//img") is not None
        return _first(self.sel["content"], self.root, good, self.index)

    def body_by_density(self):
        scores: dict = {}
        for p in self.root.iter("p"):
            t = vn.clean(_text_content(p))
            if len(t) < 25 or _CONTACT_LABEL.match(t) or _COUNTER_LABEL.match(t):
                continue
            links = sum(len(vn.clean(_text_content(a))) for a in p.iter("a"))
            s = len(t) - 2 * links
            if s <= 0:
                continue
            par = p.getparent()
            if par is None:
                continue
            scores[par] = scores.get(par, 0) + s
            gp = par.getparent()
            if gp is not None:
                scores[gp] = scores.get(gp, 0) + s / 2
        for el in _XP_HAS_BR(self.root):
            if el.tag in ("p",):
                continue
            own = [el.text or ""] + [
                (ch.tail or "") + (_text_content(ch) if ch.tag in EMPH or ch.tag in ("span", "font", "a") else "")
                for ch in el if ch.tag not in BLOCK
            ]
            t = vn.clean(" ".join(own))
            if len(t) >= 80 and not _CONTACT_LABEL.match(t):
                links = sum(len(vn.clean(_text_content(a))) for a in el.iterchildren("a"))
                scores[el] = scores.get(el, 0) + len(t) - 2 * links
        for el, s in sorted(scores.items(), key=lambda kv: -kv[1]):
            if s < 60:
                break
            if el.tag in ("html", "body", "form"):
                continue
            if self.ok(el) and el not in self.noise_anc:
                return el
        return None


def _container_search(page: _Page, body, key: str, *, accept=None):
    """Nearest ancestor of ``body`` holding a ``key`` selector match outside body/noise."""
    anc = body
    for _ in range(7):
        anc = anc.getparent() if anc is not None else None
        if anc is None:
            break
        for xp in page.sel[key]:
            for el in xp(anc, page.index):
                if _inside(el, body) or not page.ok(el):
                    continue
                if accept is None or accept(el):
                    return el, anc
    return None, None


def extract_vnportal(text: str, url: str, *, site_wide: bool = True,
                     utf8: bytes | None = None) -> dict:
    """The extraction dict of a vnPortal page; ``utf8`` is ``text`` encoded as UTF-8 when the
    caller has it (the fetched body): the parser reads UTF-8."""
    out = _empty(url)
    info = parse_vnportal_url(url)
    if info:
        out["sname"], out["article_id"] = info["sname"], info["article_id"]
    root, split_texts = parse_document(text, utf8)
    if root is None:
        return out
    page = _Page(root, url, split_texts)
    sel = page.sel

    items = page.list_items()
    body = page.body_by_selector(items)
    if body is None and not items:
        body = page.body_by_density()
    paras = blocks(body, page.noise) if body is not None else []
    has_content = any(p.text or p.img is not None for p in paras)

    heads = sel["noise_headings"]

    def good_title(el):
        t = _text(el)
        return 8 <= len(t) <= 400 and t.upper().rstrip(":") not in heads and page.ok(el)

    title_el = container = None
    if body is not None and has_content:
        title_el, container = _container_search(page, body, "title", accept=good_title)
        if container is None:
            c = _first(sel["container"], root, lambda e: _inside(body, e), page.index)
            container = c if c is not None else body.getparent()
        if container is None:
            container = body

    # ---------------------------------------------------------------- article fields
    title = _text(title_el) or None
    if has_content and title is None:
        meta = _XP_OG_TITLE(root)
        title = vn.clean(meta[0]) if meta else (_text(root.find(".//title")) or None)

    if has_content:
        out["kind"] = "article"
        _fill_article(page, out, body, container, paras, title)
    elif items or (body is None and (items := page.heuristic_list())):
        out["kind"] = "list"
        out["articles"] = items
        cat = _first(sel["category_title"], root, index=page.index)
        out["title"] = _text(cat) or _text(root.find(".//title")) or None
        out["postbacks"] = _postbacks(page)
        out["next_pages"] = out["postbacks"]
    else:
        out["title"] = _text(root.find(".//title")) or None

    if out["category"] is None:
        out["category"] = _category(page, out, info)

    if site_wide:
        _site_wide(page, out, body if out["kind"] == "article" else None)
    return out


def _fill_article(page: _Page, out: dict, body, container, paras: list[Para], title):
    sel, root, url = page.sel, page.root, page.url
    out["title"] = title

    def outside_body(el):
        return not _inside(el, body) and page.ok(el)

    # lead
    lead_el = _first(sel["lead"], container, outside_body, page.index)
    lead = _text(lead_el) or None

    # date: machine-readable meta first, then the date element, then labelled text
    published = None
    for xp in sel["date_meta"]:
        for el in xp(root, page.index):
            published = vn.parse_iso(el.get("content") or el.get("datetime") or _text(el))
            if published:
                break
        if published:
            break
    if not published:
        d = _first(sel["date"], container, lambda e: outside_body(e) and vn.parse_date(_text(e)),
                   page.index)
        if d is not None:
            published = vn.parse_date(_text(d))
    ctext = lines_text(container, page.noise | {body})
    if not published:
        for line in ctext.splitlines():
            if title and line == title:
                continue
            if len(line) <= 120 and (v := vn.parse_date(line)):
                published = v
                break

    # view count: near the title (container), never the site counter
    view = vn.parse_view_count(ctext)
    if view is None:
        view = vn.parse_view_count("\n".join(p.text for p in paras))

    # author element
    author_el = _first(sel["author"], container, page.ok, page.index)
    author = _text(author_el) or None

    # walk the body paragraphs
    images: list[dict] = []
    texts: list[Para] = []
    last_img_idx = -10
    for p in paras:
        if p.img is not None:
            src = p.img.get("data-src") or p.img.get("src")
            u = _abs(url, src)
            par_a = p.img.getparent()
            if u and not (par_a is not None and par_a.tag == "a" and _FILE_EXT.search(par_a.get("href") or "")):
                images.append({"url": u, "caption": None})
                last_img_idx = len(texts)
            continue
        t = p.text
        if (
            images and images[-1]["caption"] is None and last_img_idx == len(texts)
            and len(t) <= 300
            and (p.block.tag == "figcaption" or p.all_emph or _align(p, body) == "center"
                 or (p.block.tag in ("td", "th", "caption")))
        ):
            images[-1]["caption"] = t
            continue
        texts.append(p)

    # attachments: links to files in the body / container
    attachments, seen = [], set()
    for a in container.iter("a"):
        href = a.get("href") or ""
        u = _abs(url, href)
        if not u or not page.ok(a) or u in seen:
            continue
        if _FILE_EXT.search(urlsplit(u).path) or _DOWNLOAD.search(href):
            seen.add(u)
            name = _text(a) or vn.clean(a.get("title")) or urlsplit(u).path.rsplit("/", 1)[-1]
            attachments.append({"url": u, "name": name})
    att_names = {a["name"] for a in attachments}

    # drop lines that belong elsewhere
    kept: list[Para] = []
    for p in texts:
        t = p.text
        if title and t == title:
            continue
        if lead and (t == lead or (len(t) > 40 and lead.startswith(t))):
            continue
        if vn.VIEW_LINE.match(t) or _NOISE_LINE.match(t):
            continue
        if _ATTACH_LINE.match(t) and any(n in t for n in att_names):
            continue
        if t in att_names:
            continue
        if len(t) <= 40 and vn.parse_date(t) and re.match(r"^[(\[]?(?:Ngày|Cập nhật|Đăng|Thứ|\d)", t, re.I):
            if not published:
                published = vn.parse_date(t)
            continue
        kept.append(p)

    # lead fallback: a long all-bold first paragraph
    if lead is None and kept and kept[0].all_emph and len(kept[0].text) >= 60 and len(kept) > 1:
        lead = kept.pop(0).text

    # signature
    if kept:
        last = kept[-1]
        t = last.text
        words = len(t.split())
        if author and (t == author or t.endswith(author)):
            kept.pop()
        elif author is None and len(t) <= 80 and words <= 12 and len(kept) > 1 and not t.endswith(("./.", ":")):
            align = _align(last, body)
            pref = _SIGN_PREFIX.match(t)
            looks_name = (
                not re.search(r"[.;!?]\s*$", t) or pref is not None
            ) and sum(w[:1].isupper() for w in t.split()) >= max(1, words // 2)
            if pref or align == "right" or (last.all_emph and looks_name) or (len(t) <= 40 and looks_name and words <= 6):
                author = vn.clean(t[pref.end():]) if pref and t[pref.end():].strip() else t
                author = author.rstrip(".") or None
                kept.pop()

    out["lead"] = lead
    out["body_text"] = "\n\n".join(p.text for p in kept) or None
    out["published_at"] = published
    out["author"] = author
    out["view_count"] = view
    out["images"] = images
    out["attachments"] = attachments
    out["body_html"] = _clean_html(body, url, page.noise)


_DROPPED = frozenset(("script", "style", "iframe", "object", "embed", "form", "input", "button"))
# elements whose links lxml's iterlinks() finds in more than a plain attribute (or that rebase
# the others): such a body goes through lxml's own make_links_absolute()
_LINK_SPECIAL = frozenset(("object", "meta", "param", "style", "base"))
_LINK_ATTRS = ldefs.link_attrs


def _clean_html(body, url: str, noise: set) -> str | None:
    try:
        el = copy.deepcopy(body)
        # drop noise modules inside (matched by position in the copy)
        orig = list(body.iter())
        if any(o in noise for o in orig[1:]):
            dup = list(el.iter())
            for o, d in zip(orig, dup, strict=False):
                if o in noise and d.getparent() is not None:
                    d.getparent().remove(d)
        for e in list(el.iter()):
            tag = e.tag
            if not isinstance(tag, str):
                if e.getparent() is not None:
                    e.getparent().remove(e)
                continue
            if tag in _DROPPED:
                if e.getparent() is not None:
                    e.drop_tree()
                continue
            for k, v in e.items():
                if k.lower().startswith("on") or (v or "").strip().lower().startswith(
                        "javascript:"):
                    del e.attrib[k]
        _links_absolute(el, url)
        return lhtml.tostring(el, encoding="unicode").strip()
    except Exception:  # noqa: BLE001
        return None


def _links_absolute(el, url: str) -> None:
    """``el.make_links_absolute(url, resolve_base_href=False, handle_failures="ignore")``:
    the same rewriting, done here for the usual body (links only in plain attributes such as
    ``href``/``src``), by lxml otherwise."""
    links = []
    for e in el.iter():
        if e.tag in _LINK_SPECIAL:
            links = None
            break
        for k, v in e.items():
            if k in _LINK_ATTRS:
                links.append((e, k, v))
            elif k == "style" and "url(" in v.lower():
                links = None
                break
        if links is None:
            break
    if links is None:
        el.make_links_absolute(url, resolve_base_href=False, handle_failures="ignore")
        return
    for e, k, link in links:
        href = link.strip()
        new = _join(url, href)
        if new is None:  # urljoin raised ValueError: "ignore" keeps the link
            new = href
        if new != link:
            e.set(k, new)


def _category(page: _Page, out: dict, info: dict | None) -> str | None:
    root, sel = page.root, page.sel
    bc = _first(sel["breadcrumb"], root, index=page.index)
    if bc is not None:
        names = [_text(a) for a in bc.iter("a")]
        names = [n for n in names if n]
        if not names:
            names = [vn.clean(x) for x in re.split(r"[>»/›]", _text(bc))]
        names = [n for n in names if n and n.lower() not in ("trang chủ", "home", "trang chu")]
        if names and out.get("title") and names[-1] == out["title"] and len(names) > 1:
            names.pop()
        if names:
            return names[-1]
    if out["kind"] == "list" and out.get("title"):
        cat = _first(sel["category_title"], root, index=page.index)
        if cat is not None:
            return _text(cat) or None
    if info and info.get("catid") is not None:
        for a in root.iter("a"):
            u = _abs(page.url, a.get("href"))
            i2 = parse_vnportal_url(u) if u else None
            if i2 and i2["catid"] == info["catid"] and i2["article_id"] is None:
                t = _text(a)
                if t:
                    return t
    return None


def _postbacks(page: _Page) -> list[dict]:
    out, seen = [], set()
    current = None
    for el in _XP_CURRENT(page.root):
        t = _text(el)
        if t.isdigit():
            current = t
            break
    for a in _XP_POSTBACK_LINKS(page.root):
        m = _POSTBACK.search(a.get("href") or "")
        if not m:
            continue
        target, arg = m.group(1), m.group(2)
        txt = _text(a)
        if not (re.match(r"Page\$", arg) or _PAGER_TEXT.match(txt) or re.search(r"(?i)pag", target)):
            continue
        cls = f"{a.get('class') or ''} {(a.getparent().get('class') if a.getparent() is not None else '') or ''}".lower()
        if any(k in cls for k in ("current", "active", "selected", "disabled")):
            continue
        if current and (txt == current or arg == f"Page${current}"):
            continue
        key = (target, arg)
        if key in seen:
            continue
        seen.add(key)
        out.append({"target": target, "argument": arg})
    return out


def _site_wide(page: _Page, out: dict, body) -> None:
    root, sel = page.root, page.sel
    skip = frozenset({body}) if body is not None else frozenset()
    # contact: footer elements first, then the smallest element around the labels
    footers = []
    for xp in sel["footer"]:
        for el in xp(root, page.index):
            if any(_inside(el, f) for f in footers) or (body is not None and _inside(el, body)):
                continue
            footers = [f for f in footers if not _inside(f, el)] + [el]
    ftext = "\n".join(lines_text(f) for f in footers)
    contact = vn.parse_contact(ftext)
    if not (contact["agency"] or contact["address"] or contact["phones"] or contact["emails"]):
        hits = []
        for t in _XP_COLON_TEXTS(root):
            if _CONTACT_LABEL.search(t):
                el = t.getparent()
                if el is not None and not (body is not None and _inside(el, body)):
                    hits.append(el)
        if hits:
            region = _lca(hits[:12])
            if region is not None:
                c2 = vn.parse_contact(lines_text(region, skip))
                for k, v in c2.items():
                    if v and not contact.get(k):
                        contact[k] = v
    out["contact"] = {k: contact[k] for k in ("agency", "address", "phones", "fax", "emails")}
    out["editor"], out["licence"] = contact["editor"], contact["licence"]

    # visitor counter
    counter = None
    for xp in sel["counter"]:
        for el in xp(root, page.index):
            counter = vn.parse_counter(lines_text(el))
            if counter:
                break
        if counter:
            break
    if counter is None:
        hits = []
        for t in _XP_TEXTS(root):
            if _COUNTER_LABEL.search(t):
                el = t.getparent()
                if el is not None and not (body is not None and _inside(el, body)):
                    hits.append(el)
        if hits:
            region = _lca(hits[:12])
            if region is not None:
                txt = lines_text(region, skip)
                strong = re.search(r"(?i)truy cập|online|thống kê", txt) is not None
                counter = vn.parse_counter(txt, min_fields=1 if strong else 2)
    out["visitor_counter"] = counter
