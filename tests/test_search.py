"""Search over a real archive built through ArchiveWriter, and the `govnews search` CLI."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.db import open_db
from archive.search import fold_query, make_snippet, query_terms, search
from archive.store import ArchiveWriter
from exports.csvout import CsvWriter, format_cell
from govnews.cli import cli as govnews_cli
from govnews.errors import UserError

SEED_TITLE = "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"
SEED_LEAD = (
    "Để nâng cao chỉ số PAPI của tỉnh, thời gian qua Ủy ban nhân dân huyện Châu Thành đã xây "
    "dựng và triển khai thực hiện Kế hoạch cải thiện, nâng cao Chỉ số PAPI đề ra các giải pháp "
    "thực hiện các nội dung như: công khai, minh bạch các chủ trương, đường lối, chính sách của "
    "Đảng, pháp luật của Nhà nước, các quy định về thủ tục hành chính, dịch vụ công, chuyển đổi số."
)
SEED_BODY = (
    "Trong thời gian qua, Ủy ban nhân dân huyện đã cụ thể hóa các văn bản của tỉnh về chỉ đạo, "
    "triển khai để nâng cao chỉ số PAPI, huyện đã ban hành các văn bản triển khai cho các cơ "
    "quan, đơn vị. Tăng cường tuyên truyền sâu rộng trong cán bộ, đảng viên và Nhân dân."
)

# (site, article_id, published_at, title, lead, body, views)
ARTICLES = [
    ("chauthanh", "397719", "2023-07-20T08:15:00+07:00", SEED_TITLE, SEED_LEAD, SEED_BODY, 1234),
    # all three words, but only in the body: must rank below the seed
    (
        "chauthanh",
        "397800",
        "2024-03-02T09:00:00+07:00",
        "Kết quả cải cách hành chính năm 2023",
        "Năm 2023, huyện tiếp tục đẩy mạnh cải cách hành chính.",
        "Theo báo cáo của tỉnh, chỉ số PAPI năm 2023 có nhiều chuyển biến; các khoản chi "
        "thường xuyên và số hóa hồ sơ được quan tâm.",
        88,
    ),
    # only some of the words
    (
        "chauthanh",
        "397801",
        "2024-05-10T10:00:00+07:00",
        "Chi bộ ấp Phú Hòa tổ chức sinh hoạt chuyên đề",
        "Chi bộ có số đảng viên tham dự đông đủ.",
        "Buổi sinh hoạt diễn ra tại nhà văn hóa ấp.",
        40,
    ),
    (
        "kesach",
        "5001",
        "2024-06-01T07:30:00+07:00",
        "Tập huấn khảo sát PAPI năm 2024",
        "Tập huấn cho cán bộ các xã về khảo sát PAPI.",
        "Lớp tập huấn diễn ra trong hai ngày.",
        12,
    ),
    # thủy lợi: new tone placement / old tone placement / decoys with only one word
    (
        "kesach",
        "5002",
        "2024-11-15T14:00:00+07:00",
        "Nạo vét kênh thủy lợi phục vụ sản xuất vụ Đông Xuân",
        "Huyện Kế Sách ra quân nạo vét các tuyến kênh thủy lợi nội đồng.",
        "Công trình giúp tiêu úng và giữ nước cho vụ lúa.",
        300,
    ),
    (
        "chauthanh",
        "397900",
        "2025-01-05T08:00:00+07:00",
        "Công trình thuỷ lợi nội đồng xã Hoà Tú",
        "Xã Hoà Tú nghiệm thu công trình thuỷ lợi phục vụ nuôi trồng.",
        "Công trình do Nhân dân đóng góp xây dựng.",
        77,
    ),
    (
        "chauthanh",
        "397901",
        "2025-02-01T08:00:00+07:00",
        "Phát triển thủy sản bền vững",
        "Nuôi thủy sản mang lại lợi nhuận cao cho nông dân.",
        "Mô hình được nhân rộng.",
        None,
    ),
    (
        "chauthanh",
        "397902",
        "2025-03-01T08:00:00+07:00",
        "Đoàn công tác tỉnh Hòa Bình thăm mô hình chuyển đổi số",
        "Đoàn công tác tỉnh Hòa Bình đến tham quan, học tập kinh nghiệm.",
        "Huyện giới thiệu các ứng dụng dịch vụ công trực tuyến.",
        15,
    ),
    (
        "chauthanh",
        "397903",
        "2025-04-01T08:00:00+07:00",
        "Huyện Châu Thành học tập kinh nghiệm tại tỉnh Đắk Lắk",
        "Đoàn cán bộ huyện học tập mô hình cà phê bền vững ở Đắk Lắk.",
        "Tỉnh Đắk Lắk có nhiều kinh nghiệm phát triển hợp tác xã.",
        9,
    ),
    (
        "kesach",
        "5003",
        "2025-04-02T08:00:00+07:00",
        "Đại hội Hội Nông dân xã Đắc Lộc",
        "Đại hội nhiệm kỳ mới của Hội Nông dân.",
        "Không liên quan đến tỉnh Tây Nguyên.",
        3,
    ),
]


def build_archive(path: Path) -> Path:
    w = ArchiveWriter(path, batch_size=4)
    w.sync_sites(
        [
            {"id": "chauthanh", "name": "Huyện Châu Thành", "platform": "vnportal"},
            {"id": "kesach", "name": "Huyện Kế Sách", "platform": "vnportal"},
            {"id": "longphu", "name": "Huyện Long Phú", "platform": "vnportal"},
        ]
    )
    crawl = w.start_crawl(sites=["chauthanh", "kesach"], options={})
    for site, aid, published, title, lead, body, views in ARTICLES:
        url = f"https://{site}.soctrang.gov.vn/a/{aid}"
        raw = f"<html><h1>{title}</h1><p>{lead}</p><p>{body}</p></html>".encode()
        h = w.put_page(
            crawl_id=crawl, url=url, status=200, body=raw, fetched_at="2025-06-01T10:00:00+07:00"
        )
        w.put_article(
            crawl_id=crawl,
            site=site,
            article_id=aid,
            url=url,
            raw_hash=h,
            fetched_at="2025-06-01T10:00:00+07:00",
            data={
                "title": title,
                "lead": lead,
                "body_text": body,
                "body_html": f"<p>{body}</p>",
                "published_at": published,
                "view_count": views,
                "images": [],
                "attachments": [],
            },
        )
    w.finish_crawl(crawl)
    w.close()
    return path


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory) -> Path:
    return build_archive(tmp_path_factory.mktemp("arch") / "govnews.db")


@pytest.fixture
def db(archive_path):
    d = open_db(archive_path, readonly=True)
    yield d
    d.close()


def ids(results) -> list[str]:
    return [r["article_id"] for r in results]


@pytest.mark.parametrize(
    "query",
    [
        "chi so papi",
        "chỉ số PAPI",
        unicodedata.normalize("NFD", "chỉ số PAPI"),
        "CHỈ SỐ PAPI",
        unicodedata.normalize("NFD", "CHỈ SỐ PAPI"),
    ],
)
def test_papi_seed_first(db, query):
    results = search(db, query)
    assert results, query
    assert results[0]["article_id"] == "397719"
    assert results[0]["title"] == SEED_TITLE
    # AND semantics: the body-only article has all three words and ranks lower; decoys with
    # only some of the words are not returned at all.
    assert ids(results) == ["397719", "397800"]


def test_result_keys_and_snippet(db):
    (first, *_) = search(db, "chi so papi")
    assert set(first) >= {
        "url",
        "title",
        "site",
        "published_at",
        "view_count",
        "snippet",
        "article_id",
        "lead",
        "rank",
    }
    assert first["url"] == "https://chauthanh.soctrang.gov.vn/a/397719"
    assert first["view_count"] == 1234
    assert first["site"] == "chauthanh"
    assert first["published_at"] == "2023-07-20T08:15:00+07:00"
    # original diacritics, adjacent matches share one bracket pair
    assert "[chỉ số PAPI]" in first["snippet"]
    assert len(first["snippet"].split()) <= 32


def test_snippet_for_nfd_text_maps_offsets():
    text = unicodedata.normalize("NFD", "Tỉnh Đắk Lắk có nhiều kinh nghiệm")
    snip = make_snippet(text, query_terms(fold_query("dak lak")))
    assert snip == "Tỉnh [Đắk Lắk] có nhiều kinh nghiệm"


def test_snippet_window_is_about_30_words():
    words = [f"từ{i}" for i in range(100)]
    words[60] = "Thủy"
    snip = make_snippet(" ".join(words), query_terms(fold_query("thuy")))
    assert "[Thủy]" in snip
    assert snip.startswith("… ") and snip.endswith(" …")
    assert len(snip.split()) == 32  # 30 words + two ellipses


@pytest.mark.parametrize(
    "variants",
    [
        ["thuy loi", "thủy lợi", "thuỷ lợi", "THỦY LỢI", unicodedata.normalize("NFD", "thuỷ lợi")],
        ["hoa", "hòa", "hoà", "HOÀ"],
        ["dak lak", "Đắk Lắk", "đắk lắk", "DAK LAK"],
    ],
)
def test_variants_find_same_set(db, variants):
    sets = [set(ids(search(db, q, limit=100))) for q in variants]
    assert sets[0], variants
    assert all(s == sets[0] for s in sets), dict(zip(variants, sets, strict=True))


def test_tone_placement_both_found(db):
    # AND of words: "thủy sản … lợi nhuận" has both words too; the phrase narrows it down.
    assert set(ids(search(db, "thủy lợi"))) == {"5002", "397900", "397901"}
    for q in ['"thủy lợi"', '"thuỷ lợi"', '"thuy loi"']:
        assert set(ids(search(db, q))) == {"5002", "397900"}, q
    hoa = set(ids(search(db, "hoà", limit=100)))
    assert {"397900", "397902", "397801"} <= hoa


def test_dak_lak_is_not_dac_loc(db):
    assert set(ids(search(db, "Đắk Lắk"))) == {"397903"}
    assert set(ids(search(db, '"dak lak"'))) == {"397903"}


def test_site_filter(db):
    assert set(ids(search(db, "papi", site="kesach"))) == {"5001"}
    assert set(ids(search(db, "papi", site="chauthanh"))) == {"397719", "397800"}
    assert search(db, "papi", site="longphu") == []  # known site, no articles
    with pytest.raises(UserError, match="unknown site"):
        search(db, "papi", site="nosuchsite")


def test_date_filters(db):
    assert set(ids(search(db, "papi", since="2024-01-01"))) == {"397800", "5001"}
    assert set(ids(search(db, "papi", until="2023-12-31"))) == {"397719"}
    # until is inclusive of the whole day
    assert set(ids(search(db, "papi", since="2023-07-20", until="2023-07-20"))) == {"397719"}
    assert set(ids(search(db, "papi", since="2024-03-02", until="2024-06-01"))) == {
        "397800",
        "5001",
    }


@pytest.mark.parametrize("bad", ["2024-13-01", "01/02/2024", "2024-1-1", "yesterday"])
def test_bad_dates(db, bad):
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        search(db, "papi", since=bad)
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        search(db, "papi", until=bad)


@pytest.mark.parametrize("bad", ['"unbalanced', "AND OR", "*", "papi AND", "NOT papi", "()"])
def test_fts_syntax_errors(db, bad):
    with pytest.raises(UserError) as info:
        search(db, bad)
    msg = info.value.format_message()
    assert msg.startswith("invalid search query:")
    assert "\n" not in msg


def test_empty_query(db):
    with pytest.raises(UserError, match="empty"):
        search(db, "  - ")


def test_fts_syntax_still_works(db):
    assert set(ids(search(db, 'thuy* NOT "thủy sản"'))) >= {"5002", "397900"}
    assert "397901" not in ids(search(db, 'thuy* NOT "thủy sản"'))
    assert set(ids(search(db, "title:papi"))) == {"397719", "5001"}
    assert set(ids(search(db, 'papi OR "dak lak"'))) == {"397719", "397800", "5001", "397903"}


def test_punctuation_is_not_an_error(db):
    assert "397903" in ids(search(db, "Châu Thành, Đắk Lắk."))
    assert search(db, "covid-19 10/2023") == []


def test_limit(db):
    assert len(search(db, "hoa", limit=1)) == 1
    with pytest.raises(UserError):
        search(db, "hoa", limit=0)


# ------------------------------------------------------------------ CLI


def run(*args, env=None):
    runner = CliRunner()
    return runner.invoke(govnews_cli, ["search", *args], env=env or {})


def file_digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_cli_json(archive_path):
    result = run("chi so papi", "--db", str(archive_path), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["title"] == SEED_TITLE
    assert {"url", "title", "site", "published_at", "view_count", "snippet"} <= set(rows[0])
    assert "Châu Thành" in result.stdout  # ensure_ascii=False


def test_cli_db_from_env(archive_path):
    result = run("papi", "--format", "json", env={"GOVNEWS_DB": str(archive_path)})
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 3


def test_cli_table(archive_path):
    result = run("thuy loi", "--db", str(archive_path), "--limit", "5")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["#", "date", "site", "views", "title"]
    assert any("thủy lợi" in line for line in lines)
    assert any("https://kesach.soctrang.gov.vn/a/5002" in line for line in lines)


def test_cli_csv(archive_path):
    runner = CliRunner()
    result = runner.invoke(
        govnews_cli, ["search", "chi so papi", "--db", str(archive_path), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0]["title"] == SEED_TITLE
    assert len(rows) == 2


def test_cli_help_has_example():
    result = CliRunner().invoke(govnews_cli, ["search", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def _assert_one_line_error(result):
    assert result.exit_code != 0
    err = result.stderr.strip()
    assert err.startswith("Error:"), result.output
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in result.output
    return err


def test_cli_missing_db_not_created(tmp_path):
    missing = tmp_path / "nothing.db"
    err = _assert_one_line_error(run("papi", "--db", str(missing)))
    assert "no archive at" in err
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_directory_as_db(tmp_path):
    err = _assert_one_line_error(run("papi", "--db", str(tmp_path)))
    assert "directory" in err


def test_cli_not_sqlite(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("hello, not a database\n" * 10)
    before = file_digest(bogus)
    err = _assert_one_line_error(run("papi", "--db", str(bogus)))
    assert "not a SQLite database" in err
    assert file_digest(bogus) == before


@pytest.mark.parametrize(
    "args,needle",
    [
        (["papi", "--since", "2024-02-30"], "YYYY-MM-DD"),
        (["papi", "--until", "tomorrow"], "YYYY-MM-DD"),
        (['"unbalanced'], "invalid search query"),
        (["AND OR"], "invalid search query"),
        (["*"], "invalid search query"),
        (["papi", "--site", "nowhere"], "unknown site"),
    ],
)
def test_cli_user_errors_leave_archive_unchanged(archive_path, args, needle):
    before = file_digest(archive_path)
    err = _assert_one_line_error(run(*args, "--db", str(archive_path)))
    assert needle in err
    assert file_digest(archive_path) == before


# ------------------------------------------------------------------ csvout


def test_csvout_quoting_and_neutralising():
    buf = io.BytesIO()
    w = CsvWriter(buf, ["a", "b", "c"])
    w.writerow({"a": '=HYPERLINK("x")', "b": 'say "hi", ok', "c": -5})
    w.writerow(["+1", "line1\r\nline2", None])
    w.writerow(["@x", "\tTab", "- Tin tức"])
    w.writerow([True, [1, "đ"], 3.5])
    data = buf.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[0] == "a,b,c"
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == ['\'=HYPERLINK("x")', 'say "hi", ok', "-5"]
    assert rows[2] == ["'+1", "line1\r\nline2", ""]
    assert rows[3] == ["'@x", "'\tTab", "'- Tin tức"]
    assert rows[4] == ["true", '[1,"đ"]', "3.5"]
    assert format_cell("\rx") == '"\'\rx"'
