"""Run every benchmark figure side by side and write ``docs/benchmarks.md``.

Each figure runs as its own subprocess (a crash or a leak in one does not skew the next) and
ends with a ``BENCH_RESULT {json}`` line that this script collects:

  1 crawl      bench/crawl.py       full pipeline vs bare Scrapy + parsel, pages/min
  2 reextract  bench/reextract.py   re-extraction from the raw store, pages/s
  3 extract    bench/extract.py     govnews vs trafilatura, ms/page and field accuracy
  4 search     bench/search.py      p50/p95 per query shape at 100k and 1M vs plain FTS5 rank
  5 export     bench/export.py      CSV rows/s vs the csv module, peak RSS 10k -> 1M rows
  6 memory     bench/memory.py      crawl peak RSS at 2k and 10k pages vs bare Scrapy
  7 size       bench/size.py        archive bytes per 1k articles, page size x compression

Every figure measures govnews and its baseline in the same run and reports the ratio.  The
machine is described in the report (cores, RAM, Python, SQLite, Scrapy, load average before and
after each figure): wall-clock figures on a loaded machine are pessimistic.

    python bench/run.py                      # every figure, full sizes (~15-25 min)
    python bench/run.py --quick              # small sizes: a smoke test, not a measurement
    python bench/run.py --only extract size  # some figures
    python bench/run.py --quick --output /tmp/bench.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))
PY = sys.executable

from pagecache import evict_bench_archives  # noqa: E402

PREFIX = "BENCH_RESULT "

# Drivers for the scripts whose ``main`` prints but does not end with a BENCH_RESULT line: they
# import the script as a module and call its measuring functions.
CRAWL_DRIVER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import crawl
quick = sys.argv[2] == "1"
n = 300 if quick else 2000
r = crawl.run(n)
print(f"crawl benchmark, {n}-article replica: full pipeline {r['full_pages_per_min']} pages/min, "
      f"bare scrapy {r['bare_pages_per_min']} pages/min, ratio {r['ratio']}; "
      f"bare scrapy with CONCURRENT_ITEMS=1 {r['tuned_pages_per_min']} pages/min, "
      f"ratio {r['tuned_ratio']}")
print("BENCH_RESULT " + json.dumps(r))
"""

SEARCH_DRIVER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import search
r = search.run(quick=sys.argv[2] == "1")
print("BENCH_RESULT " + json.dumps(r, ensure_ascii=False))
"""

EXPORT_DRIVER = r"""
import json, os, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import export
quick = sys.argv[2] == "1"
cache = Path(tempfile.gettempdir()) / "govnews-bench"
cache.mkdir(parents=True, exist_ok=True)
sizes = (10_000, 100_000) if quick else (10_000, 1_000_000)
rows = []
with tempfile.TemporaryDirectory(dir=cache) as tmp:
    for n in sizes:
        r = export.measure(export.archive(cache, n, False), n, Path(tmp), 1)
        rows.append(r)
        print(f"{n:>9,} rows: govnews {n / r['govnews_s']:,.0f} rows/s, csv module "
              f"{n / r['plain_s']:,.0f} rows/s, peak RSS {r['govnews_rss']:.1f} MB", flush=True)
print("BENCH_RESULT " + json.dumps({"figure": "export", "rows": rows,
                                    "target_rows_s": export.TARGET_ROWS_S,
                                    "flat_mb": export.FLAT_MB}))
