"""``govnews extract PAGE.html --url URL``: run the extractor on a saved page, print JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from govnews.errors import UserError

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"Rar!", b"7z\xbc\xaf", b"\xd0\xcf\x11\xe0", b"BM", b"RIFF", b"\x00\x00\x01\x00")


def _looks_like_html(data: bytes) -> bool:
    head = data[:4096]
    if not head.strip():
        return False
    if head.startswith(_BINARY_MAGIC):
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM
        head = data[:8192].decode("utf-16", "replace").encode("utf-8", "replace")
    elif b"\x00" in head:
        return False
    low = data[:65536].lower()
    return any(t in low for t in (b"<html", b"<body", b"<div", b"<p", b"<!doctype", b"<table",
                                  b"<head", b"<meta", b"<span", b"<a ", b"<form", b"<title"))


@click.command(name="extract")
@click.argument("page", type=click.Path(path_type=Path))
@click.option("--url", required=True, help="The page's real URL (links are made absolute against it).")
@click.option("--encoding", "encoding", default=None, metavar="ENC",
              help="Force a charset (e.g. windows-1258) instead of detecting it.")
def cli(page: Path, url: str, encoding: str | None) -> None:
    """Extract one saved page and print the result as JSON.

    \b
    Example:
        govnews extract saved.html \\
          --url "https://chauthanh.soctrang.gov.vn/Default.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001&id=397719"
        govnews extract old.html --url https://mytu.soctrang.gov.vn/ --encoding windows-1258
    """
    if not page.exists():
        raise UserError(f"{page}: no such file")
    if page.is_dir():
        raise UserError(f"{page}: is a directory, not an HTML file")
    try:
        data = page.read_bytes()
    except OSError as e:
        raise UserError(f"{page}: cannot read ({e.strerror or e})") from None
    if not _looks_like_html(data):
        raise UserError(f"{page}: not an HTML page (empty, binary or without tags)")
    if encoding:
        from crawler.extract.encoding import normalize_encoding

        if normalize_encoding(encoding) is None:
            raise UserError(f"unknown encoding: {encoding}")
    from crawler.extract import extract

    result = extract(data, url, encoding=encoding)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
