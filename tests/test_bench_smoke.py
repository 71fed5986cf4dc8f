"""Smoke test of the benchmarks (issue 9): the scripts run end to end at tiny sizes and report
correct, complete figures.  No timing assertion: speed is measured by ``python bench/run.py``,
not asserted in CI (the machine is shared and noisy).

``bench/run.py --quick`` runs every figure (synthetic 20k-100k archives for search/export) and
takes longer than CI allows, so this runs the quickest scripts with tiny sizes instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "BENCH_RESULT "


def bench(*args: str, timeout: float = 300) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    env["PYTHONPATH"] = str(ROOT)
    res = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    lines = [x for x in res.stdout.splitlines() if x.startswith(PREFIX)]
    assert len(lines) == 1, res.stdout[-2000:]
    return json.loads(lines[0][len(PREFIX):]), res.stdout


def test_extract_figure_scores_govnews_and_trafilatura():
    r, out = bench("bench/extract.py", "--articles", "8", "--repeat", "1")
    assert r["figure"] == "extract" and r["replica_articles"] == 8
    assert r["fixtures"] >= 20  # every golden fixture, all platforms
    assert set(r["extractors"]) == {"govnews", "trafilatura_json_metadata", "trafilatura_plain"}
    ours = r["extractors"]["govnews"]["accuracy"]
    # govnews reads every replica field exactly (its own golden values are exact too)
    assert ours["title"] == ours["date"] == ours["author"] == ours["view_count"] == 1.0
    assert ours["body_similarity"] > 0.99
    # trafilatura has no view counts: it misses every non-null one
    assert r["extractors"]["trafilatura_json_metadata"]["accuracy"]["view_count"] < 0.5
    assert r["ratio"] > 0 and "Figure 3" in out


def test_reextract_and_size_figures_on_a_real_crawl(tmp_path):
    r, out = bench("bench/reextract.py", "--articles", "80")
    # every article page is re-extracted; raw_bodies also holds the list and home pages
    assert r["articles"] == 80 and r["govnews_bodies"] == 80 < r["raw_bodies"]
    assert r["changed_records"] == 0  # same extractor, same pages: nothing to correct
    assert r["govnews_pages_per_s"] > 0 and r["baseline_pages_per_s"] > 0
    s, out = bench("bench/size.py", "--articles", "80")
    assert s["articles"] == 80
    assert {(v["codec"], v["page_size"]) for v in s["variants"]} >= {
        ("zlib-6", 4096), ("zlib-6", 16384), ("zlib-1", 4096), ("zlib-9", 16384)}
    # zlib-1 stores more than zlib-9 at the same page size; the smallest variant is reported
    by = {(v["codec"], v["page_size"]): v["bytes"] for v in s["variants"]}
    assert by[("zlib-1", 4096)] >= by[("zlib-9", 4096)]
    assert s["best"]["bytes"] == min(by.values())
    assert s["raw_stored_bytes_per_1k_articles"] < s["raw_html_bytes_per_1k_articles"]


@pytest.mark.parametrize("figure", ["extract"])
def test_run_py_writes_the_report(tmp_path, figure):
    md, js = tmp_path / "bench.md", tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    res = subprocess.run([sys.executable, "bench/run.py", "--quick", "--only", figure, "--output",
                          str(md), "--json", str(js)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    text = md.read_text("utf-8")
    for needle in ("# Benchmarks", "**Machine:**", "**Versions:**", "SQLite", "Scrapy",
                   "**Date:**", "**Command:** `python bench/run.py --quick --only extract",
                   "| figure | govnews | baseline | ratio | target | held |",
                   "3. extraction", "trafilatura json+metadata", "Load (1-minute average)"):
        assert needle in text, needle
    data = json.loads(js.read_text("utf-8"))
    assert [f["name"] for f in data["figures"]] == [figure]
    assert data["figures"][0]["result"]["figure"] == "extract"
    assert data["machine"]["cores"] == os.cpu_count()
