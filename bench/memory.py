"""Figure 6 — crawl memory: peak RSS of ``govnews crawl`` at 2k and 10k pages, flat and < 300 MB.

For each size a replica of that many articles is served by its own process (``govnews replica
serve``, not counted), then

1. ``govnews crawl chauthanh --replica`` runs into a fresh archive, and
2. baseline, same run: the bare Scrapy + parsel spider of ``bench/crawl.py`` fetches the same
   GET URLs (read back from the archive's ``pages`` table), storing nothing,

while this script samples every 0.1 s the summed RSS of the process and all its descendants
(``/proc``); the peak is reported (plus the crawl process's own ``VmHWM``).  Same Scrapy settings
as figure 1 (16 concurrent requests, AutoThrottle off).  Prints a table and a final
``BENCH_RESULT {json}`` line.

    python bench/memory.py            # 2,000 and 10,000 articles
    python bench/memory.py --quick    # 300 and 1,000 articles
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import crawl as crawl_bench  # noqa: E402  (bench/crawl.py: bare spider, settings, replica helpers)

PY = sys.executable
LIMIT_MB = 300
FLAT_MB = 50


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree_rss_mb(pid: int) -> float:
    """Summed VmRSS of ``pid`` and all its descendants, in MB."""
    kids, todo, total = _children(), [pid], 0
    while todo:
        p = todo.pop()
        todo += kids.get(p, [])
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total / 1024


def run_sampled(args: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Run ``args``; peak summed RSS of its process tree, wall seconds."""
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.1)
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(args[:4])}\n{err[-2000:]}")
    return {"peak_rss_mb": round(peak, 1), "seconds": round(time.perf_counter() - t, 1)}


def measure(articles: int) -> dict:
    port = crawl_bench.free_port()
    replica = subprocess.Popen(
        [PY, "-m", "govnews", "replica", "serve", "--port", str(port), "--articles",
         str(articles)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    try:
        crawl_bench.wait_port(port)
        url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "archive.db"
            sets = [x for k, v in crawl_bench.BENCH_SETTINGS.items() for x in ("--set", f"{k}={v}")]
            ours = run_sampled([PY, "-m", "govnews", "crawl", "chauthanh", "--db", str(db),
                                "--replica", url, "--no-progress", *sets], ROOT, env)
            con = sqlite3.connect(db)
            pages = con.execute("SELECT count(*) FROM pages").fetchone()[0]
            archived = con.execute("SELECT count(*) FROM articles").fetchone()[0]
            urls = sorted({u for (u,) in con.execute(
                "SELECT url FROM pages WHERE url NOT LIKE '%robots.txt'")})
            con.close()
            urls_file = Path(tmp) / "urls.json"
            urls_file.write_text(json.dumps([url + u.split("gov.vn", 1)[1] for u in urls]))
            settings = {k: (int(v) if v.isdigit() else v == "True" if v in ("True", "False")
                            else v) for k, v in crawl_bench.BENCH_SETTINGS.items()}
            bare = run_sampled([PY, "-c", crawl_bench.BARE_SPIDER, str(urls_file),
                                json.dumps(settings), str(Path(tmp) / "bare.json")], Path(tmp))
    finally:
        replica.terminate()
        replica.wait(10)
    return {"articles": archived, "pages": pages, "govnews_peak_rss_mb": ours["peak_rss_mb"],
            "govnews_seconds": ours["seconds"], "bare_peak_rss_mb": bare["peak_rss_mb"],
            "bare_seconds": bare["seconds"]}


def run(sizes: list[int]) -> dict:
    rows = [measure(n) for n in sizes]
    small, large = rows[0], rows[-1]
    growth = large["govnews_peak_rss_mb"] - small["govnews_peak_rss_mb"]
    peak = max(r["govnews_peak_rss_mb"] for r in rows)
    return {
        "figure": "memory",
        "rows": rows,
        "growth_mb": round(growth, 1),
        "govnews_peak_rss_mb": peak,
        "baseline": "bare Scrapy + parsel spider on the same URLs",
        "baseline_peak_rss_mb": max(r["bare_peak_rss_mb"] for r in rows),
        "ratio": round(peak / max(r["bare_peak_rss_mb"] for r in rows), 2),
        "target": f"flat (growth <= {FLAT_MB} MB) and < {LIMIT_MB} MB",
        "target_held": peak < LIMIT_MB and growth <= FLAT_MB,
        "load_1min": round(os.getloadavg()[0], 2),
    }


def report(r: dict) -> None:
    print("Figure 6: crawl memory, peak RSS of the process tree (sampled every 0.1 s)")
    for row in r["rows"]:
        print(f"  {row['pages']:>6} pages ({row['articles']} articles): govnews crawl "
              f"{row['govnews_peak_rss_mb']:6.1f} MB in {row['govnews_seconds']} s | bare scrapy "
              f"{row['bare_peak_rss_mb']:6.1f} MB in {row['bare_seconds']} s")
    print(f"  growth {r['growth_mb']:+.1f} MB; peak {r['govnews_peak_rss_mb']} MB; govnews/bare "
          f"{r['ratio']:.2f}x; target {r['target']}: {'holds' if r['target_held'] else 'MISSED'}")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300 and 1,000 articles")
    ap.add_argument("--sizes", type=int, nargs="+", help="replica sizes (default 2000 10000)")
    a = ap.parse_args(argv)
    r = run(a.sizes or ([300, 1000] if a.quick else [2000, 10000]))
    report(r)
    print("BENCH_RESULT " + json.dumps(r, ensure_ascii=False))
    return r


if __name__ == "__main__":
    main()
