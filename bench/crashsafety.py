"""Crash safety: SIGKILL the crawl at random moments, restart it, compare with a clean crawl.

    python bench/crashsafety.py [--kills 20] [--quick] [--articles N] [--seed S]

One uninterrupted crawl of the replica gives the reference archive.  A second archive is
crawled by a crawl that is killed with SIGKILL at ``--kills`` random moments (uniform over the
time the remaining work should take, process start included) and restarted each time, then allowed to
finish.  The two archives must hold the same articles with the same fields, no duplicates, no
holes, a consistent full-text index and a sound SQLite file.  Prints the figures; exit status
1 if anything differs.  ``--quick`` = 3 kills (what CI runs, via tests/test_crashsafety…).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STARTUP = 1.5  # seconds from process start to the first request (imports, Scrapy set-up)
FIELDS = ("url", "title", "lead", "body_text", "body_html", "published_at", "author", "category",
          "view_count", "images", "attachments", "content_hash")


def _cmd(db: Path, replica: str) -> list[str]:
    return [sys.executable, "-m", "govnews", "crawl", "chauthanh", "--db", str(db),
            "--replica", replica, "--no-progress"]


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}


def crawl(db: Path, replica: str) -> float:
    t = time.monotonic()
    res = subprocess.run(_cmd(db, replica), cwd=ROOT, env=_env(), capture_output=True, text=True,
                         timeout=600)
    if res.returncode != 0:
        raise SystemExit(f"crawl failed: {res.stderr.strip()[-500:]}")
    return time.monotonic() - t


def articles(db: Path) -> dict[tuple[str, str], tuple]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute(f"SELECT site, article_id, {', '.join(FIELDS)} FROM articles").fetchall()
    finally:
        con.close()
    return {(r[0], r[1]): r[2:] for r in rows}


def checks(db: Path) -> dict[str, int | str]:
    con = sqlite3.connect(db)
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "integrity": one("PRAGMA integrity_check"),
            "duplicates": one("SELECT COUNT(*) - COUNT(DISTINCT site || '/' || article_id) FROM articles"),
            "fts_rows_minus_articles": one("SELECT (SELECT COUNT(*) FROM articles_fts) - COUNT(*) FROM articles"),
            "fts_orphans": one("SELECT COUNT(*) FROM articles_fts WHERE rowid NOT IN (SELECT id FROM articles)"),
            "view_count_duplicates": one(
                "SELECT COUNT(*) - COUNT(DISTINCT article || '/' || crawl_id) FROM view_counts"),
            "articles_without_raw_page": one(
                "SELECT COUNT(*) FROM articles WHERE raw_hash IS NOT NULL "
                "AND raw_hash NOT IN (SELECT hash FROM raw_bodies)"),
            "crawls": one("SELECT COUNT(*) FROM crawls"),
        }
    finally:
        con.close()


def run(kills: int = 20, articles_total: int | None = None, seed: int = 0,
        workdir: Path | None = None, log=print) -> dict:
    """Run the experiment; returns the figures (``ok`` says whether the archives agree)."""
    from govnews.replica import ReplicaServer

    rng = random.Random(seed)
    tmp = Path(workdir or tempfile.mkdtemp(prefix="govnews-crash-"))
    ref_db, db = tmp / "reference.db", tmp / "killed.db"
    with ReplicaServer(articles=articles_total) as srv:
        duration = crawl(ref_db, srv.url)
        log(f"reference crawl: {duration:.1f} s, {len(articles(ref_db))} articles")
        moments, killed_with = [], []
        ref_now = articles(ref_db)
        for i in range(kills):
            # a moment while there is still work: the startup plus the share of the reference
            # crawl's time that the articles not archived yet would take
            done = len(articles(db)) if db.exists() else 0
            left = 1.0 - done / max(1, len(ref_now))
            at = rng.uniform(0.3, STARTUP + max(0.5, (duration - STARTUP) * left))
            proc = subprocess.Popen(_cmd(db, srv.url), cwd=ROOT, env=_env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(at)
            alive = proc.poll() is None
            if alive:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            n = len(articles(db)) if db.exists() else 0
            moments.append(round(at, 2))
            killed_with.append(n)
            log(f"kill {i + 1:2d} at {at:5.2f} s: {'killed' if alive else 'had finished'}, "
                f"{n} articles archived so far")
        final = crawl(db, srv.url)
        log(f"final (uninterrupted) resume: {final:.1f} s")
    ref, got = articles(ref_db), articles(db)
    lost = sorted(set(ref) - set(got))
    extra = sorted(set(got) - set(ref))
    differ = sorted(k for k in set(ref) & set(got) if ref[k] != got[k])
    result = {
        "kills": kills, "kill_moments_s": moments, "archived_at_each_kill": killed_with,
        "kills_with_work_left": sum(1 for n in killed_with if n < len(ref_now)),
        "reference_articles": len(ref), "articles": len(got), "lost": len(lost),
        "extra": len(extra), "fields_differ": len(differ), **checks(db),
    }
    result["ok"] = (not lost and not extra and not differ and result["integrity"] == "ok"
                    and result["duplicates"] == 0 and result["fts_rows_minus_articles"] == 0
                    and result["fts_orphans"] == 0 and result["view_count_duplicates"] == 0
                    and result["articles_without_raw_page"] == 0)
    if differ:
        result["first_difference"] = {"article": differ[0],
                                      "fields": [f for f, a, b in zip(FIELDS, ref[differ[0]],
                                                                      got[differ[0]], strict=True)
                                                 if a != b]}
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="3 kills (CI)")
    ap.add_argument("--articles", type=int, default=None, help="replica size (default 73)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    result = run(3 if args.quick else args.kills, args.articles, args.seed)
    width = max(len(k) for k in result)
    for k, v in result.items():
        print(f"{k:<{width}}  {v}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
