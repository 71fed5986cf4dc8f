"""Figure 2 — re-extraction from the raw store (no network): pages/s, target >= 1,000 pages/s.

1. A real crawl (``govnews crawl chauthanh --replica``, subprocess) of a replica of
   ``--articles`` articles builds the archive (raw pages compressed in ``raw_bodies``).
2. Baseline, same run, same archive: a plain serial loop in one process (read each raw body,
   inflate, ``extract_full``), writing nothing.
3. govnews: ``archive.reextract.reextract`` (what ``govnews reextract`` runs: worker pool over
   the cores, batched reads, comparison, batched writes), on the same archive.

pages/s counts the raw pages (distinct bodies) re-extracted.  The first re-extraction of a
fresh crawl changes nothing, which is the common case after an extractor fix that touches few
pages.  Prints a table and a final ``BENCH_RESULT {json}`` line.

    python bench/reextract.py            # 2,000-article replica crawl
    python bench/reextract.py --quick    # 300 articles
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 1000.0


def crawl_archive(db: Path, articles: int) -> float:
    """Crawl a replica of ``articles`` articles into ``db``; returns the crawl's seconds."""
    from govnews.replica import ReplicaServer

    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    with ReplicaServer(articles=articles) as srv:
        t = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-m", "govnews", "crawl", "chauthanh", "--db", str(db),
             "--replica", srv.url, "--no-progress", "--set", "CONCURRENT_REQUESTS=16",
             "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "--set", "AUTOTHROTTLE_ENABLED=False"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"crawl failed: {res.stderr[-2000:]}")
    return seconds


def serial_baseline(db: Path) -> dict:
    """Read, inflate and extract every raw article body in one process (no writes)."""
    from archive.rawcodec import decompress
    from crawler.extract import extract_full

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT DISTINCT a.raw_hash, a.url FROM articles a WHERE a.raw_hash IS NOT NULL"
    ).fetchall()
    t, c = time.perf_counter(), time.process_time()
    n = 0
    for digest, url in rows:
        codec, blob = con.execute(
            "SELECT compression, data FROM raw_bodies WHERE hash = ?", (digest,)
        ).fetchone()
        extract_full(decompress(blob, codec), url)
        n += 1
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    con.close()
    return {"bodies": n, "seconds": round(seconds, 3), "pages_per_s": round(n / seconds, 1),
            "cpu_ms_per_page": round(cpu * 1000 / max(n, 1), 2)}


def _cpu_all() -> float:
    """CPU seconds of this process plus its finished children (the reextract workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run(articles: int) -> dict:
    from archive.reextract import reextract

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.db"
        crawl_s = crawl_archive(db, articles)
        con = sqlite3.connect(db)
        archived = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        raw = con.execute("SELECT count(*), sum(length(data)), sum(size) FROM raw_bodies").fetchone()
        con.close()
        base = serial_baseline(db)
        cpu0 = _cpu_all()
        ours = reextract(db)
        cpu = _cpu_all() - cpu0
        rate = ours["bodies"] / ours["seconds"]
    cpu_ms = cpu * 1000 / max(ours["bodies"], 1)
    cores = os.cpu_count() or 1
    return {
        "figure": "reextract",
        "articles": archived,
        "crawl_seconds": round(crawl_s, 1),
        "raw_bodies": raw[0],
        "raw_mb_compressed": round((raw[1] or 0) / 1e6, 1),
        "raw_mb": round((raw[2] or 0) / 1e6, 1),
        "govnews_bodies": ours["bodies"],
        "govnews_seconds": ours["seconds"],
        "govnews_pages_per_s": round(rate, 1),
        "changed_records": ours["changed_records"],
        "govnews_cpu_ms_per_page": round(cpu_ms, 2),
        "idle_machine_estimate_pages_per_s": round(cores * 1000 / cpu_ms, 1),
        "baseline_cpu_ms_per_page": base["cpu_ms_per_page"],
        "baseline": "serial read+inflate+extract loop, one process, no writes",
        "baseline_pages_per_s": base["pages_per_s"],
        "ratio": round(rate / base["pages_per_s"], 2),
        "target": f">= {TARGET:,.0f} pages/s",
        "target_held": rate >= TARGET,
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def report(r: dict) -> None:
    print(f"Figure 2: re-extraction of {r['govnews_bodies']} stored pages "
          f"({r['articles']} articles crawled from the replica in {r['crawl_seconds']} s; raw "
          f"{r['raw_mb']} MB, {r['raw_mb_compressed']} MB compressed)")
    print(f"  govnews reextract : {r['govnews_pages_per_s']:8.1f} pages/s "
          f"({r['govnews_seconds']} s, {r['changed_records']} records changed)")
    print(f"  serial baseline   : {r['baseline_pages_per_s']:8.1f} pages/s ({r['baseline']})")
    print(f"  CPU per page: govnews {r['govnews_cpu_ms_per_page']} ms (parent + workers), serial "
          f"{r['baseline_cpu_ms_per_page']} ms; with all {r['cpus']} cores free that is about "
          f"{r['idle_machine_estimate_pages_per_s']:,.0f} pages/s (estimate, not a measurement)")
    print(f"  ratio {r['ratio']:.2f}x; target {r['target']}: "
          f"{'holds' if r['target_held'] else 'MISSED'} "
          f"(1-minute load {r['load_1min']} on {r['cpus']} CPUs)")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300-article replica")
    ap.add_argument("--articles", type=int, help="replica articles (default 2000)")
    a = ap.parse_args(argv)
    r = run(a.articles or (300 if a.quick else 2000))
    report(r)
    print("BENCH_RESULT " + json.dumps(r, ensure_ascii=False))
    return r


if __name__ == "__main__":
    main()
