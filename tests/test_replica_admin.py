"""The living replica: admin endpoint on loopback and ``govnews replica publish|edit|…`` clients.

A real replica on 127.0.0.1, real HTTP requests, the real extraction library on what it serves,
and the CLI as real subprocesses.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extract import extract
from govnews.replica import SEED_ID, ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
HOST = "chauthanh.soctrang.gov.vn"
HOME = "/Default.aspx?sname=huyenchauthanh&sid=1308"


def govnews(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    return subprocess.run([sys.executable, "-m", "govnews", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def get(srv: ReplicaServer, path: str, host: str = HOST) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def admin(srv: ReplicaServer, action: str, data: dict, host: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"}
        if host:
            headers["Host"] = host
        conn.request("POST", f"/__admin__/{action}", body=json.dumps(data), headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.fixture()
def srv():
    with ReplicaServer() as s:
        yield s


def test_cli_publish_serves_new_post_first(srv):
    title = "Thông báo lịch tiếp công dân định kỳ tháng 8"
    res = govnews("replica", "publish", "--replica", srv.url, "--site", "chauthanh",
                  "--title", title, "--body", "Đoạn thứ nhất.\n\nĐoạn thứ hai về thủy lợi.")
    assert res.returncode == 0, res.stderr
    newest = srv.content.articles[0]
    assert newest.title == title
    assert f"published article {newest.article_id} on chauthanh" in res.stdout
    assert newest.article_id > max(a.article_id for a in srv.content.articles[1:])
    # on page 1 of its category, and its page extracts to what was published
    status, _, body = get(srv, f"{HOME}&pageid=369&catid=1001")
    assert status == 200 and str(newest.article_id).encode() in body
    url = f"https://{HOST}{HOME}&pageid=369&catid=1001&id={newest.article_id}"
    status, _, body = get(srv, url.split(HOST, 1)[1])
    data = extract(body, url)
    assert status == 200
    assert data["title"] == title
    assert data["lead"] == "Đoạn thứ nhất."
    assert "Đoạn thứ hai về thủy lợi." in data["body_text"]
    assert data["view_count"] == 0
    assert data["published_at"].endswith("+07:00")


def test_cli_contact_changes_footer_phone(srv):
    res = govnews("replica", "contact", "--replica", srv.url, "--phone", "(0299) 3 834 999")
    assert res.returncode == 0, res.stderr
    _, _, body = get(srv, HOME)
    contact = extract(body, f"https://{HOST}{HOME}")["contact"]
    assert contact["phones"] == ["+842993834999"]
    assert contact["fax"] == ["+842993834670"]  # the rest of the footer is kept
    assert contact["emails"] == ["vpubndchauthanh@gmail.com"]


def test_edit_and_remove(srv):
    status, body = admin(srv, "edit", {"site": "chauthanh", "id": SEED_ID, "view_count": 250})
    assert status == 200, body
    path = f"{HOME}&pageid=369&catid=1002&id={SEED_ID}"
    _, _, page = get(srv, path)
    assert extract(page, f"https://{HOST}{path}")["view_count"] == 250
    res = govnews("replica", "remove", "--replica", srv.url, "--id", str(SEED_ID))
    assert res.returncode == 0, res.stderr
    assert get(srv, path)[0] == 404


def test_down_503_refuse_and_up(srv):
    assert admin(srv, "down", {"site": "chauthanh"})[0] == 200
    assert get(srv, HOME)[0] == 503
    assert admin(srv, "down", {"site": "chauthanh", "mode": "refuse"})[0] == 200
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        get(srv, HOME)
    res = govnews("replica", "up", "--replica", srv.url)
    assert res.returncode == 0, res.stderr
    assert get(srv, HOME)[0] == 200


def test_redirect_is_permanent_to_new_host_same_path(srv):
    res = govnews("replica", "redirect", "--replica", srv.url, "--to", "https://cantho.gov.vn/")
    assert res.returncode == 0, res.stderr
    status, headers, _ = get(srv, HOME)
    assert status == 301
    assert headers["Location"] == f"https://cantho.gov.vn{HOME}"
    assert admin(srv, "up", {"site": "chauthanh"})[0] == 200
    assert get(srv, HOME)[0] == 200


def test_admin_only_on_loopback_host_and_bad_input(srv):
    # addressed to a portal host, /__admin__/ is just a missing page of the portal
    status, _ = admin(srv, "publish", {"title": "x"}, host=HOST)
    assert status == 404
    assert len(srv.content) == 73
    assert admin(srv, "publish", {"site": "chauthanh"})[0] == 400
    assert admin(srv, "publish", {"site": "nowhere", "title": "x"})[0] == 404
    assert admin(srv, "frobnicate", {})[0] == 404
    res = govnews("replica", "remove", "--replica", srv.url, "--id", "1")
    assert res.returncode != 0
    assert res.stderr.strip() == "Error: replica remove: no article 1 on chauthanh"
    res = govnews("replica", "publish", "--replica", "http://127.0.0.1:1", "--title", "x")
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert res.stderr.startswith("Error: replica not reachable at http://127.0.0.1:1")
