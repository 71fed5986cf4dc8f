"""The extractor's shortcuts give what the plain lxml calls they replace give.

Each shortcut in ``crawler.extract`` (see vnportal.py, encoding.py, vietnamese.py) is checked
against the slower call it stands for, on the real saved pages of ``tests/fixtures`` and on pages
made to hit its fallbacks.  Speed itself is measured by bench/extract.py and bench/reextract.py.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lhtml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.extract import vietnamese as vn  # noqa: E402
from crawler.extract import vnportal as vp  # noqa: E402
from crawler.extract.encoding import decode_page  # noqa: E402

PAGES = sorted((ROOT / "tests" / "fixtures").glob("*/*/page.html"))
SEED = (ROOT / "tests" / "fixtures" / "vnportal" / "seed" / "page.html").read_text("utf-8")
SEED_URL = (ROOT / "tests" / "fixtures" / "vnportal" / "seed" / "url.txt").read_text().strip()
STATE = re.search(r'<input type="hidden" name="__VIEWSTATE"[^>]*>', SEED)[0]


def plain_tree(text: str) -> bytes:
    """What parse_html did before its shortcuts: lxml parses the str, scripts stripped."""
    root = lhtml.document_fromstring(text, parser=vp._parser())
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    return etree.tostring(root.getroottree())


def texts() -> list[tuple[str, str]]:
    out = [(p.parent.name, decode_page(p.read_bytes())[0]) for p in PAGES]
    return out + [
        ("state in a comment", SEED.replace(STATE, f"<!-- {STATE} -->")),
        ("state in a textarea", SEED.replace(STATE, f"<textarea>{STATE}</textarea>")),
        ("state in an attribute", SEED.replace(STATE, f"<a title='{STATE}'>x</a>")),
        ("state twice", SEED.replace(STATE, STATE + STATE)),
        ("state with an entity", SEED.replace('value="/wEP', 'value="&amp;/wEP')),
        ("heading split by a script",
         SEED.replace("TIN NỔI BẬT", "TIN NỔI <script>x()</script>BẬT")),
        ("long paragraphs", "<html><body><div><p>" + "a \t\r\n " * 100 + "</p><p>" + "x" * 301
         + "</p></div><p><p>" + "y " * 160 + "</p></p></body></html>"),
    ]


@pytest.mark.parametrize("name,text", texts())
def test_parse_gives_the_plain_lxml_tree(name, text):
    expected = plain_tree(text)
    assert etree.tostring(vp.parse_html(text).getroottree()) == expected
    # the fetched UTF-8 bytes handed to the parser instead of the text: the same tree
    root, _split = vp.parse_document(text, text.encode("utf-8"))
    assert etree.tostring(root.getroottree()) == expected


def test_state_value_is_parsed_as_a_placeholder_and_put_back():
    value = re.search(r'value="([^"]+)"', STATE)[1]
    assert len(value) > vp._STATE_MIN
    held, values = vp._hold_states(SEED.encode())
    assert values == [value.encode()] and value.encode() not in held
    root = vp.parse_html(SEED)
    assert root.get_element_by_id("__VIEWSTATE").get("value") == value


@pytest.mark.parametrize("name,text", texts())
def test_index_pass_equals_xpath_and_text_content(name, text):
    """Index pass vs //*[@class or @id], the short-text XPath and text_content(); the long-<p>
    test vs its XPath."""
    root, split = vp.parse_document(text)
    index = vp.Index(root)
    assert index.text_total == len(root.text_content())
    for el in root.iter():
        if isinstance(el.tag, str):
            assert index.text_len(el) == len(el.text_content())
    assert index.attrd == root.xpath("//*[@class or @id]")
    page = vp._Page(root, SEED_URL, split)
    for el in root.iter():
        if isinstance(el.tag, str):
            assert page._has_long_p(el) == vp._HAS_LONG_P(el)
    heads = vp.selectors()["noise_headings"]
    by_xpath = {(str(t), t.getparent()) for t in vp._SHORT_TEXTS(root)
                if vp._is_heading(str(t), heads)}
    by_pass = {(t, el) for t, el in index.short_texts if vp._is_heading(t, heads)}
    if split:  # the text nodes differ from .text/.tail: noise detection asks XPath
        assert name == "heading split by a script"
    else:
        assert by_pass == by_xpath


def test_a_heading_split_by_a_removed_script_is_detected():
    text = "<html><body><div><b>TIN NỔI <script>x()</script>BẬT</b><ul><li>a</li></ul></div>" \
           "</body></html>"
    assert vp.parse_document(text)[1] is True
    # whitespace around a removed script joins nothing that could be a heading
    text = "<html><head><title>t</title>\n<script></script>\n<style></style>\n</head></html>"
    assert vp.parse_document(text)[1] is False


LINK_BODIES = [
    '<div><a href="/a.aspx?x=1">a</a><img src=" ../b.jpg "><a href="#top">t</a></div>',
    '<div><p style="background:url(/bg.png)">x</p><a href="c.pdf">c</a></div>',
    '<div><base href="http://other.gov.vn/x/"><a href="d.html">d</a></div>',
    '<div><meta http-equiv="refresh" content="0; url=/e"><a href="http://[::1">bad</a></div>',
    '<div><object data="f.swf"><param name="movie" value="g.swf" valuetype="ref"></object>'
    '<a href="mailto:a@b.vn" onclick="x()">m</a><a href="javascript:void(0)">j</a></div>',
    '<div><!-- c -->tail<script>s()</script><form><input value="v"></form>'
    '<a href="  /sp  " title="t">s</a></div>',
]


@pytest.mark.parametrize("body", LINK_BODIES)
def test_body_html_links_as_lxml_makes_them(body):
    el = lhtml.fragment_fromstring(body, parser=vp._parser())
    url = "https://chauthanh.soctrang.gov.vn/Default.aspx?sname=a&sid=1&pageid=2&id=3"
    ours, lxmls = lhtml.fromstring(body), lhtml.fromstring(body)
    vp._links_absolute(ours, url)
    lxmls.make_links_absolute(url, resolve_base_href=False, handle_failures="ignore")
    assert lhtml.tostring(ours) == lhtml.tostring(lxmls)
    assert vp._clean_html(el, url, set()) is not None


@pytest.mark.parametrize("s", [
    "", " ", "a", "  Tin \n\t nổi   bật  ", "x\u00a0\u00a0y", "\u3000a\u2028b\u205f", "a\u200bb",
    "&amp;nbsp;Lượt xem", "Ngày 31/10/2024\r\n" * 40, (" \n" + "chữ " * 120) * 3,
    "e\u0301 " * 200, "\x1c\x1d\x1e\x1fz" * 70,
])
def test_clean_is_the_regex_definition(s):
    t = s
    if "&" in t and vn._ENTITY.search(t):
        import html
        t = html.unescape(t)
    if not t.isascii():
        t = unicodedata.normalize("NFC", vn._INVISIBLE.sub("", t))
    assert vn.clean(s) == vn._clean(s) == re.sub(r"\s+", " ", t).strip()


def test_decode_page_hands_over_the_body_only_when_it_is_the_text():
    body = SEED.encode("utf-8")
    text, enc, utf8 = decode_page(body, {"content-type": "text/html; charset=utf-8"})
    assert utf8 is body and text == SEED and enc == "utf-8"
    nfd = unicodedata.normalize("NFD", SEED).encode("utf-8")
    text, _enc, utf8 = decode_page(nfd)
    assert utf8 is None and text == SEED  # the text is NFC, the bytes were not
    assert decode_page(b"\xef\xbb\xbf" + body)[2] is None  # a BOM is not in the text
    cp = (ROOT / "tests" / "fixtures" / "vnportal" / "cp1258_meta" / "page.html").read_bytes()
    assert decode_page(cp)[1] == "cp1258" and decode_page(cp)[2] is None


def test_seed_extraction_through_either_input():
    """extract_vnportal with and without the UTF-8 body gives the same dict."""
    assert vp.extract_vnportal(SEED, SEED_URL, utf8=SEED.encode()) == vp.extract_vnportal(
        SEED, SEED_URL)
