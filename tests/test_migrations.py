"""An archive written at schema version 1 (committed fixture) opens and upgrades with the newest
code, with nothing lost."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.db import SCHEMA_VERSION, open_db
from archive.search import search
from govnews.replica import SEED_ID

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "db" / "archive_v1.db"
SEED_TITLE = "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"
TABLES_V1 = ("sites", "crawls", "articles", "raw_bodies", "pages", "view_counts", "site_snapshots")


def dump(path: Path, table: str) -> tuple[list[tuple], list[str]]:
    con = sqlite3.connect(path)
    try:
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        return con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid").fetchall(), cols
    finally:
        con.close()


@pytest.fixture
def old(tmp_path) -> Path:
    copy = tmp_path / "archive_v1.db"
    shutil.copy(FIXTURE, copy)
    return copy


def test_fixture_is_schema_1():
    con = sqlite3.connect(f"{FIXTURE.as_uri()}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        con.close()


def test_v1_archive_upgrades_with_nothing_lost(old):
    before = {t: dump(old, t) for t in TABLES_V1}
    db = open_db(old)
    try:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        applied = [r[0] for r in db.conn.execute("SELECT version FROM schema_migrations")]
        assert applied == list(range(1, SCHEMA_VERSION + 1))
        hits = search(db, "chi so papi")
        assert hits and hits[0]["title"] == SEED_TITLE
    finally:
        db.close()
    for table, (rows, cols) in before.items():
        after, after_cols = dump(old, table)
        assert after_cols[: len(cols)] == cols  # columns only added, never dropped/renamed
        assert [r[: len(cols)] for r in after] == rows, table
    # every article became version 1 of itself; the footer became one contact period
    con = sqlite3.connect(old)
    try:
        assert con.execute(
            "SELECT count(*) FROM articles a JOIN article_versions v ON v.article = a.id "
            "AND v.version = 1 AND v.content_hash = a.content_hash AND v.title IS a.title "
            "AND v.body_text IS a.body_text AND a.version = 1"
        ).fetchone()[0] == 12
        assert con.execute("SELECT count(*), sum(valid_to IS NULL) FROM site_contacts").fetchone() \
            == (1, 1)
        assert con.execute("SELECT count(*) FROM contact_changes").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM counter_series").fetchone()[0] == 2
        assert con.execute(
            "SELECT view_count FROM article_view_series WHERE article_id = ?", (str(SEED_ID),)
        ).fetchall() == [(203,), (203,)]
    finally:
        con.close()


def test_upgraded_archive_works_with_the_commands(old):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}

    def govnews(*args):
        return subprocess.run([sys.executable, "-m", "govnews", *args, "--db", str(old)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    stats = govnews("stats")  # read-only open upgrades first
    assert stats.returncode == 0, stats.stderr
    assert "chauthanh  12" in stats.stdout
    hist = govnews("history", str(SEED_ID))
    assert hist.returncode == 0 and SEED_TITLE in hist.stdout and "version 1" in hist.stdout
    re = govnews("reextract", "--format", "json")
    assert re.returncode == 0, re.stderr
    assert '"records": 24' in re.stdout  # 12 versions + 12 article rows, from the raw pages
