"""Golden fixtures of every platform: ``tests/fixtures/<platform>/<case>/{page.html,url.txt,expected.json}``.

Two expected.json forms:

* the full public dict (vnPortal fixtures): every public key must match exactly;
* ``{"platform", "fields", "articles", "prefix", "suffix", "paragraphs", "full"}`` (real saved
  pages, whose MANIFEST gives some fields only): ``platform`` is what detection must answer,
  ``fields`` are compared exactly, ``articles`` item by item (title, published_at, view_count,
  and the Liferay article id in the URL), ``prefix``/``suffix`` bound long texts,
  ``paragraphs`` counts ``\\n\\n``-separated paragraphs, ``full`` checks ``extract_full`` extras.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import PUBLIC_KEYS, detect_platform, extract, extract_full
from crawler.extract.encoding import decode

FIX = Path(__file__).resolve().parent / "fixtures"
CASES = sorted(
    f"{p.parent.parent.name}/{p.parent.name}" for p in FIX.glob("*/*/page.html")
    if (p.parent / "expected.json").exists()
)
REAL = Path("/work/shared/realpages")


def _load(case: str):
    d = FIX / case
    return (d / "page.html").read_bytes(), (d / "url.txt").read_text().strip(), json.loads(
        (d / "expected.json").read_text("utf-8")
    )


@pytest.mark.parametrize("case", CASES)
def test_platform_fixture(case):
    body, url, exp = _load(case)
    got = extract(body, url)
    assert list(got) == list(PUBLIC_KEYS)
    if "fields" not in exp:  # full-dict form
        for key in PUBLIC_KEYS:
            assert got[key] == exp[key], f"{case}: {key}"
        return
    text, _ = decode(body, None)
    assert detect_platform(text, url)[0] == exp["platform"], case
    for key, value in exp["fields"].items():
        assert got[key] == value, f"{case}: {key}"
    for key, value in exp.get("prefix", {}).items():
        assert got[key].startswith(value), f"{case}: {key} starts {got[key][:80]!r}"
    for key, value in exp.get("suffix", {}).items():
        assert got[key].endswith(value), f"{case}: {key} ends {got[key][-80:]!r}"
    for key, n in exp.get("paragraphs", {}).items():
        assert len(got[key].split("\n\n")) == n, f"{case}: {key} paragraphs"
    if "articles" in exp:
        assert len(got["articles"]) == len(exp["articles"]), case
        for i, (g, e) in enumerate(zip(got["articles"], exp["articles"], strict=True)):
            for k in ("title", "published_at", "view_count"):
                assert g.get(k) == e[k], f"{case}: articles[{i}].{k}"
            if e.get("id"):
                assert f"/view_content/{e['id']}-" in g["url"], f"{case}: articles[{i}].url"
    if exp.get("full"):
        full = extract_full(body, url)
        for key, value in exp["full"].items():
            assert full[key] == value, f"{case}: {key}"


def test_every_platform_has_fixtures():
    platforms = {c.split("/")[0] for c in CASES}
    assert {"vnportal", "vnportal_ng", "liferay", "wordpress", "generic", "news"} <= platforms


@pytest.mark.skipif(not REAL.exists(), reason="real pages not available")
def test_fixtures_are_the_real_pages_byte_for_byte():
    """The real-page fixtures are copies, not edited versions, of ../shared/realpages."""
    pairs = {
        "liferay/hanoi_home": "fontaineha1281__capstone2/trang-chu.html",
        "liferay/hanoi_list_cntt": "fontaineha1281__capstone2/cong-nghe-thong-tin.html",
        "liferay/hanoi_list_pctn_views": "fontaineha1281__capstone2/pctn.html",
        "liferay/moh_article_73": "team16utt__blog/6848045-2.html",
        "news/vnexpress_article": "flairNLP__fundus/VnExpress_2025_10_22.html",
        "vnportal_ng/tanan_footer": "quangthaingo__vnPortal/footer-tanan.html",
    }
    for case, real in pairs.items():
        assert (FIX / case / "page.html").read_bytes() == (REAL / real).read_bytes(), case


def test_platform_keyword_overrides_detection():
    body, url, _ = _load("liferay/hanoi_list_pctn_views")
    assert extract_full(body, url)["platform"] == "liferay"
    forced = extract_full(body, url, platform="generic")
    assert forced["platform"] == "generic"
    assert forced["articles"] == []  # the generic extractor has no Asset Publisher selectors


def test_liferay_list_item_view_counts_are_an_extension_of_the_items_contract():
    body, url, _ = _load("liferay/hanoi_list_pctn_views")
    items = extract(body, url)["articles"]
    assert [sorted(i) for i in items[:1]] == [["published_at", "title", "url", "view_count"]]
    assert sum(i["view_count"] for i in items) == 1108 + 5915 + 935 + 905 + 562 + 614 + 527 + 478 + 610 + 492 + 460 + 704 + 830 + 611 + 664 + 544 + 547 + 500 + 571 + 554
