"""Issue 8: the crawl survives a fault-injecting replica.

A real replica with ``--faults all`` (plus pinned faults on known articles) serves a real
subprocess crawl; a second loopback server stands in for a host outside the registry.  The
assertions read the SQLite archive and both servers' request logs.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extract import extract
from govnews.errors import UserError
from govnews.replica import SEED_ID, ReplicaServer
from govnews.replica.faults import (
    ALL_SPEC,
    KINDS,
    FaultInjector,
    _malformed,
    encode_cp1258,
    parse_spec,
)
from govnews.replica.sites import site_for_host

ROOT = Path(__file__).resolve().parent.parent
SEED_TITLE = "Huyện Châu Thành triển khai các giải pháp nâng cao chỉ số PAPI của tỉnh"
HOST = "chauthanh.soctrang.gov.vn"
# fast policy for tests: short timeout, short back-off (Retry-After 1 s is honoured, capped 1 s)
FAST = ["--set", "DOWNLOAD_TIMEOUT=1.5", "--set", "GOVNEWS_RETRY_BACKOFF_BASE=0.05",
        "--set", "GOVNEWS_RETRY_BACKOFF_MAX=1"]


def govnews(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    return subprocess.run([sys.executable, "-m", "govnews", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def q(db: Path, sql: str, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- spec grammar


def test_spec_grammar_and_all():
    rules = parse_spec("503:0.2@/huyenchauthanh/*,slow:0.05,reset#3,win1258@*id=39*")
    assert [(r.kind, r.rate, r.times, r.glob) for r in rules] == [
        ("503", 0.2, 2, "/huyenchauthanh/*"), ("slow", 0.05, 1, "*"), ("reset", 1.0, 3, "*"),
        ("win1258", 1.0, 0, "*id=39*"),
    ]
    assert {r.kind for r in parse_spec("all")} == set(KINDS)
    assert parse_spec("all") == parse_spec(ALL_SPEC)
    for bad in ("", "nope", "503:2", "503:x", "slow@"):
        with pytest.raises(UserError):
            parse_spec(bad)


def test_choice_is_deterministic_per_seed():
    def chosen(seed):
        inj = FaultInjector("503:0.3", seed=seed)
        return [inj._chosen(inj.rules[0], f"k{i}") for i in range(200)]

    assert chosen(1) == chosen(1)
    assert chosen(1) != chosen(2)
    assert 30 < sum(chosen(1)) < 90


def test_replica_serve_rejects_bad_spec():
    res = govnews("replica", "serve", "--port", "0", "--faults", "bogus:1")
    assert res.returncode != 0
    assert "bad fault rule 'bogus:1'" in res.stderr and "Traceback" not in res.stderr


# --------------------------------------------------------------------------- extraction


@pytest.fixture(scope="module")
def seed_html() -> str:
    with ReplicaServer() as srv:
        import http.client

        art = srv.content.by_id[SEED_ID]
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        conn.request("GET", f"/Default.aspx?sname=huyenchauthanh&sid=1308&id={art.article_id}",
                     headers={"Host": HOST})
        body = conn.getresponse().read()
        return body.decode("utf-8")


def _fault_body(kind: str, html: str) -> tuple[bytes, dict]:
    from govnews.replica.server import Response

    inj = FaultInjector(kind)
    resp = inj.apply("GET", HOST, "/Default.aspx?id=1", None,
                     Response(200, "text/html; charset=utf-8", html.encode(), "article"))
    return resp.body, {"content-type": resp.content_type}


@pytest.mark.parametrize("kind", ["win1258", "win1258-nometa", "malformed", "badutf8", "ctype"])
def test_extraction_of_faulty_page(seed_html, kind):
    body, headers = _fault_body(kind, seed_html)
    assert (body, headers["content-type"]) != (seed_html.encode(), "text/html; charset=utf-8")
    got = extract(body, f"https://{HOST}/Default.aspx?sname=huyenchauthanh&sid=1308&id={SEED_ID}",
                  headers)
    assert got["title"] == SEED_TITLE
    assert got["view_count"] == 203
    assert got["kind"] == "article"


def test_windows_1258_bytes_are_really_cp1258(seed_html):
    body, headers = _fault_body("win1258-nometa", seed_html)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "charset" not in headers["content-type"] and b"charset=" not in body
    assert encode_cp1258("Huyện") == b"Huy\xea\xf2n"  # ê precomposed (EA), dot below combining (F2)


def test_malformed_really_is(seed_html):
    bad = _malformed(seed_html)
    assert "</table>" not in bad and bad.count("<form") == seed_html.count("<form") + 1


def test_truncated_page_keeps_what_it_still_contains(seed_html):
    url = f"https://{HOST}/Default.aspx?sname=huyenchauthanh&sid=1308&id={SEED_ID}"
    raw = seed_html.encode()
    # what the replica's "truncated" fault sends is half the page; cut later, at 3/4, the
    # article text and its view counter are complete
    got = extract(raw[: len(raw) * 3 // 4], url, {"content-type": "text/html; charset=utf-8"})
    assert got["title"] == SEED_TITLE and got["view_count"] == 203
    for cut in (len(raw) // 2, raw.index(SEED_TITLE.encode()) + 5, 100, 1):
        got = extract(raw[:cut], url, {"content-type": "text/html; charset=utf-8"})
        assert got["view_count"] in (None, 203)  # nothing invented
        assert got["title"] in (None, SEED_TITLE) or SEED_TITLE.startswith(got["title"][:3])


# --------------------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def all_faults(tmp_path_factory):
    """One crawl of the replica with every fault on; the replica, the outside server, the DB."""
    db = tmp_path_factory.mktemp("faults") / "archive.db"
    with ReplicaServer() as outside:
        with ReplicaServer() as plain:
            banned = site_for_host(HOST).categories[-1].catid  # robots.txt fault's category
            ids = [a.article_id for a in plain.content.articles
                   if a.catid != banned and a.article_id != SEED_ID]
        # pin the rare kinds on articles of categories that robots.txt allows
        pins = [f"win1258@*&id={SEED_ID}", f"huge@*&id={ids[3]}", f"gzipbomb@*&id={ids[5]}",
                f"offsite@*&id={ids[7]}", f"redirect-loop@*&id={ids[9]}",
                f"malformed@*&id={ids[11]}", f"truncated@*&id={ids[13]}",
                f"slow@*&id={ids[15]}", f"reset@*&id={ids[17]}", f"429@*&id={ids[19]}"]
        inj = FaultInjector(",".join(pins) + ",all", seed=8, slow_seconds=3,
                            outside_url=outside.url + "/stolen")
        with ReplicaServer(faults=inj) as srv:
            res = govnews("crawl", "chauthanh", "--db", str(db), "--replica", srv.url, *FAST)
            log = srv.requests
            content = srv.content
            prefix = inj.disallowed_prefix(HOST)
        yield {"db": db, "res": res, "log": log, "outside": outside.requests, "inj": inj,
               "content": content, "prefix": prefix, "pins": pins}


def test_all_faults_crawl_completes(all_faults):
    res = all_faults["res"]
    assert res.returncode == 0, res.stderr[-2000:]
    assert "finished" in res.stdout
    assert "Traceback" not in res.stderr
    inj = all_faults["inj"]
    missing = set(KINDS) - set(inj.counts)
    assert not missing, (missing, [p for p in all_faults["pins"] if p.split("@")[0] in missing],
                         [e for e in all_faults["log"] if any(
                             e["path"].endswith(p.split("@*")[1]) for p in all_faults["pins"]
                             if p.split("@")[0] in missing)])


def test_every_article_archived_or_failed_with_reason(all_faults):
    db, content, prefix = all_faults["db"], all_faults["content"], all_faults["prefix"]
    disallowed = int(prefix.rsplit("=", 1)[1])
    allowed = {str(a.article_id) for a in content.articles if a.catid != disallowed}
    archived = {r[0] for r in q(db, "select article_id from articles")}
    failed = dict(q(db, "select article_id, kind from failures "
                        "where resolved_at is null and article_id is not null"))
    assert not archived & set(failed)
    holes = sorted(allowed - archived - set(failed))
    assert not holes, (holes, [e for e in all_faults["log"] if any(h in e["path"] for h in holes)])
    # the permanent failures are there with their reason and attempts
    kinds = set(failed.values())
    assert {"too-large", "offsite", "redirect-loop"} <= kinds
    rows = q(db, "select kind, reason, attempts from failures where resolved_at is null")
    assert all(reason for _, reason, _ in rows)
    assert any(k == "http-500" and n == 4 for k, _, n in rows)  # 1 try + RETRY_TIMES=3
    # nothing archived twice, and the archive is sound
    assert q(db, "select count(*) - count(distinct article_id) from articles")[0][0] == 0
    assert q(db, "pragma integrity_check")[0][0] == "ok"


def test_faulty_but_readable_pages_are_archived_correctly(all_faults):
    db = all_faults["db"]
    title, views = q(db, "select title, view_count from articles where article_id = ?",
                     str(SEED_ID))[0]
    assert (title, views) == (SEED_TITLE, 203)  # served in windows-1258
    wanted = {str(a.article_id): a.title for a in all_faults["content"].articles}
    for aid, title in q(db, "select article_id, title from articles"):
        assert title == wanted[aid]


def test_transient_faults_were_recovered(all_faults):
    log = all_faults["log"]
    db = all_faults["db"]
    archived = {r[0] for r in q(db, "select article_id from articles")}
    recovered = set()
    for e in log:
        if e["fault"] in ("503", "502", "429", "slow", "reset", "truncated") and "&id=" in e["path"]:
            recovered.add(e["path"].rsplit("=", 1)[1])
    recovered_ok = recovered & archived
    assert len(recovered_ok) >= 5
    # 429 answered with Retry-After: 1 → the retry came no sooner (a lower bound, which a slow
    # machine cannot break)
    for e in log:
        if e["fault"] == "429" and e["method"] == "GET":  # POSTs share the list URL
            later = [x for x in log if x["path"] == e["path"] and x["time"] > e["time"]]
            assert later and later[0]["time"] - e["time"] >= 0.9


def test_no_request_left_the_registry(all_faults):
    assert all_faults["outside"] == []  # the "outside" host was redirected to, never contacted
    hosts = {e["host"] for e in all_faults["log"]}
    assert hosts == {HOST}
    # robots.txt was obeyed: nothing under the disallowed category was fetched
    prefix = all_faults["prefix"]
    assert not [e for e in all_faults["log"] if e["path"].startswith(prefix)]


def test_summary_breaks_failures_down_by_kind(all_faults):
    out = all_faults["res"].stdout
    assert "errors:" in out
    for kind in ("too-large", "offsite", "redirect-loop", "robots"):
        assert f"    {kind}:" in out


def test_failed_article_is_retried_by_next_crawl_and_resolved(tmp_path):
    db = tmp_path / "a.db"
    with ReplicaServer() as plain:
        victim = plain.content.articles[2].article_id
        lists = f"*catid={plain.content.articles[2].catid}"
    inj = FaultInjector(f"500#0@*&id={victim},503#0@{lists}", seed=1)
    with ReplicaServer(faults=inj) as srv:
        res = govnews("crawl", "chauthanh", "--db", str(db), "--replica", srv.url, *FAST)
        assert res.returncode == 0, res.stderr[-2000:]
        open_ = q(db, "select url, kind, attempts from failures where resolved_at is null")
        assert any(k == "http-503" and u.endswith(lists[1:]) for u, k, _ in open_)
        srv.faults = None  # the portal recovers
        srv.clear_log()
        res = govnews("crawl", "chauthanh", "--db", str(db), "--replica", srv.url, *FAST)
        assert res.returncode == 0, res.stderr[-2000:]
        fetched = [e for e in srv.requests if e["path"].endswith(f"&id={victim}")]
    assert fetched, "the failed article was not tried again"
    assert q(db, "select count(*) from articles")[0][0] == 73
    assert q(db, "select count(*) from failures where resolved_at is null")[0][0] == 0
    assert q(db, "select count(*) from failures where resolved_at is not null")[0][0] >= 2
