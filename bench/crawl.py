"""Crawl throughput: the full govnews pipeline vs a bare Scrapy + parsel spider, same pages.

Both run against the same replica (its own process, so it does not share the crawler's GIL; warmed
by one unmeasured full crawl so that every measured run gets pages from its render cache), with
the same Scrapy concurrency (16 requests, per-domain limit raised to 16, AutoThrottle off) as the
baseline in ``../shared/notes/measurements.md``.

1. The full pipeline (``govnews crawl``: discovery, postbacks, extraction, raw-page store,
   archive, FTS) crawls the replica into a fresh archive.
2. The bare spider fetches exactly the GET URLs the full crawl fetched (list pages and article
   pages, read back from the archive's ``pages`` table) and extracts title/date/body with parsel,
   storing nothing.

Prints pages/min of each and their ratio.  ``--quick`` uses a smaller site (CI smoke test).

    python bench/crawl.py            # 2,000-article replica
    python bench/crawl.py --quick    # 300-article replica
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

BENCH_SETTINGS = {
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "AUTOTHROTTLE_ENABLED": "False",
    "ROBOTSTXT_OBEY": "False",
    "LOG_LEVEL": "ERROR",
}

FULL_PIPELINE = r'''
import json, sys
from crawler.run import run_crawl
db, url, settings, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
summary = run_crawl(["chauthanh"], db, replica=url, settings_overrides=settings)
json.dump(summary.as_dict(), open(out, "w"))
'''

BARE_SPIDER = r'''
import json, sys, time
import scrapy
from scrapy.crawler import CrawlerProcess

urls = json.load(open(sys.argv[1]))
settings = json.loads(sys.argv[2])
out = sys.argv[3]

class Bare(scrapy.Spider):
    name = "bare"
    n = 0
    async def start(self):
        for u in urls:
            yield scrapy.Request(u, dont_filter=True)
    def parse(self, response):
        title = response.css("h1::text, h2.Title a::text").get()
        date = response.css("div.DateCreate::text, .Ngaydang::text").get()
        body = " ".join(response.css(".ArticleContent p::text").getall())
        Bare.n += 1
        yield None

p = CrawlerProcess(settings)
crawler = p.create_crawler(Bare)
p.crawl(crawler)
p.start()
stats = crawler.stats.get_stats()
json.dump({"pages": Bare.n, "seconds": stats["elapsed_time_seconds"]}, open(out, "w"))
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"replica did not start on port {port}")


def run_full(tmp: str, url: str, name: str) -> tuple[Path, float]:
    """One full-pipeline crawl into ``tmp/name.db``: (the archive, crawl seconds)."""
    db, summary = Path(tmp) / f"{name}.db", Path(tmp) / f"{name}.json"
    subprocess.run([PY, "-c", FULL_PIPELINE, str(db), url, json.dumps(BENCH_SETTINGS),
                    str(summary)], cwd=ROOT, check=True)
    return db, json.loads(summary.read_text())["elapsed_seconds"]


def run_bare(tmp: str, urls_file: Path, settings: dict, name: str) -> dict:
    out = Path(tmp) / name
    subprocess.run([PY, "-c", BARE_SPIDER, str(urls_file), json.dumps(settings), str(out)],
                   cwd=tmp, check=True)
    return json.loads(out.read_text())


def run(articles: int) -> dict:
    port = free_port()
    replica = subprocess.Popen(
        [PY, "-m", "govnews", "replica", "serve", "--port", str(port), "--articles", str(articles)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as tmp:
            # Warm-up, not measured: one full crawl into a throwaway archive makes the replica
            # render (and cache) every page.  Otherwise the first run measured would pay the
            # server's rendering on the shared 2 cores and the runs after it would not.
            run_full(tmp, url, "warm")
            db, full_s = run_full(tmp, url, "bench")
            con = sqlite3.connect(db)
            full_pages = con.execute("select count(*) from pages").fetchone()[0]
            archived = con.execute("select count(*) from articles").fetchone()[0]
            # The same pages, by GET, on the replica directly (POST postbacks are left out).
            urls = sorted({
                u for (u,) in con.execute("select url from pages where url not like '%robots.txt'")
            })
            con.close()
            local = [url + u.split("gov.vn", 1)[1] for u in urls]
            urls_file = Path(tmp) / "urls.json"
            urls_file.write_text(json.dumps(local))
            settings = {k: (int(v) if v.isdigit() else v == "True" if v in ("True", "False") else v)
                        for k, v in BENCH_SETTINGS.items()}
            bare = run_bare(tmp, urls_file, settings, "bare.json")
            bare_s = bare["seconds"]
            # The same bare spider with the one Scrapy setting govnews changes for speed
            # (CONCURRENT_ITEMS, crawler/settings.py), so the ratio is not read as a tuning gap.
            tuned = run_bare(tmp, urls_file, dict(settings, CONCURRENT_ITEMS=1), "tuned.json")
    finally:
        replica.terminate()
        replica.wait(10)
    full_rate = full_pages / full_s * 60
    bare_rate = bare["pages"] / bare_s * 60
    return {
        "articles": archived,
        "full_pages": full_pages,
        "full_seconds": round(full_s, 2),
        "full_pages_per_min": round(full_rate),
        "bare_pages": bare["pages"],
        "bare_seconds": round(bare_s, 2),
        "bare_pages_per_min": round(bare_rate),
        "ratio": round(full_rate / bare_rate, 3),
        "tuned_pages_per_min": round(tuned["pages"] / tuned["seconds"] * 60),
        "tuned_ratio": round(full_rate / (tuned["pages"] / tuned["seconds"] * 60), 3),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small replica (CI smoke test)")
    ap.add_argument("--articles", type=int, default=None)
    args = ap.parse_args(argv)
    n = args.articles or (300 if args.quick else 2000)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    r = run(n)
    print(f"crawl benchmark, {n}-article replica (crawl time from spider open to close)")
    print(f"  full pipeline : {r['full_pages']:6d} pages in {r['full_seconds']:7.2f} s = {r['full_pages_per_min']:8d} pages/min")
    print(f"  bare scrapy   : {r['bare_pages']:6d} pages in {r['bare_seconds']:7.2f} s = {r['bare_pages_per_min']:8d} pages/min")
    print(f"  bare scrapy, CONCURRENT_ITEMS=1 : {r['tuned_pages_per_min']:8d} pages/min")
    print(f"  ratio full/bare: {r['ratio']:.3f}  (target >= 1.0); "
          f"full/bare with CONCURRENT_ITEMS=1: {r['tuned_ratio']:.3f}")
    return r


if __name__ == "__main__":
    main()
