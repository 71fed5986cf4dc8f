"""`govnews serve` (Datasette) in a real headless Chromium, plus its HTTP contract.

The server runs as a subprocess (``python -m govnews serve``) on a free loopback port against a
real archive written by ArchiveWriter.  The browser tests need Debian's ``chromium`` and
``chromium-driver``; without them they are skipped locally, but in CI (``CI`` set) a missing
browser is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from test_search import SEED_TITLE, build_archive

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
    reason="chromium/chromedriver not installed (apt-get install chromium chromium-driver); "
    "required in CI",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def govnews(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    return subprocess.run(
        [sys.executable, "-m", "govnews", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base_url, database name, archive path) of a running `govnews serve`."""
    path = build_archive(tmp_path_factory.mktemp("serve") / "archive.db")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "govnews", "serve", "--db", str(path), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"govnews serve exited: {proc.stdout.read()}")
        try:
            if get(base + "/", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("govnews serve did not answer within 60 s")
        time.sleep(0.2)
    yield base, "archive", path
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("CI is set but chromium/chromedriver are missing: install them first")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _search_in_box(driver, base: str, db: str, text: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/{db}/articles_browse")
    box = WebDriverWait(driver, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "input[name=_search]"))
    )
    box.clear()
    box.send_keys(text)
    box.submit()
    WebDriverWait(driver, 20).until(ec.url_contains("_search="))
    WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, "table")))
    return driver.find_element(By.TAG_NAME, "body").text


@needs_browser
def test_browser_diacritic_free_search_shows_seed(server, browser):
    base, db, _ = server
    text = _search_in_box(browser, base, db, "chi so papi")
    assert SEED_TITLE in text
    # AND semantics like `govnews search`: the decoy with only "chi" and "so" is not listed
    assert "Chi bộ ấp Phú Hòa" not in text
    assert "2 rows where search matches" in text


@needs_browser
def test_browser_search_folds_d_and_two_mark_letters(server, browser):
    base, db, _ = server
    # FTS5 alone would keep "đ" and "ắ": the plugin folds what is typed into the box.
    text = _search_in_box(browser, base, db, "Đắk Lắk")
    assert "Kinh nghiệm từ Đắk Lắk" in text or "Đắk Lắk" in text
    assert "1 row where search matches" in text


@needs_browser
def test_browser_canned_query_renders_rows(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, db, _ = server
    browser.get(f"{base}/{db}/most_viewed_per_site")
    WebDriverWait(browser, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns tbody tr"))
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    cells = [r.text for r in rows]
    assert len(rows) >= 3
    assert any(SEED_TITLE in c and "1234" in c.replace(",", "") for c in cells), cells
    assert "Most-viewed articles per site" in browser.find_element(By.TAG_NAME, "body").text


# ------------------------------------------------------------------ HTTP contract (no browser)


def _json(base: str, path: str, **params) -> list[dict]:
    qs = urllib.parse.urlencode(dict(params, _shape="array"))
    status, body = get(f"{base}{path}.json?{qs}")
    assert status == 200, body[:300]
    return json.loads(body)


def test_serve_binds_loopback_with_metadata(server):
    base, db, _ = server
    assert base.startswith("http://127.0.0.1:")
    status, body = get(f"{base}/-/metadata.json")
    meta = json.loads(body)
    assert meta["title"] == "govnews archive"
    assert "gov.vn" in meta["source"] and meta["license"]
    tables = meta["databases"][db]["tables"]
    assert tables["articles"]["fts_table"] == "articles_fts"
    assert tables["articles_browse"]["facets"] == ["site", "category", "month"]
    assert tables["articles"]["columns"]["published_at"].startswith("Publication date")


def test_serve_search_param_is_folded(server):
    base, db, _ = server
    for typed in ("chỉ số PAPI", "CHI SO PAPI", "chi so papi"):
        rows = _json(base, f"/{db}/articles_browse", _search=typed)
        assert {r["article_id"] for r in rows} == {"397719", "397800"}, typed
    rows = _json(base, f"/{db}/articles_browse", _search="Đắk Lắk")
    assert [r["article_id"] for r in rows] == ["397903"]


def test_serve_facets_site_category_month(server):
    base, db, _ = server
    status, body = get(f"{base}/{db}/articles_browse.json?_search=papi")
    facets = json.loads(body)["facet_results"]
    assert {"site", "category", "month"} <= set(facets)
    months = {f["value"]: f["count"] for f in facets["month"]["results"]}
    assert months == {"2023-07": 1, "2024-03": 1, "2024-06": 1}


@pytest.mark.parametrize(
    "name",
    [
        "most_viewed_per_site",
        "posts_per_site_per_month",
        "contact_changes",
        "new_posts_last_7_days",
        "view_count_growth",
    ],
)
def test_serve_canned_queries_run(server, name):
    base, db, _ = server
    rows = _json(base, f"/{db}/{name}")
    if name == "most_viewed_per_site":
        assert rows[0]["site"] == "chauthanh" and rows[0]["view_count"] == 1234
    if name == "posts_per_site_per_month":
        assert {"site": "chauthanh", "month": "2023-07", "posts": 1, "views": 1234} in rows
    if name == "view_count_growth":
        seed = next(r for r in rows if r["title"] == SEED_TITLE)
        assert seed["first_views"] == seed["latest_views"] == 1234 and seed["growth"] == 0
    if name == "new_posts_last_7_days":
        assert rows == []  # built with fixed 2023-2025 dates and first seen 2025-06-01
    if name == "contact_changes":
        assert rows == []  # one crawl: nothing changed yet


def test_serve_is_read_only(server):
    base, db, path = server
    before = sqlite3.connect(path).execute("SELECT count(*) FROM articles").fetchone()[0]
    status, body = get(
        f"{base}/{db}.json?"
        + urllib.parse.urlencode({"sql": "DELETE FROM articles", "_shape": "array"})
    )
    assert status >= 400
    after = sqlite3.connect(path).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert before == after


def test_serve_help_has_example():
    res = govnews("serve", "--help")
    assert res.returncode == 0
    assert "Example" in res.stdout and "127.0.0.1" in res.stdout


def test_serve_missing_archive_one_line(tmp_path):
    res = govnews("serve", "--db", str(tmp_path / "none.db"), "--port", str(free_port()))
    assert res.returncode != 0
    err = res.stderr.strip()
    assert err.startswith("Error:") and "no archive at" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "none.db").exists()


def test_serve_port_in_use_one_line(server):
    base, _, path = server
    port = base.rsplit(":", 1)[1]
    res = govnews("serve", "--db", str(path), "--port", port)
    assert res.returncode != 0
    err = res.stderr.strip()
    assert err.startswith("Error:") and f"127.0.0.1:{port}" in err
    assert len(err.splitlines()) == 1
