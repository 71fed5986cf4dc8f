"""Export throughput and memory: `govnews export articles` (CSV) vs a plain csv-module loop.

Builds (or reuses, cached by size and generator version) synthetic archives with
``bench/synth.py`` (no FTS), then for each size exports every article row (all 15 columns) to a
CSV file

1. with ``govnews export articles -o FILE.csv --workers N`` in a subprocess (N = one per core:
   what govnews does by default for exports of 20k rows or more), and
2. with a plain loop in a subprocess: ``csv.writer(open(FILE, "w", encoding="utf-8-sig"))``
   ``.writerows(conn.execute(SQL))`` over the very same SQL (same columns, same order),

and prints rows/s of each, their ratio, and the memory peak of each: the process's own peak
RSS (``VmHWM``) plus, for govnews, N × the largest worker's peak RSS (an upper bound: forked
workers share pages with the parent).  Memory must be flat: the peak of the large export
within 50 MB of the 10k-row one.  The archive file is read through before every run so
both see a warm page cache, and each output is deleted as soon as it is measured.

    python bench/export.py            # 10k and 1M articles (first run builds ~8 GB, ~3 min)
    python bench/export.py --quick    # 10k and 100k articles
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pagecache import evict  # noqa: E402
from synth import SYNTH_VERSION  # noqa: E402

from archive.db import SCHEMA_VERSION  # noqa: E402
from exports.tables import ARTICLES, _sql  # noqa: E402

PY = sys.executable
#: govnews exports on one worker process per core at every size (what it does by default for
#: large exports), so the 10k and 1M memory peaks compare the same setup.
WORKERS = max(1, len(os.sched_getaffinity(0)))
TARGET_ROWS_S = 50_000
FLAT_MB = 50

# Each child reports its own peak RSS (VmHWM of its address space, which, unlike
# ru_maxrss, does not include the parent's memory copied by fork before exec).
PEAK = r"""
import atexit, resource, sys
def _peak():
    with open("/proc/self/status") as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    ru = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, once reaped
    cpu = ru.ru_utime + ru.ru_stime + ch.ru_utime + ch.ru_stime
    sys.stderr.write(f"\nPEAK_RSS_KB {kb} CPU_S {cpu} WORKER_RSS_KB {ch.ru_maxrss}\n")
atexit.register(_peak)
"""

GOVNEWS = PEAK + r"""
import runpy
sys.argv = ["govnews", *sys.argv[1:]]
runpy.run_module("govnews", run_name="__main__", alter_sys=True)
"""

PLAIN = PEAK + r"""
import csv, sqlite3
db, out, sql = sys.argv[1], sys.argv[2], sys.argv[3]
conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
with open(out, "w", encoding="utf-8-sig", newline="") as fh:
    w = csv.writer(fh)
    cur = conn.execute(sql)
    w.writerow([d[0] for d in cur.description])
    w.writerows(cur)
"""


def archive(cache: Path, n: int, rebuild: bool) -> Path:
    path = cache / f"synth-v{SYNTH_VERSION}-s{SCHEMA_VERSION}-{n}-nofts.db"
    if rebuild or not path.exists():
        print(f"building a {n:,}-article synthetic archive at {path} …", flush=True)
        subprocess.run(
            [PY, str(ROOT / "bench" / "synth.py"), "--articles", str(n), "--no-fts",
             "--db", str(path)],
            check=True,
        )  # fmt: skip
    return path


def warm(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def run_child(args: list[str]) -> tuple[float, float, float]:
    """Run a child to completion; returns (wall seconds, its CPU seconds including its worker
    processes, its memory peak in MB: its own peak RSS plus WORKERS × the largest worker's)."""
    env = dict(os.environ, GOVNEWS_NO_PROGRESS="1", PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}): {' '.join(args)}\n{stderr}")
    peak = [line for line in stderr.splitlines() if line.startswith("PEAK_RSS_KB ")]
    fields = peak[-1].split()
    return elapsed, float(fields[3]), (int(fields[1]) + WORKERS * int(fields[5])) / 1024