"""


def _script(name: str, quick: bool) -> list[str]:
    return [PY, str(BENCH / f"{name}.py"), *(["--quick"] if quick else [])]


FIGURES: dict[str, dict] = {
    "crawl": {"n": 1, "cmd": lambda q: [PY, "-c", CRAWL_DRIVER, str(BENCH), "1" if q else "0"]},
    "reextract": {"n": 2, "cmd": lambda q: _script("reextract", q)},
    "extract": {"n": 3, "cmd": lambda q: _script("extract", q)},
    "search": {"n": 4, "cmd": lambda q: [PY, "-c", SEARCH_DRIVER, str(BENCH), "1" if q else "0"]},
    "export": {"n": 5, "cmd": lambda q: [PY, "-c", EXPORT_DRIVER, str(BENCH), "1" if q else "0"]},
    "memory": {"n": 6, "cmd": lambda q: _script("memory", q)},
    "size": {"n": 7, "cmd": lambda q: _script("size", q)},
}


# ------------------------------------------------------------------------------ machine


def machine() -> dict:
    def version(mod: str) -> str:
        try:
            from importlib.metadata import version as v

            return v(mod)
        except Exception:  # noqa: BLE001 - a report line, never fatal
            return "?"

    ram = None
    try:
        with open("/proc/meminfo") as fh:
            kb = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal:"))
        ram = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(), "cpu": cpu, "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "scrapy": version("scrapy"), "lxml": version("lxml"),
        "trafilatura": version("trafilatura"),
    }


# ------------------------------------------------------------------------------- running


def run_figure(name: str, quick: bool) -> dict:
    cmd = FIGURES[name]["cmd"](quick)
    evict_bench_archives()  # every figure starts with no other figure's archive cached
    load_before = os.getloadavg()[0]
    print(f"\n=== figure {FIGURES[name]['n']}: {name} ===", flush=True)
    t = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines, result = [], None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(PREFIX):
            try:
                result = json.loads(line[len(PREFIX):])
            except json.JSONDecodeError:
                result = None
            continue
        lines.append(line.rstrip("\n"))
        print(line, end="", flush=True)
    proc.wait()
    return {
        "name": name, "n": FIGURES[name]["n"], "returncode": proc.returncode, "quick": quick,
        "seconds": round(time.perf_counter() - t, 1), "result": result,
        "output": lines[-60:], "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "command": " ".join(shlex.quote(c) if "\n" not in c else "<driver>" for c in cmd),
    }


# ------------------------------------------------------------------------------ summaries


def _fmt(x, unit="") -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        x = f"{x:,.1f}" if abs(x) >= 10 else f"{x:,.2f}"
    elif isinstance(x, int):
        x = f"{x:,}"
    return f"{x}{unit}"


def summarise(fig: dict) -> list[dict]:
    """Rows {figure, govnews, baseline, ratio, target, held} for the summary table."""
    r, name = fig["result"], fig["name"]
    if fig["returncode"] != 0 or not r:
        return [{"figure": f"{fig['n']}. {name}", "govnews": "failed", "baseline": "–",
                 "ratio": "–", "target": "–", "held": "no (run failed)"}]
    if name == "crawl":
        held = r["ratio"] >= 1.0
        return [{"figure": f"1. crawl, {r['full_pages']:,} pages", "govnews":
                 _fmt(r["full_pages_per_min"], " pages/min"), "baseline":
                 _fmt(r["bare_pages_per_min"], " pages/min (bare Scrapy + parsel)"),
                 "ratio": f"{r['ratio']:.2f}×", "target": "≥ 1.0×", "held": "yes" if held else "no"},
                {"figure": "1. crawl, baseline with govnews's CONCURRENT_ITEMS=1", "govnews":
                 _fmt(r["full_pages_per_min"], " pages/min"), "baseline":
                 _fmt(r["tuned_pages_per_min"], " pages/min (bare Scrapy + parsel, tuned)"),
                 "ratio": f"{r['tuned_ratio']:.2f}×", "target": "(context)", "held": "–"}]
    if name == "reextract":
        return [{"figure": f"2. re-extraction, {r['govnews_bodies']:,} stored pages",
                 "govnews": _fmt(r["govnews_pages_per_s"], " pages/s"),
                 "baseline": _fmt(r["baseline_pages_per_s"], " pages/s (serial loop)"),
                 "ratio": f"{r['ratio']:.2f}×", "target": "≥ 1,000 pages/s",
                 "held": "yes" if r["target_held"] else "no"}]
    if name == "extract":
        g, t = r["extractors"]["govnews"], r["extractors"]["trafilatura_json_metadata"]
        acc = lambda a: (f"title {a['title']:.2f} date {a['date']:.2f} author {a['author']:.2f} "  # noqa: E731
                         f"views {a['view_count']:.2f} body {a['body_similarity']:.2f}")
        rows = [{"figure": f"3. extraction, {r['pages']} pages", "govnews":
                 f"{g['ms_per_page']:.2f} ms/page; {acc(g['accuracy'])}",
                 "baseline": f"trafilatura json+metadata {t['ms_per_page']:.2f} ms/page; "
                             f"{acc(t['accuracy'])}",
                 "ratio": f"{r['ratio']:.2f}×", "target": "≥ 5× faster, better accuracy",
                 "held": "yes" if r["target_held"] else "no"}]
        for grp, ratio in r.get("ratio_by_group", {}).items():
            rows.append({"figure": f"3. extraction: {grp} ({r['group_sizes'][grp]} pages)",
                         "govnews": f"{g['ms_per_page_by_group'][grp]:.2f} ms/page",
                         "baseline": f"{t['ms_per_page_by_group'][grp]:.2f} ms/page",
                         "ratio": f"{ratio:.2f}×", "target": "≥ 5×",
                         "held": "yes" if ratio >= 5 else "no"})
        return rows
    if name == "search":
        rows = []
        for row in r["rows"]:
            big = row["articles"] >= 1_000_000
            rows.append({
                "figure": f"4. search {row['articles']:,}: {row['shape']}",
                "govnews": f"p50 {row['govnews_p50_ms']:.1f} / p95 {row['govnews_p95_ms']:.1f} ms"
                           + ("" if row.get("correct", True) else " (WRONG results)"),
                "baseline": f"p50 {row['baseline_p50_ms']:.1f} / p95 {row['baseline_p95_ms']:.1f} ms",
                "ratio": f"{row['ratio']}×", "target": "p95 < 50 ms at 1M" if big else "(1M only)",
                "held": ("yes" if row["govnews_p95_ms"] < 50 and row.get("correct", True) else "no")
                        if big else "–"})
        return rows
    if name == "export":
        rows = []
        small, large = r["rows"][0], r["rows"][-1]
        for row in r["rows"]:
            ours, plain = row["rows"] / row["govnews_s"], row["rows"] / row["plain_s"]
            flat = row["govnews_rss"] - small["govnews_rss"] <= r["flat_mb"]
            # The rows/s target is the for the 1M export (the largest size run); the
            # small export is the memory reference, its rate mostly process start-up.
            judged = row is large
            rows.append({"figure": f"5. CSV export, {row['rows']:,} rows",
                         "govnews": f"{ours:,.0f} rows/s, peak RSS {row['govnews_rss']:.0f} MB",
                         "baseline": f"{plain:,.0f} rows/s (csv module), {row['plain_rss']:.0f} MB",
                         "ratio": f"{ours / plain:.2f}×",
                         "target": f"≥ {r['target_rows_s']:,} rows/s, RSS within "
                                   f"{r['flat_mb']} MB of {small['rows']:,} rows"
                                   if judged else "(RSS reference)",
                         "held": ("yes" if ours >= r["target_rows_s"] and flat else "no")
                                 if judged else "–"})
        return rows
    if name == "memory":
        return [{"figure": f"6. crawl memory, {row['pages']:,} pages",
                 "govnews": f"peak RSS {row['govnews_peak_rss_mb']:.0f} MB",
                 "baseline": f"{row['bare_peak_rss_mb']:.0f} MB (bare Scrapy + parsel)",
                 "ratio": f"{row['govnews_peak_rss_mb'] / row['bare_peak_rss_mb']:.2f}×",
                 "target": "flat, < 300 MB", "held": "yes" if r["target_held"] else "no"}
                for row in r["rows"]]
    if name == "size":
        b = r["best"]
        return [{"figure": f"7. archive size ({r['articles']:,} articles)",
                 "govnews": f"{r['as_written_bytes_per_1k_articles'] / 1e6:.1f} MB per 1k articles "
                            "as written",
                 "baseline": f"smallest variant: {b['codec']}, page_size {b['page_size']}: "
                             f"{b['bytes_per_1k_articles'] / 1e6:.1f} MB/1k",
                 "ratio": f"{r['ratio']:.3f}×", "target": "report the minimising choice",
                 "held": "yes (reported)"}]
    return []


def write_markdown(path: Path, figs: list[dict], mach: dict, argv: list[str], started: str,
                   quick: bool) -> None:
    rows = []
    for f in figs:
        for row in summarise(f):
            if f["quick"] and not quick:
                row = dict(row, figure=row["figure"] + " *(quick)*")
            rows.append(row)
    out = [
        "# Benchmarks",
        "",
        "Written by `python bench/run.py` (do not edit by hand: re-run it). Each figure measures "
        "govnews and its baseline **in the same run**; the ratio is govnews/baseline for "
        "throughput, baseline/govnews for latency and time.",
        "",
        f"- **Date:** {started} UTC",
        "- **Command:** `" + " ".join(["python bench/run.py", *argv]) + "`",
        f"- **Machine:** {mach['cores']} cores ({mach['cpu']}), RAM {mach['ram']}, {mach['os']}",
        f"- **Versions:** Python {mach['python']}, SQLite {mach['sqlite']}, Scrapy "
        f"{mach['scrapy']}, lxml {mach['lxml']}, trafilatura {mach['trafilatura']}",
        "- **Load (1-minute average) before → after each figure:** "
        + ", ".join(f"{f['name']} {f['load_before']} → {f['load_after']}" for f in figs),
    ]
    if quick:
        out += ["", "> `--quick`: small sizes for a smoke test. These are not the issue's "
                    "figures; run `python bench/run.py` for them."]
    elif any(f["quick"] for f in figs):
        out += ["", "> Run at `--quick` sizes (marked *quick* below): "
                + ", ".join(f["name"] for f in figs if f["quick"])
                + ". Their rows are not the issue's full-size figures."]
    if any(f["load_before"] > 1.0 for f in figs):
        out += ["", "> The machine was shared while this ran (load average above 1 on "
                    f"{mach['cores']} cores): wall-clock figures are pessimistic; ratios, measured "
                    "side by side, are the fairer reading."]
    out += ["", "| figure | govnews | baseline | ratio | target | held |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| " + " | ".join(str(r[k]).replace("|", "/") for k in
                                       ("figure", "govnews", "baseline", "ratio", "target", "held"))
                   + " |")
    out += ["", "## Output of each figure", ""]
    for f in figs:
        sizes = " at --quick sizes" if f["quick"] else ""
        out += [f"### {f['n']}. {f['name']}{sizes} ({f['seconds']} s, exit {f['returncode']})", "",
                f"`{f['command']}`", "", "```", *f["output"], "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--only", nargs="+", choices=list(FIGURES), help="run these figures only")
    ap.add_argument("--quick-figures", nargs="+", choices=list(FIGURES), default=[],
                    help="run these figures at --quick sizes (marked so in the report)")
    ap.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md",
                    help="Markdown report (default docs/benchmarks.md)")
    ap.add_argument("--json", type=Path, help="also write every figure's result as JSON")
    raw = list(sys.argv[1:] if argv is None else argv)
    a = ap.parse_args(raw)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    mach = machine()
    figs = [run_figure(name, a.quick or name in a.quick_figures) for name in (a.only or list(FIGURES))]
    write_markdown(a.output, figs, mach, raw, started, a.quick)
    if a.json:
        a.json.write_text(json.dumps({"machine": mach, "figures": figs}, ensure_ascii=False,
                                     indent=2))
    print(f"\nsummary ({a.output}):")
    for f in figs:
        for row in summarise(f):
            print(f"  {row['figure']:<48} {row['govnews']:<40.40} vs {row['baseline']:<40.40} "
                  f"{row['ratio']:>8}  held: {row['held']}")
    return 0 if all(f["returncode"] == 0 for f in figs) else 1


if __name__ == "__main__":
    sys.exit(main())
