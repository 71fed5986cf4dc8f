"""Figure 2 — re-extraction from the raw store (no network): pages/s, target >= 1,000 pages/s.

1. A real crawl (``govnews crawl chauthanh --replica``, subprocess) of a replica of
   ``--articles`` articles builds the archive (raw pages compressed in ``raw_bodies``).
2. Baseline, same run, same archive: a plain serial loop in one process (read each raw body,
   inflate, ``extract_full``), writing nothing.
3. govnews: ``archive.reextract.reextract`` (what ``govnews reextract`` runs: worker pool over
   the cores, batched reads, comparison in the workers, batched writes), on the same archive,
   ``--runs`` times (default 3); the figure is the median run, every run is listed.

pages/s counts the raw pages (distinct bodies) re-extracted.  A re-extraction of a fresh crawl
changes nothing, which is the common case after an extractor fix that touches few pages.
CPU ms per page (parent and workers, from getrusage) does not depend on what else the machine
runs as much as pages/s does: on a shared machine report both, and the load average (taken
before the crawl and after the runs).  Prints a table and a final ``BENCH_RESULT {json}`` line.

    python bench/reextract.py            # 2,000-article replica crawl
    python bench/reextract.py --quick    # 300 articles
    python bench/reextract.py --runs 5
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


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the reextract workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def measure(db: Path) -> dict:
    """One ``reextract`` run over the archive: pages/s and CPU ms per page."""
    from archive.reextract import reextract

    me0, kids0 = _cpu()
    ours = reextract(db)
    me1, kids1 = _cpu()
    n = max(ours["bodies"], 1)
    parent, workers = (me1 - me0) * 1000 / n, (kids1 - kids0) * 1000 / n
    return {"bodies": ours["bodies"], "seconds": ours["seconds"],
            "pages_per_s": round(ours["bodies"] / ours["seconds"], 1),
            "cpu_ms_per_page": round(parent + workers, 2),
            "parent_cpu_ms_per_page": round(parent, 2),
            "workers_cpu_ms_per_page": round(workers, 2),
            "changed_records": ours["changed_records"]}


def run(articles: int, runs: int = 3) -> dict:
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.db"
        crawl_s = crawl_archive(db, articles)
        con = sqlite3.connect(db)
        archived = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        raw = con.execute("SELECT count(*), sum(length(data)), sum(size) FROM raw_bodies").fetchone()
        con.close()
        base = serial_baseline(db)
        results = [measure(db) for _ in range(max(runs, 1))]
    med = sorted(results, key=lambda m: m["pages_per_s"])[len(results) // 2]
    rate, cpu_ms = med["pages_per_s"], med["cpu_ms_per_page"]
    cores = os.cpu_count() or 1
    return {
        "figure": "reextract",
        "articles": archived,
        "crawl_seconds": round(crawl_s, 1),
        "raw_bodies": raw[0],
        "raw_mb_compressed": round((raw[1] or 0) / 1e6, 1),
        "raw_mb": round((raw[2] or 0) / 1e6, 1),
        "govnews_bodies": med["bodies"],
        "govnews_seconds": med["seconds"],
        "govnews_pages_per_s": rate,
        "changed_records": max(m["changed_records"] for m in results),
        "govnews_cpu_ms_per_page": cpu_ms,
        "govnews_parent_cpu_ms_per_page": med["parent_cpu_ms_per_page"],
        "govnews_workers_cpu_ms_per_page": med["workers_cpu_ms_per_page"],
        "runs": results,
        "idle_machine_estimate_pages_per_s": round(cores * 1000 / cpu_ms, 1),
        "baseline_cpu_ms_per_page": base["cpu_ms_per_page"],
        "baseline": "serial read+inflate+extract loop, one process, no writes",
        "baseline_pages_per_s": base["pages_per_s"],
        "ratio": round(rate / base["pages_per_s"], 2),
        "target": f">= {TARGET:,.0f} pages/s",
        "target_held": rate >= TARGET,
        "cpus": os.cpu_count(),
        "load_1min_start": round(load_start, 2),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def report(r: dict) -> None:
    print(f"Figure 2: re-extraction of {r['govnews_bodies']} stored pages "
          f"({r['articles']} articles crawled from the replica in {r['crawl_seconds']} s; raw "
          f"{r['raw_mb']} MB, {r['raw_mb_compressed']} MB compressed)")
    print(f"  govnews reextract : {r['govnews_pages_per_s']:8.1f} pages/s "
          f"({r['govnews_seconds']} s, {r['changed_records']} records changed; median of "
          f"{len(r['runs'])} runs: " + ", ".join(f"{m['pages_per_s']:.0f}" for m in r["runs"])
          + ")")
    print(f"  serial baseline   : {r['baseline_pages_per_s']:8.1f} pages/s ({r['baseline']})")
    print(f"  CPU per page: govnews {r['govnews_cpu_ms_per_page']} ms (parent "
          f"{r['govnews_parent_cpu_ms_per_page']} + workers {r['govnews_workers_cpu_ms_per_page']})"
          f", serial {r['baseline_cpu_ms_per_page']} ms; with all {r['cpus']} cores free that is "
          f"about {r['idle_machine_estimate_pages_per_s']:,.0f} pages/s (estimate, not a "
          "measurement)")
    print(f"  ratio {r['ratio']:.2f}x; target {r['target']}: "
          f"{'holds' if r['target_held'] else 'MISSED'} (1-minute load {r['load_1min_start']} "
          f"before the crawl, {r['load_1min']} after the runs, on {r['cpus']} CPUs)")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300-article replica")
    ap.add_argument("--articles", type=int, help="replica articles (default 2000)")
    ap.add_argument("--runs", type=int, default=3,
                    help="reextract runs over the archive; the median is reported (default 3)")
    a = ap.parse_args(argv)
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    r = run(a.articles or (300 if a.quick else 2000), a.runs)
    report(r)
    print("BENCH_RESULT " + json.dumps(r, ensure_ascii=False))
    return r


if __name__ == "__main__":
    main()