def measure(path: Path, n: int, out_dir: Path, repeat: int) -> dict:
    """Best of ``repeat`` runs of each exporter.  Before every run the archive is read through
    (a warm page cache) and after it the output is deleted: a 4 GB CSV left from the previous
    run would otherwise push the archive's pages out of the cache and the next run would
    measure the disk."""
    sql = _sql(ARTICLES, [c.sql for c in ARTICLES.columns], [])
    ours = out_dir / "govnews.csv"
    plain = out_dir / "plain.csv"
    best = {name: [float("inf"), float("inf"), 0.0, 0.0] for name in ("govnews", "plain")}
    for _ in range(repeat):
        for name, out, args in (
            ("plain", plain, [PY, "-c", PLAIN, str(path), str(plain), sql]),
            ("govnews", ours, [PY, "-c", GOVNEWS, "export", "articles", "-o", str(ours),
                               "--db", str(path), "--force", "--workers", str(WORKERS)]),
        ):  # fmt: skip
            warm(path)
            secs, cpu, rss = run_child(args)
            size = out.stat().st_size / 1e6
            out.unlink()
            b = best[name]
            best[name] = [min(secs, b[0]), min(cpu, b[1]), max(rss, b[2]), size]
    evict(path)  # leave the page cache to whatever runs next (bench/pagecache.py)
    return {
        "rows": n,
        "govnews_s": best["govnews"][0],
        "plain_s": best["plain"][0],
        "govnews_cpu": best["govnews"][1],
        "plain_cpu": best["plain"][1],
        "govnews_rss": best["govnews"][2],
        "plain_rss": best["plain"][2],
        "govnews_mb": best["govnews"][3],
        "plain_mb": best["plain"][3],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="10k and 100k articles")
    p.add_argument(
        "--cache",
        default=os.path.join(tempfile.gettempdir(), "govnews-bench"),
        help="where synthetic archives are kept between runs",
    )
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached archives")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement (best time)")
    a = p.parse_args()
    cache = Path(a.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sizes = (10_000, 100_000) if a.quick else (10_000, 1_000_000)
    results = []
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        for n in sizes:
            path = archive(cache, n, a.rebuild)
            results.append(measure(path, n, Path(tmp), a.repeat))
    print()
    print("CSV export of full article rows (15 columns, ~2.5 KB body), best of", a.repeat)
    print("rows/s by wall clock, and [by CPU time, the process's and its workers': less sensitive to load]")
    print(
        f"{'rows':>10}  {'govnews rows/s':>22}  {'csv module rows/s':>22}  {'ratio':>5}  "
        f"{'govnews RSS':>11}  {'csv module RSS':>14}  {'file MB':>7}"
    )
    for r in results:
        ours, plain = r["rows"] / r["govnews_s"], r["rows"] / r["plain_s"]
        ours_cpu, plain_cpu = r["rows"] / r["govnews_cpu"], r["rows"] / r["plain_cpu"]
        print(
            f"{r['rows']:>10,}  {ours:>10,.0f} [{ours_cpu:>9,.0f}]  "
            f"{plain:>10,.0f} [{plain_cpu:>9,.0f}]  {ours / plain:>5.2f}  "
            f"{r['govnews_rss']:>8.1f} MB  {r['plain_rss']:>11.1f} MB  {r['govnews_mb']:>7.0f}"
        )
    try:
        load = os.getloadavg()[0]
        print(f"(1-minute load average at the end: {load:.2f} on {os.cpu_count()} CPUs)")
    except OSError:
        pass
    small, large = results[0], results[-1]
    diff = large["govnews_rss"] - small["govnews_rss"]
    rate = large["rows"] / large["govnews_s"]
    print()
    print(
        f"peak RSS {large['rows']:,} rows − {small['rows']:,} rows: {diff:+.1f} MB "
        f"({'flat' if diff <= FLAT_MB else 'NOT flat'}: limit {FLAT_MB} MB)"
    )
    print(
        f"throughput at {large['rows']:,} rows: {rate:,.0f} rows/s "
        f"({'meets' if rate >= TARGET_ROWS_S else 'BELOW'} the {TARGET_ROWS_S:,}/s target)"
    )


if __name__ == "__main__":
    main()
