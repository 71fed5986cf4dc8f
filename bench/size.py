"""Figure 7 — archive size: bytes per 1,000 articles (raw pages compressed, FTS included).

A real replica crawl (``govnews crawl``) builds the archive; then, on copies of it, the raw
pages are recompressed with each candidate codec (zlib levels 1/6/9, zstd 1/3/9/19) and the file is rebuilt with ``VACUUM`` at each page size
(4096 = SQLite's default, 16384).  Every variant holds exactly the same rows and indexes.

Baseline: the archive as ``govnews crawl`` writes it (shown as "as written").  Prints bytes per
1k articles for every variant, the share of each table group (raw pages, FTS, the rest) when
SQLite's ``dbstat`` is available, the smallest variant, and a final ``BENCH_RESULT {json}``.

    python bench/size.py            # 2,000-article replica crawl
    python bench/size.py --quick    # 300 articles
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import zlib
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from archive import rawcodec  # noqa: E402

PAGE_SIZES = (4096, 16384)


#: the variant the crawl writes (archive/rawcodec.py): the "as written" archive
AS_WRITTEN = f"zstd-{rawcodec.ZSTD_LEVEL}"


def codecs() -> dict:
    """name -> compress(bytes) for every codec compared."""
    out = {f"zlib-{lv}": (lambda b, lv=lv: zlib.compress(b, lv)) for lv in (1, 6, 9)}
    for lv in (1, 3, 9, 19):
        out[f"zstd-{lv}"] = zstandard.ZstdCompressor(level=lv).compress
    return out


def file_size(path: Path) -> int:
    return path.stat().st_size


def rebuild(src: Path, dst: Path, page_size: int, compress=None) -> int:
    """Copy ``src`` to ``dst``, recompress raw pages with ``compress`` (``(codec, function)``),
    VACUUM at ``page_size``."""
    shutil.copy(src, dst)
    con = sqlite3.connect(dst, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        if compress is not None:
            codec, fn = compress
            rows = con.execute("SELECT hash, compression, data FROM raw_bodies").fetchall()
            con.execute("BEGIN")
            con.executemany(
                "UPDATE raw_bodies SET compression = ?, data = ? WHERE hash = ?",
                [(codec, fn(rawcodec.decompress(d, c)), h) for h, c, d in rows],
            )
            con.execute("COMMIT")
        con.execute(f"PRAGMA page_size={page_size}")
        con.execute("VACUUM")
        got = con.execute("PRAGMA page_size").fetchone()[0]
        assert got == page_size, (got, page_size)
    finally:
        con.close()
    return file_size(dst)


def shares(path: Path) -> dict | None:
    """Bytes per table group from ``dbstat`` (None when SQLite lacks it)."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        return None
    finally:
        con.close()
    out = {"raw_pages": 0, "fts": 0, "rest": 0}
    for name, size in rows:
        key = "raw_pages" if "raw_bodies" in name else "fts" if "fts" in name else "rest"
        out[key] += size
    return out


def run(articles: int) -> dict:
    from reextract import crawl_archive

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "archive.db"
        crawl_archive(db, articles)
        con = sqlite3.connect(db)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        raw_bytes, raw_stored = con.execute(
            "SELECT sum(size), sum(length(data)) FROM raw_bodies").fetchone()
        con.close()
        per_k = 1000 / n
        as_written = file_size(db)
        variants = []
        for name, fn in codecs().items():
            for ps in PAGE_SIZES:
                out = tmp / f"v-{name}-{ps}.db"
                codec = name.split("-")[0]
                size = rebuild(db, out, ps, None if name == AS_WRITTEN else (codec, fn))
                variants.append({"codec": name, "page_size": ps, "bytes": size,
                                 "bytes_per_1k_articles": round(size * per_k)})
                if name == AS_WRITTEN and ps == 4096:
                    parts = shares(out)
                out.unlink()
        best = min(variants, key=lambda v: v["bytes"])
    return {
        "figure": "size",
        "articles": n,
        "raw_html_bytes_per_1k_articles": round(raw_bytes * per_k),
        "raw_stored_bytes_per_1k_articles": round(raw_stored * per_k),
        "as_written_bytes_per_1k_articles": round(as_written * per_k),
        "shares_as_written_4096": {k: round(v * per_k) for k, v in parts.items()} if parts else None,
        "variants": variants,
        "best": best,
        "baseline": f"as govnews crawl wrote it ({AS_WRITTEN}; page size of the archive)",
        "baseline_bytes_per_1k_articles": round(as_written * per_k),
        "ratio": round(as_written / best["bytes"], 3),
        "codecs_available": list(codecs()),
    }


def report(r: dict) -> None:
    mb = 1e6
    print(f"Figure 7: archive size per 1,000 articles ({r['articles']} articles crawled from the "
          f"replica; raw HTML {r['raw_html_bytes_per_1k_articles'] / mb:.1f} MB/1k)")
    print(f"  as written by govnews crawl: {r['as_written_bytes_per_1k_articles'] / mb:.2f} MB/1k "
          f"(raw pages stored {r['raw_stored_bytes_per_1k_articles'] / mb:.2f} MB/1k)")
    if r["shares_as_written_4096"]:
        s = r["shares_as_written_4096"]
        print(f"  after VACUUM, {AS_WRITTEN}, 4 KB pages: raw pages {s['raw_pages'] / mb:.2f}, FTS "
              f"{s['fts'] / mb:.2f}, other tables/indexes {s['rest'] / mb:.2f} MB/1k")
    for v in r["variants"]:
        mark = "  <- smallest" if v is r["best"] or v == r["best"] else ""
        print(f"  {v['codec']:<8} page_size {v['page_size']:>5}: "
              f"{v['bytes_per_1k_articles'] / mb:7.2f} MB/1k{mark}")
    print(f"  as written / smallest: {r['ratio']:.3f}x (codecs here: {', '.join(r['codecs_available'])})")


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
