"""Figure 4: search latency at 100k and 1M articles, govnews vs plain FTS5, in the same run.

For each archive size this builds (once, cached under ``bench/.cache/``) a synthetic archive with
``bench/synth.py``, opens it with ``archive.db.open_db`` (which applies the search migration), picks
the query words from the archive's own vocabulary (cached next to it) and times, per query shape,

* **govnews**: ``archive.search.search(db, q, ...)`` — the whole call: query folding, plan, filters,
  result rows and snippets;
* **baseline**: plain FTS5, ``SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY
  rank LIMIT 20`` (joined to ``articles`` for the filter shape), with the same folded MATCH text;

and prints p50/p95 of each (govnews also as CPU time of the process, steadier than wall-clock time
on a shared machine; the load average is printed per size), the ratio baseline p95 / govnews p95
and whether govnews meets the target (p95 < 50 ms at 1M).  Shapes: rare word, frequent word (~30% of articles), two-word phrase,
diacritic-free two-word query, 3-letter prefix, and a frequent word with site + one-year filters.
Every govnews result is checked to really match the query and the filters, and the number of
results is checked against the true number of matches (capped at the limit); with ``--sorts date``
the order must equal SQL's ``ORDER BY published_at DESC, id DESC`` exactly.

    python bench/search.py            # 100k and 1M articles (first run builds them: long)
    python bench/search.py --quick    # 20k and 100k articles
    python bench/search.py --sizes 100000 --repeat 5
    python bench/search.py --sizes 1000000 --sorts rank date views   # every sort, one row each
    python bench/search.py --sizes 1000000 --shapes site+date --sorts date views --no-baseline

No timing is asserted anywhere: this prints figures.  Importable: ``run(quick=False) -> dict``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(ROOT / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

from synth import SYNTH_VERSION  # noqa: E402

from archive.db import SCHEMA_VERSION, open_db  # noqa: E402
from archive.fold import fold  # noqa: E402
from archive.search import fold_query, search  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
TARGET_MS = 50.0
TARGET_SIZE = 1_000_000
QUERIES_PER_SHAPE = 5
#: A plain-FTS5 query slower than this is timed once per query, not ``repeat`` times.
BASELINE_SLOW_S = 5.0
SHAPES = ("rare word", "frequent word", "two-word phrase", "diacritic-free", "prefix", "site+date")


def archive(n: int) -> Path:
    """The cached synthetic archive of ``n`` articles (built on first use)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"synth-v{SYNTH_VERSION}-{n}-fts.db"
    if not path.exists():
        print(f"building a {n:,}-article synthetic archive at {path} (once) …", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "synth.py"), "--articles", str(n),
             "--db", str(path), "--quiet"],
            check=True,
        )  # fmt: skip
    db = open_db(path)  # applies pending migrations (search indexes) once, before any timing
    db.close()
    return path


def _vocab(path: Path) -> list[tuple[str, int]]:
    """(folded term, documents) for every term: one full scan, cached next to the archive."""
    cache = path.with_name(path.name + f".vocab-s{SCHEMA_VERSION}.json")
    if cache.exists():
        return [tuple(x) for x in json.loads(cache.read_text())]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, articles_fts, row)")
    rows = conn.execute("SELECT term, doc FROM temp.v").fetchall()
    conn.close()
    cache.write_text(json.dumps(rows))
    return rows


def _near(vocab: list[tuple[str, int]], docs: int, k: int, min_len: int = 3) -> list[str]:
    """k terms whose document count is closest to ``docs``."""
    words = [t for t in vocab if len(t[0]) >= min_len and t[0].isalpha()]
    words.sort(key=lambda t: (abs(t[1] - docs), t[0]))
    return [t[0] for t in words[:k]]


def _compounds(n: int, vocab: dict[str, int], articles: int) -> list[str]:
    """Two-syllable terms of the generator's vocabulary (with diacritics), mid-frequency."""
    from synth import vocabulary

    out = []
    for term in vocabulary(60_000, 42)[300:]:
        parts = term.split()
        if len(parts) != 2:
            continue
        dfs = [vocab.get(fold(p), 0) for p in parts]
        if all(0.05 * articles <= d <= 0.6 * articles for d in dfs):
            out.append(term)
        if len(out) >= n:
            break
    return out


