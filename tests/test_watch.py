"""``govnews watch`` end to end: a living replica on loopback, watch passes as real subprocesses,
a real webhook receiver (ThreadingHTTPServer) checking signatures, feeds parsed back with
feedparser, assertions on the SQLite archive.

One full crawl of the 73-article replica is made once (module fixture) and copied for each
test, so every test starts from "the archive already holds the site".
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from govnews.monitor.webhooks import verify
from govnews.replica import ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-ê"
FAST = ["--set", "GOVNEWS_RETRY_BACKOFF_BASE=0.05", "--set", "AUTOTHROTTLE_START_DELAY=0.1"]
CATEGORIES = 4


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    e["GOVNEWS_WEBHOOK_SECRET"] = SECRET
    return e


def govnews(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govnews", *args], cwd=ROOT, env=env(),
                          capture_output=True, text=True, timeout=timeout)


def watch_args(db: Path, srv: ReplicaServer, *extra: str) -> list[str]:
    return [sys.executable, "-m", "govnews", "watch", "chauthanh", "--once", "--format", "json",
            "--db", str(db), "--replica", srv.url, *FAST, *extra]


def watch(db: Path, srv: ReplicaServer, *extra: str, expect: int = 0) -> dict:
    res = subprocess.run(watch_args(db, srv, *extra), cwd=ROOT, env=env(), capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == expect, res.stderr + res.stdout
    return json.loads(res.stdout)


def q(db: Path, sql: str, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def publish(srv: ReplicaServer, title: str, body: str = "Nội dung tin.") -> int:
    res = govnews("replica", "publish", "--replica", srv.url, "--site", "chauthanh",
                  "--title", title, "--body", body)
    assert res.returncode == 0, res.stderr
    return srv.content.articles[0].article_id


class Receiver:
    """A webhook endpoint on loopback recording every POST and whether its signature verifies."""

    def __init__(self, port: int = 0, on_post=None):
        self.posts: list[dict] = []
        self.on_post = on_post
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.posts.append({
                    "event_id": self.headers.get("X-Govnews-Event-Id"),
                    "signed": verify(SECRET, body, self.headers.get("X-Govnews-Signature")),
                    "json": json.loads(body),
                })
                if owner.on_post is not None:
                    owner.on_post()
                self.send_response(204)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def crawled_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("base") / "archive.db"
    with ReplicaServer() as srv:
        res = govnews("crawl", "chauthanh", "--db", str(db), "--replica", srv.url)
        assert res.returncode == 0, res.stderr
    return db


@pytest.fixture()
def db(crawled_db, tmp_path) -> Path:
    copy = tmp_path / "archive.db"
    shutil.copy(crawled_db, copy)
    return copy


@pytest.fixture()
def srv():
    with ReplicaServer() as s:
        yield s


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def kinds(srv: ReplicaServer) -> list[str]:
    return [r["kind"] for r in srv.requests]


# --------------------------------------------------------------------------- acceptance


def test_one_new_post_reported_fed_and_posted_once(db, srv, receiver, tmp_path):
    feeds = tmp_path / "feeds"
    hook = ["--feed-dir", str(feeds), "--webhook", receiver.url]

    # unchanged site: one list page per category, no article page, no postback
    srv.clear_log()
    first = watch(db, srv, *hook)
    assert first["events"] == []
    assert first["sites"]["chauthanh"]["list_pages"] == CATEGORIES
    log = srv.requests
    assert sum(r["kind"] == "list" for r in log) == CATEGORIES
    assert not [r for r in log if r["method"] == "POST" or r["kind"] == "article"]
    assert len(feedparser.parse(feeds / "chauthanh.atom").entries) == 0

    title = "Thông báo lịch tiếp công dân định kỳ của Chủ tịch UBND huyện"
    new_id = publish(srv, title, "Chủ tịch UBND huyện Châu Thành tiếp công dân.\n\nĐoạn hai.")
    srv.clear_log()
    second = watch(db, srv, *hook)
    assert [(e["type"], e["article_id"]) for e in second["events"]] == [("new_post", str(new_id))]
    assert [r["path"] for r in srv.requests if r["kind"] == "article"] == [
        f"/Default.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001&id={new_id}"
    ]
    assert second["deliveries"] == {"delivered": 1, "failed": 0, "pending": 0}

    feed = feedparser.parse(feeds / "chauthanh.atom")
    assert not feed.bozo and feed.version == "atom10"
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert entry.id == f"tag:govnews,2025:huyenchauthanh/{new_id}"
    assert entry.title == title
    assert entry.link.startswith("https://chauthanh.soctrang.gov.vn/Default.aspx?")
    assert entry.summary == "Chủ tịch UBND huyện Châu Thành tiếp công dân."
    assert entry.published.endswith("+07:00")
    assert entry.govnews_viewcount == "0"
    assert [e.id for e in feedparser.parse(feeds / "all.atom").entries] == [entry.id]

    assert len(receiver.posts) == 1
    post = receiver.posts[0]
    assert post["signed"] is True
    assert post["json"]["type"] == "new_post"
    assert post["json"]["article"]["title"] == title
    assert post["event_id"] == str(post["json"]["id"])

    # nothing new: nothing reported, no article page fetched, nothing posted
    srv.clear_log()
    third = watch(db, srv, *hook)
    assert third["events"] == []
    assert "article" not in kinds(srv)
    assert len(receiver.posts) == 1
    assert len(feedparser.parse(feeds / "chauthanh.atom").entries) == 1
    assert q(db, "select status, attempts from deliveries") == [("delivered", 1)]


def test_site_down_back_contact_changed_and_moved(db, srv):
    watch(db, srv)  # healthy first pass
    srv_admin = ["--replica", srv.url]
    assert govnews("replica", "down", *srv_admin).returncode == 0
    for n in (1, 2):
        out = watch(db, srv, expect=1)
        assert out["sites"]["chauthanh"]["ok"] is False
        assert out["events"] == [], f"site_down too early, after {n} failed passes"
    assert govnews("replica", "down", *srv_admin, "--mode", "refuse").returncode == 0
    out = watch(db, srv, expect=1)
    assert [e["type"] for e in out["events"]] == ["site_down"]
    assert out["events"][0]["payload"]["failed_passes"] == 3

    # back, with a new phone number in the footer
    assert govnews("replica", "up", *srv_admin).returncode == 0
    assert govnews("replica", "contact", *srv_admin, "--phone", "(0299) 3 834 999").returncode == 0
    out = watch(db, srv)
    assert sorted(e["type"] for e in out["events"]) == ["contact_changed", "site_back"]
    changed = next(e for e in out["events"] if e["type"] == "contact_changed")
    assert changed["payload"]["changes"] == {
        "phones": {"old": ["+842993834570", "+842993834566"], "new": ["+842993834999"]}
    }

    # moved to the merged province's portal
    res = govnews("replica", "redirect", *srv_admin, "--to", "https://cantho.gov.vn")
    assert res.returncode == 0, res.stderr
    out = watch(db, srv)
    assert [e["type"] for e in out["events"]] == ["site_moved"]
    assert out["events"][0]["payload"]["new_base_url"] == "https://cantho.gov.vn"
    assert out["events"][0]["payload"]["old_base_url"] == "https://chauthanh.soctrang.gov.vn"
    assert watch(db, srv)["events"] == []  # still redirected: reported once
    assert q(db, "select state, moved_to from site_health where site='chauthanh'") == [
        ("up", "https://cantho.gov.vn")
    ]
    counts = dict(q(db, "select type, count(*) from events group by type"))
    assert counts == {"site_down": 1, "site_back": 1, "contact_changed": 1, "site_moved": 1}


def test_keyword_match_feed_revisit_and_removal(db, srv, tmp_path):
    keywords = tmp_path / "papi.txt"
    keywords.write_text("# chỉ số quản trị\nchi so papi\nĐắk Lắk\n", encoding="utf-8")
    feeds = tmp_path / "feeds"
    hit = publish(srv, "Hội nghị nâng cao CHỈ SỐ PAPI năm 2025")
    miss = publish(srv, "Ra quân dọn dẹp vệ sinh môi trường")
    out = watch(db, srv, "--keywords", str(keywords), "--feed-dir", str(feeds))
    got = sorted((e["type"], e["article_id"]) for e in out["events"])
    assert got == sorted([("new_post", str(hit)), ("new_post", str(miss)),
                          ("keyword_match", str(hit))])
    match = next(e for e in out["events"] if e["type"] == "keyword_match")
    assert match["payload"]["keywords"] == ["chi so papi"]
    feed = feedparser.parse(feeds / "keywords-papi.atom")
    assert [e.id for e in feed.entries] == [f"tag:govnews,2025:huyenchauthanh/{hit}"]

    # revisit policy: a fresh post is re-read (here: every pass) and its view count followed
    assert govnews("replica", "edit", "--replica", srv.url, "--id", str(hit),
                   "--views", "57").returncode == 0
    assert govnews("replica", "remove", "--replica", srv.url, "--id", str(miss)).returncode == 0
    srv.clear_log()
    out = watch(db, srv, "--revisit", "7d:0s")
    assert out["sites"]["chauthanh"]["revisited"] == 2  # only the two fresh posts
    assert [(e["type"], e["article_id"]) for e in out["events"]] == [("post_removed", str(miss))]
    assert q(db, "select view_count from articles where article_id=?", str(hit)) == [(57,)]
    # the default policy does not re-read a post observed less than a day ago
    srv.clear_log()
    out = watch(db, srv)
    assert out["sites"]["chauthanh"]["revisited"] == 0 and "article" not in kinds(srv)


# --------------------------------------------------------------------------- crashes


def wait_for(predicate, timeout: float = 60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_kill_after_events_before_delivery_loses_nothing(db, srv, tmp_path):
    port = free_port()  # the receiver is not listening yet: deliveries fail and back off
    url = f"http://127.0.0.1:{port}/hook"
    new_id = publish(srv, "Tin mới trước khi bị ngắt")
    proc = subprocess.Popen(watch_args(db, srv, "--webhook", url), cwd=ROOT, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: q(db, "select 1 from deliveries where attempts >= 1 "
                               "and last_error is not null"))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert q(db, "select type, article_id from events") == [("new_post", str(new_id))]
    receiver = Receiver(port)
    try:
        out = watch(db, srv, "--webhook", url)
        assert out["events"] == []  # recorded by the killed pass, not again
        assert out["deliveries"]["delivered"] == 1
        assert [p["json"]["article_id"] for p in receiver.posts] == [str(new_id)]
        assert all(p["signed"] for p in receiver.posts)
        watch(db, srv, "--webhook", url)
        assert len(receiver.posts) == 1
    finally:
        receiver.close()


def test_kill_mid_crawl_loses_no_event_and_sends_no_duplicate(db, srv, receiver):
    first = publish(srv, "Tin thứ nhất trong lúc crawl")
    second = publish(srv, "Tin thứ hai trong lúc crawl")
    entered, release = threading.Event(), threading.Event()
    handle = srv.replica.handle

    def slow_articles(method, host, target, form=None):
        if f"id={first}" in target or f"id={second}" in target:
            entered.set()
            release.wait(30)
        return handle(method, host, target, form)

    srv.replica.handle = slow_articles
    proc = subprocess.Popen(watch_args(db, srv, "--webhook", receiver.url), cwd=ROOT, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert entered.wait(60), "the pass never asked for the new articles"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        release.set()
        srv.replica.handle = handle
        if proc.poll() is None:
            proc.kill()
    assert q(db, "select count(*) from events") == [(0,)]
    assert receiver.posts == []
    out = watch(db, srv, "--webhook", receiver.url)
    assert sorted(e["article_id"] for e in out["events"]) == sorted([str(first), str(second)])
    watch(db, srv, "--webhook", receiver.url)
    ids = [p["event_id"] for p in receiver.posts]
    assert sorted(p["json"]["article_id"] for p in receiver.posts) == sorted(
        [str(first), str(second)])
    assert len(ids) == len(set(ids)) == 2
    assert q(db, "select count(*) from events where type='new_post'") == [(2,)]


def test_kill_between_post_and_record_resends_same_event_id(db, srv):
    """The one window no sender can close: documented at-least-once, deduplicable by id."""
    state: dict = {}

    def kill_sender():
        if len(receiver.posts) == 1:
            state["proc"].send_signal(signal.SIGKILL)
            time.sleep(0.5)

    receiver = Receiver(on_post=kill_sender)
    try:
        publish(srv, "Tin gửi đúng lúc bị ngắt")
        state["proc"] = subprocess.Popen(watch_args(db, srv, "--webhook", receiver.url), cwd=ROOT,
                                         env=env(), stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        state["proc"].wait(120)
        assert q(db, "select status from deliveries") == [("sending",)]
        watch(db, srv, "--webhook", receiver.url)
        assert len(receiver.posts) == 2
        assert receiver.posts[0]["event_id"] == receiver.posts[1]["event_id"]
        assert receiver.posts[0]["json"] == receiver.posts[1]["json"]
        assert q(db, "select status, attempts from deliveries") == [("delivered", 2)]
    finally:
        receiver.close()


# --------------------------------------------------------------------------- command line


def test_every_runs_passes_and_stops_cleanly_on_sigterm(db, srv):
    args = watch_args(db, srv)
    args.remove("--once")
    proc = subprocess.Popen([*args, "--every", "1h"], cwd=ROOT, env=env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lines = []
        while not (lines and lines[-1].startswith("next pass in")):
            line = proc.stdout.readline()
            assert line, "watch ended before its first pass was done"
            lines.append(line)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        out = "".join(lines) + out
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "next pass in" in out and out.rstrip().endswith("watch stopped")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--once", "--every", "30m"], "give either --once or --every, not both"),
        (["--every", "soon"], "--every: invalid duration 'soon'; use e.g. 30m, 1h, 7d"),
        (["--once", "--revisit", "7d"], "--revisit: revisit rule '7d' is not AGE:INTERVAL"),
        (["--once", "--keywords", "/nonexistent/k.txt"], "--keywords /nonexistent/k.txt:"),
        (["--once", "--webhook", "ftp://x"], "--webhook needs an http(s) URL, got 'ftp://x'"),
        (["nowhere", "--once"], "unknown site 'nowhere'"),
    ],
)
def test_bad_usage_is_one_line_exit_2(tmp_path, args, message):
    res = govnews("watch", *args, "--db", str(tmp_path / "a.db"))
    assert res.returncode == 2
    assert res.stderr.startswith(f"Error: {message}"), res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_webhook_needs_secret(tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    res = subprocess.run([sys.executable, "-m", "govnews", "watch", "--once", "--webhook",
                          "http://127.0.0.1:9/x", "--db", str(tmp_path / "a.db")], cwd=ROOT,
                         env=e, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert res.stderr.strip() == "Error: --webhook needs a signing secret in $GOVNEWS_WEBHOOK_SECRET"
