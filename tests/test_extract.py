"""Extraction library (crawler.extract) and the ``govnews extract`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from crawler.extract import PUBLIC_KEYS, extract, extract_full, parse_vnportal_url  # noqa: E402
from crawler.extract import vietnamese as vn  # noqa: E402
from crawler.extract.encoding import decode  # noqa: E402

FIX = ROOT / "tests" / "fixtures" / "vnportal"
CASES = sorted(p.name for p in FIX.iterdir() if (p / "page.html").exists())
REAL = Path("/work/shared/realpages")


def _run(case: str, full: bool = False) -> dict:
    d = FIX / case
    fn = extract_full if full else extract
    return fn((d / "page.html").read_bytes(), (d / "url.txt").read_text().strip())


# ------------------------------------------------------------------------------ fixtures

@pytest.mark.parametrize("case", CASES)
def test_fixture(case):
    expected = json.loads((FIX / case / "expected.json").read_text("utf-8"))
    got = _run(case)
    assert list(got) == list(PUBLIC_KEYS)
    for key in PUBLIC_KEYS:
        assert got[key] == expected[key], f"{case}: {key}"


def test_at_least_seven_fixtures():
    assert "seed" in CASES and len(CASES) >= 7


# ---------------------------------------------------------------------------- seed values

@pytest.fixture(scope="module")
def seed():
    return _run("seed", full=True)


def test_seed_values(seed):
    from govnews.replica.sites import seed_article_data

    data = seed_article_data()
    assert seed["kind"] == "article"
    assert seed["title"] == "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"
    assert seed["lead"] == data["lead"]
    assert seed["view_count"] == 203
    assert seed["author"] == "YV - Phòng NV"
    assert seed["published_at"] == "2023-07-18T08:30:00+07:00"
    assert seed["category"] == "Tin tức - Sự kiện"
    assert seed["images"] == [{
        "url": "https://chauthanh.soctrang.gov.vn/Upload/1308/2023/07/hd-tthc-ho-dac-kien.jpg",
        "caption": "Hướng dẫn người dân thực hiện TTHC của đơn vị xã Hồ Đắc Kiện",
    }]
    c = seed["contact"]
    assert c["phones"] == ["+842993834570", "+842993834566"]
    assert c["fax"] == ["+842993834670"]
    assert c["emails"] == ["vpubndchauthanh@gmail.com"]
    assert c["agency"] == "ỦY BAN NHÂN DÂN HUYỆN CHÂU THÀNH - TỈNH SÓC TRĂNG"
    assert c["address"] == "ấp Xây Cáp, thị trấn Châu Thành, huyện Châu Thành, Tỉnh Sóc Trăng"
    assert seed["visitor_counter"] == {
        "online": 47, "today": 272, "week": 272, "month": 48536, "total": 2276668,
    }
    assert seed["articles"] == []


def test_seed_body(seed):
    from govnews.replica.sites import seed_article_data

    body = seed["body_text"]
    assert body.startswith("Trong thời gian qua, Ủy ban nhân dân huyện")
    for bad in ("TIN NỔI BẬT", "Bình Chọn", "SỐ LƯỢT TRUY CẬP", "Cơ quan chủ quản",
                "YV - Phòng NV", "Lượt xem", "Hướng dẫn người dân thực hiện TTHC"):
        assert bad not in body
    assert seed["title"] not in body
    # the ground truth: the seed page's paragraphs, NFC, whitespace collapsed
    assert body == "\n\n".join(vn.clean(p) for p in seed_article_data()["paragraphs"])


def test_seed_extras(seed):
    assert seed["sname"] == "huyenchauthanh" and seed["article_id"] == 397719
    assert seed["editor"] is None and seed["licence"] is None and seed["postbacks"] == []
    html = seed["body_html"]
    assert html.startswith("<div") and "<script" not in html
    assert 'src="https://chauthanh.soctrang.gov.vn/Upload/1308/2023/07/' in html


# ------------------------------------------------------------------------- other fixtures

def test_kesach_footer_extras():
    r = _run("kesach_footer", full=True)
    assert r["editor"] == "Nguyễn Văn Bình - Chánh Văn phòng HĐND và UBND huyện"
    assert r["licence"].startswith("12/GP-STTTT")
    assert r["contact"]["phones"] == ["+842993876222", "+842993876223", "+84918123456"]
    assert r["view_count"] is None
    assert r["published_at"] == "2024-03-05T08:30:00+07:00"  # meta 01:30Z converted


def test_list_postbacks_exclude_current():
    r = _run("list_articlelist", full=True)
    assert r["kind"] == "list"
    assert r["postbacks"] == [
        {"target": "ctl00$cphMain$ArticleList1$pager", "argument": "Page$2"},
        {"target": "ctl00$cphMain$ArticleList1$pager", "argument": "Page$3"},
    ]
    r = _run("list_articlecat", full=True)
    assert len(r["articles"]) == 3 and len(r["postbacks"]) == 3


def test_windows_1258_both_ways():
    a, b = _run("cp1258_meta"), _run("cp1258_nometa")
    assert a["title"] == b["title"] == "Thị xã Ngã Năm tập huấn phòng chống cháy nổ"
    assert a["body_text"] == b["body_text"]
    raw = (FIX / "cp1258_nometa" / "page.html").read_bytes()
    text, enc = decode(raw)
    assert enc == "cp1258" and "Ngã Năm" in text
    # an HTTP header wins over the guess
    text, enc = decode("Lượt xem".encode(), {"Content-Type": "text/html; charset=UTF-8"})
    assert enc == "utf-8" and text == "Lượt xem"


# ------------------------------------------------------------------------------ robustness

@pytest.mark.parametrize("body", [b"", "", None, b"\x89PNG\r\n\x1a\n\x00\x00", b"plain text",
                                  b"<html><body><div><p>trunc", b"<<<>>>&&&", "<?xml version='1.0' encoding='utf-8'?><html/>",
                                  b"\xff\xfe<\x00h\x00"])
def test_never_raises(body):
    r = extract(body, "https://x.soctrang.gov.vn/")
    assert list(r) == list(PUBLIC_KEYS)
    assert r["kind"] in ("article", "list", "other")
    assert r["contact"]["phones"] == [] or isinstance(r["contact"]["phones"], list)


@pytest.mark.skipif(not REAL.exists(), reason="real pages not available")
def test_real_pages_do_not_raise():
    pages = sorted(REAL.rglob("*.html"))
    assert pages
    for p in pages:
        r = extract_full(p.read_bytes(), "https://example.gov.vn/" + p.name)
        assert list(r)[: len(PUBLIC_KEYS)] == list(PUBLIC_KEYS)
    home = extract(REAL / "fontaineha1281__capstone2" / "trang-chu.html" and
                   (REAL / "fontaineha1281__capstone2" / "trang-chu.html").read_bytes(),
                   "https://sotttt.hanoi.gov.vn/trang-chu")
    assert home["visitor_counter"]["online"] == 27
    assert home["visitor_counter"]["total"] == 4798812
    assert "+842435123536" in home["contact"]["phones"]
    assert home["contact"]["emails"] == ["tiepnhanykien_sotttt@hanoi.gov.vn"]


# ------------------------------------------------------------------------ shared parsing

@pytest.mark.parametrize("text,iso", [
    ("Ngày 05/03/2024", "2024-03-05T00:00:00+07:00"),
    ("05/03/2024 08:30", "2024-03-05T08:30:00+07:00"),
    ("Ngày 05 tháng 3 năm 2024", "2024-03-05T00:00:00+07:00"),
    ("05/03/2024 | 08:30 PM", "2024-03-05T20:30:00+07:00"),
    ("12/09/2014 | 12:00 AM", "2014-09-12T00:00:00+07:00"),
    ("(Thứ hai, 19/04/2021 15:17)", "2021-04-19T15:17:00+07:00"),
    ("Thứ tư, 22/10/2025, 19:25 (GMT+7)", "2025-10-22T19:25:00+07:00"),
    ("2025-10-22T19:25:52+07:00", "2025-10-22T19:25:52+07:00"),
    ("2024-03-05T01:30:00Z", "2024-03-05T08:30:00+07:00"),
    ("không có ngày", None),
    ("31/02/2024", None),
])
def test_parse_date(text, iso):
    assert vn.parse_date(text) == iso


@pytest.mark.parametrize("text,num", [("1.234", 1234), ("48 536", 48536), ("4.798.812", 4798812),
                                      ("203", 203), ("x", None)])
def test_parse_int(text, num):
    assert vn.parse_int(text) == num


def test_phones_and_contact():
    c = vn.parse_contact(
        "Điện Thoại: (0299) 3 834 570  - (0299) 3 834 566. Fax: (0299) 3 834 670. "
        "Email: vpubndchauthanh@gmail.com"
    )
    assert c["phones"] == ["+842993834570", "+842993834566"]
    assert c["fax"] == ["+842993834670"]
    assert c["emails"] == ["vpubndchauthanh@gmail.com"]
    assert vn.parse_phones("0299.3876.222 / 02993 876 222 / 0918 123 456") == [
        "+842993876222", "+84918123456"]
    c = vn.parse_contact("Cơ quan chịu trách nhiệm chính: Ủy ban nhân dân xã Tân Ân;\n"
                         "Người chịu trách nhiệm chính:\nĐịa Chỉ: Ấp Nhà Điệu, Xã Tân Ân.")
    assert c["agency"] == "Ủy ban nhân dân xã Tân Ân"
    assert c["address"] == "Ấp Nhà Điệu, Xã Tân Ân"
    assert c["editor"] is None


def test_counter_and_views():
    assert vn.parse_counter("Đang truy cập: 27\nTổng: 4.798.812") == {
        "online": 27, "today": None, "week": None, "month": None, "total": 4798812}
    assert vn.parse_counter("Trực tuyến\n12\nTuần này: 1 200") == {
        "online": 12, "today": None, "week": 1200, "month": None, "total": None}
    assert vn.parse_counter("Không có số") is None
    assert vn.parse_view_count("Lượt đọc: 1.234") == 1234
    assert vn.parse_view_count("Số lần xem: 87") == 87
    assert vn.parse_view_count("View count: 1108") == 1108
    assert vn.parse_view_count("SỐ LƯỢT TRUY CẬP: 99") is None


def test_clean_nfc():
    decomposed = "Hô\u0323i nghi\u0323 &amp; &nbsp; tô\u0309ng  kê\u0301t"
    assert vn.clean(decomposed) == "Hội nghị & tổng kết"


@pytest.mark.parametrize("url,expected", [
    ("https://chauthanh.soctrang.gov.vn/Default.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001&id=397719&catname=Tin-tuc-Su-kien&title=X",
     {"sname": "huyenchauthanh", "sid": 1308, "pageid": 369, "catid": 1001, "article_id": 397719}),
    ("https://chauthanh.soctrang.gov.vn/mDefault.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001&id=397719",
     {"sname": "huyenchauthanh", "sid": 1308, "pageid": 369, "catid": 1001, "article_id": 397719}),
    ("https://chauthanh.soctrang.gov.vn/huyenchauthanh/1308/369/1001/397719/Tin-tuc-Su-kien/Huyen-Chau-Thanh.aspx",
     {"sname": "huyenchauthanh", "sid": 1308, "pageid": 369, "catid": 1001, "article_id": 397719}),
    ("https://chauthanh.soctrang.gov.vn/Default.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001",
     {"sname": "huyenchauthanh", "sid": 1308, "pageid": 369, "catid": 1001, "article_id": None}),
    ("https://vnexpress.net/abc-4954454.html", None),
    ("", None),
])
def test_parse_vnportal_url(url, expected):
    assert parse_vnportal_url(url) == expected


# ------------------------------------------------------------------------------------ CLI

def _cli():
    from govnews.cli import cli

    return cli


def test_cli_prints_json():
    page = FIX / "seed" / "page.html"
    url = (FIX / "seed" / "url.txt").read_text().strip()
    r = CliRunner().invoke(_cli(), ["extract", str(page), "--url", url])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["view_count"] == 203 and "Châu Thành" in r.output  # ensure_ascii=False


def test_cli_help_has_example():
    r = CliRunner().invoke(_cli(), ["extract", "--help"])
    assert r.exit_code == 0 and "Example" in r.output


@pytest.mark.parametrize("make", ["missing", "dir", "png", "pdf", "notags", "empty"])
def test_cli_user_errors(tmp_path, make):
    p = tmp_path / "x"
    if make == "dir":
        p.mkdir()
    elif make == "png":
        p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    elif make == "pdf":
        p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    elif make == "notags":
        p.write_text("just some words, no markup at all")
    elif make == "empty":
        p.write_bytes(b"")
    r = CliRunner().invoke(_cli(), ["extract", str(p), "--url", "https://x.gov.vn/"])
    assert r.exit_code != 0
    assert "Error" in r.output


def test_cli_subprocess_one_line_error(tmp_path):
    png = tmp_path / "img.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    py = ROOT / ".venv" / "bin" / "python"
    exe = str(py) if py.exists() else sys.executable
    p = subprocess.run(
        [exe, "-c", "from govnews.cli import main; main()", "extract", str(png), "--url", "https://x.gov.vn/"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert p.returncode != 0
    assert p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1
    assert p.stderr.startswith("Error:")


def test_noise_heading_after_a_comment_does_not_empty_the_page():
    """A sidebar module whose heading text follows an HTML comment (``<!-- … -->TIN NỔI BẬT``)
    is noise like any other; it used to make the whole page come back empty (kind "other")."""
    d = FIX / "seed"
    page = (d / "page.html").read_bytes().decode("utf-8")
    module = (
        '<div class="khoi-phai"><!-- module tin noi bat -->TIN NỔI BẬT'
        "<ul><li><a href='/a/1'>Một tin nổi bật khác của huyện</a></li></ul></div>"
    )
    assert page.count("</body>") == 1
    page = page.replace("</body>", module + "</body>")
    got = extract_full(page.encode("utf-8"), (d / "url.txt").read_text().strip())
    seed = _run("seed", full=True)
    assert got["kind"] == "article"
    assert got["title"] == seed["title"] == (
        "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"
    )
    assert got["view_count"] == 203
    assert got["body_text"] == seed["body_text"]
    assert "Một tin nổi bật khác" not in got["body_text"]