def shapes(path: Path, articles: int) -> dict[str, list[dict]]:
    """Query shape -> list of {query, kwargs} for this archive."""
    vocab = _vocab(path)
    df = dict(vocab)
    k = QUERIES_PER_SHAPE
    rare = _near(vocab, max(5, articles // 2000), k)  # ~0.05% of articles
    frequent = _near(vocab, int(articles * 0.30), k)
    phrases = _compounds(k, df, articles)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sites = [r[0] for r in conn.execute("SELECT id FROM sites ORDER BY id LIMIT ?", (k,))]
    conn.close()
    years = ["2016", "2018", "2020", "2022", "2024"]
    return {
        "rare word": [{"query": w} for w in rare],
        "frequent word": [{"query": w} for w in frequent],
        "two-word phrase": [{"query": f'"{p}"'} for p in phrases],
        "diacritic-free": [{"query": fold(p)} for p in phrases[::-1]],
        "prefix": [{"query": w[:3] + "*"} for w in frequent],
        "site+date": [
            {"query": w, "site": s, "since": f"{y}-01-01", "until": f"{y}-12-31"}
            for w, s, y in zip(frequent[::-1], sites, years, strict=False)
        ],
    }


def _baseline(conn: sqlite3.Connection, q: dict) -> list[int]:
    match = fold_query(q["query"])
    if "site" in q:
        sql = (
            "SELECT f.rowid FROM articles_fts f JOIN articles a ON a.id = f.rowid "
            "WHERE articles_fts MATCH ? AND a.site = ? AND a.published_at >= ? "
            "AND a.published_at < ? ORDER BY rank LIMIT 20"
        )
        params = (match, q["site"], q["since"], q["until"][:4] + "-12-32")
    else:
        sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT 20"
        params = (match,)
    return [r[0] for r in conn.execute(sql, params)]


def _check(
    conn: sqlite3.Connection, q: dict, results: list[dict], sort: str = "rank"
) -> str | None:
    """None if every result matches and the count is right (and, sorted by date, the order is
    SQL's), else a message."""
    match = fold_query(q["query"])
    where = ["articles_fts MATCH :m"]
    params = {"m": match}
    if "site" in q:
        where += ["a.site = :s", "a.published_at >= :a", "a.published_at < :b"]
        params.update(s=q["site"], a=q["since"], b=q["until"][:4] + "-12-32")
    total = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM articles_fts JOIN articles a "
        f"ON a.id = articles_fts.rowid WHERE {' AND '.join(where)} LIMIT 20)",
        params,
    ).fetchone()[0]
    if len(results) != total:
        return f"{q}: {len(results)} results, {total} expected"
    for r in results:
        ok = conn.execute(
            "SELECT 1 FROM articles a JOIN articles_fts ON articles_fts.rowid = a.id "
            f"WHERE a.site = :site_id AND a.article_id = :aid AND {' AND '.join(where)}",
            dict(params, site_id=r["site"], aid=r["article_id"]),
        ).fetchone()
        if not ok:
            return f"{q}: result {r['url']} does not match"
    if sort == "date":
        truth = conn.execute(
            "SELECT a.site, a.article_id FROM articles_fts JOIN articles a "
            f"ON a.id = articles_fts.rowid WHERE {' AND '.join(where)} "
            "ORDER BY a.published_at IS NULL, a.published_at DESC, a.id DESC LIMIT 20",
            params,
        ).fetchall()
        if truth != [(r["site"], r["article_id"]) for r in results]:
            return f"{q}: sort=date order differs from SQL's"
    return None


def _pct(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def measure(
    path: Path,
    articles: int,
    repeat: int,
    sorts: tuple[str, ...] = ("rank",),
    only: tuple[str, ...] = SHAPES,
    baseline: bool = True,
) -> list[dict]:
    db = open_db(path, readonly=True)
    base = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = []
    print(f"load average before {articles:,}: {_load()}", flush=True)
    cases = [(shape, sort, queries) for shape, queries in shapes(path, articles).items()
             if shape in only for sort in sorts]  # fmt: skip
    for shape, sort, queries in cases:
        ours: list[float] = []
        cpu: list[float] = []
        theirs: list[float] = []
        plans: set[str] = set()
        errors = []
        for q in queries:
            kwargs = {k: v for k, v in q.items() if k != "query"}
            kwargs["sort"] = sort
            search(db, q["query"], **kwargs)  # warm the page cache for both
            slow = not baseline
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                res = search(db, q["query"], **kwargs)
                ours.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                if slow:
                    continue  # a baseline query over BASELINE_SLOW_S: timed once per query
                t = time.perf_counter()
                _baseline(base, q)
                theirs.append((time.perf_counter() - t) * 1000)
                slow = theirs[-1] > BASELINE_SLOW_S * 1000
            plans.add(res.plan)
            err = _check(base, q, res, sort)
            if err:
                errors.append(err)
        row = {
            "articles": articles,
            "shape": shape if sort == "rank" else f"{shape} sort={sort}",
            "sort": sort,
            "example": queries[0],
            "govnews_p50_ms": round(_pct(ours, 50), 2),
            "govnews_p95_ms": round(_pct(ours, 95), 2),
            "govnews_cpu_p50_ms": round(_pct(cpu, 50), 2),
            "govnews_cpu_p95_ms": round(_pct(cpu, 95), 2),
            "baseline_p50_ms": round(_pct(theirs, 50), 2) if theirs else None,
            "baseline_p95_ms": round(_pct(theirs, 95), 2) if theirs else None,
            "plans": sorted(plans),
            "correct": not errors,
            "errors": errors,
        }
        if theirs:
            row["ratio"] = round(row["baseline_p95_ms"] / max(row["govnews_p95_ms"], 1e-6), 1)
        else:
            row["ratio"] = None
        rows.append(row)
        _print_row(row)
    print(f"load average after {articles:,}: {_load()}", flush=True)
    db.close()
    base.close()
    return rows


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _print_row(r: dict) -> None:
    target = ""
    if r["articles"] >= TARGET_SIZE:
        target = "holds" if r["govnews_p95_ms"] < TARGET_MS else "MISSED"
    example = json.dumps(r["example"], ensure_ascii=False)
    base = "FTS5 rank not timed"
    if r["baseline_p50_ms"] is not None:
        base = f"FTS5 rank p50 {r['baseline_p50_ms']:8.1f} ms p95 {r['baseline_p95_ms']:8.1f} ms"
    print(
        f"{r['articles']:>9,}  {r['shape']:<16} govnews p50 {r['govnews_p50_ms']:8.1f} ms "
        f"p95 {r['govnews_p95_ms']:8.1f} ms (cpu p50 {r['govnews_cpu_p50_ms']:.1f} "
        f"p95 {r['govnews_cpu_p95_ms']:.1f}) | {base} | ×{r['ratio'] or '–':<6} {target:<6} "
        f"{'ok' if r['correct'] else 'WRONG'} plan={'/'.join(r['plans'])}  e.g. {example}",
        flush=True,
    )
    for e in r["errors"]:
        print("    ", e)


def run(
    quick: bool = False,
    sizes: list[int] | None = None,
    repeat: int = 4,
    sorts: tuple[str, ...] = ("rank",),
    only: tuple[str, ...] = SHAPES,
    baseline: bool = True,
) -> dict:
    """Run figure 4; returns {"figure", "machine", "rows": [...]} (also printed)."""
    sizes = sizes or ([20_000, 100_000] if quick else [100_000, 1_000_000])
    print(f"Figure 4: search latency (target p95 < {TARGET_MS:.0f} ms at 1M), "
          f"{QUERIES_PER_SHAPE} queries × {repeat} runs per shape")  # fmt: skip
    rows = []
    for n in sizes:
        rows += measure(archive(n), n, repeat, tuple(sorts), tuple(only), baseline)
    return {
        "figure": "search",
        "machine": f"{platform.machine()} {platform.processor() or ''} "
        f"python {platform.python_version()} sqlite {sqlite3.sqlite_version}".strip(),
        "target": f"p95 < {TARGET_MS:.0f} ms at {TARGET_SIZE:,} articles for every shape",
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="20k and 100k articles (smoke test)")
    p.add_argument("--sizes", type=int, nargs="+", help="archive sizes (default 100k 1M)")
    p.add_argument("--repeat", type=int, default=4, help="runs per query")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument(
        "--sorts", nargs="+", choices=("rank", "date", "views"), default=["rank"],
        help="search sorts to time, one row per shape and sort (default: rank)",
    )  # fmt: skip
    p.add_argument(
        "--shapes", nargs="+", choices=SHAPES, default=list(SHAPES), metavar="SHAPE",
        help=f"query shapes to time (default: all of {', '.join(SHAPES)})",
    )  # fmt: skip
    p.add_argument(
        "--no-baseline", action="store_true",
        help="do not time plain FTS5 (its site+date query takes ~90 s per query at 1M)",
    )  # fmt: skip
    a = p.parse_args(argv)
    result = run(
        quick=a.quick,
        sizes=a.sizes,
        repeat=a.repeat,
        sorts=tuple(a.sorts),
        only=tuple(a.shapes),
        baseline=not a.no_baseline,
    )
    if a.json:
        a.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
