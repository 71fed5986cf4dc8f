"""``govnews sites``: the site registry."""

from __future__ import annotations

import json

import click


@click.group(name="sites")
def cli():
    """The site registry: which portal runs which platform.

    \b
    Example:
        govnews sites list --format json
    """


@cli.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_sites(fmt):
    """List the registered portals.

    \b
    Example:
        govnews sites list
        govnews sites list --format json | jq '.[].base_url'
    """
    from crawler.registry import load_sites

    sites = [s.as_dict() for s in load_sites()]
    if fmt == "json":
        click.echo(json.dumps(sites, ensure_ascii=False, indent=2))
        return
    cols = ["id", "platform", "status", "base_url", "sname", "province_after"]
    widths = {c: max(len(c), *(len(str(s[c])) for s in sites)) for c in cols}
    click.echo("  ".join(c.ljust(widths[c]) for c in cols))
    click.echo("  ".join("-" * widths[c] for c in cols))
    for s in sites:
        click.echo("  ".join(str(s[c]).ljust(widths[c]) for c in cols))


def _registry_path(registry: str | None):
    import os
    from pathlib import Path

    return Path(registry or os.environ.get("GOVNEWS_SITES") or "sites.local.csv")


def _new_id(url: str) -> str:
    import re
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return re.sub(r"[^a-z0-9]+", "_", host.removesuffix(".gov.vn")).strip("_") or "site"


@cli.command(name="add")
@click.argument("url")
@click.option("--id", "site_id", metavar="ID", help="Registry id (default: from the host name).")
@click.option("--replica", metavar="URL", help="Fetch through this loopback replica (tests, demo).")
@click.option("--registry", metavar="PATH",
              help="Registry file to write (default: $GOVNEWS_SITES or ./sites.local.csv).")
@click.option("--dry-run", is_flag=True, help="Show the row, do not write it.")
def add_site(url, site_id, replica, registry, dry_run):
    """Detect the platform of the portal at URL and add it to a registry file.

    The home page is fetched; the platform comes from the generator meta, URL patterns and
    markup, the agency from the footer.  A new registry file starts as a copy of the bundled
    registry, so pointing GOVNEWS_SITES at it keeps every known site.

    \b
    Example:
        govnews sites add https://xaphutam.soctrang.gov.vn --replica http://127.0.0.1:8088
        GOVNEWS_SITES=sites.local.csv govnews crawl xaphutam --replica http://127.0.0.1:8088
    """
    import csv
    import io
    from urllib.parse import urlsplit

    from crawler.detect import FetchError, detect_site
    from crawler.extract import parse_vnportal_url
    from crawler.registry import COLUMNS, load_sites
    from govnews.errors import UserError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"not an http(s) URL: {url!r}")
    try:
        found = detect_site(url, replica=replica)
    except FetchError as e:
        raise UserError(str(e)) from None
    path = _registry_path(registry)
    try:
        existing = list(load_sites.__wrapped__(str(path))) if path.exists() else list(load_sites.__wrapped__(None))
    except (OSError, UnicodeDecodeError, TypeError) as e:
        raise UserError(f"cannot read registry {path}: {e}") from None
    final = urlsplit(found.final_url)
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        id=site_id or _new_id(found.final_url), name=found.name or final.hostname,
        base_url=f"{final.scheme}://{final.netloc}", platform=found.platform,
        agency=found.agency or "", status="active",
        status_note=f"added by govnews sites add; platform from {found.evidence}",
    )
    if found.platform == "vnportal":
        from crawler.detect import fetch

        body = fetch(found.final_url, replica=replica).body.decode("utf-8", "replace")
        import re

        for href in re.findall(r"href=['\"]([^'\"]+)['\"]", body):
            ids = parse_vnportal_url(href.replace("&amp;", "&"))
            if ids and ids.get("sname"):
                row["sname"], row["sid"] = ids["sname"], str(ids.get("sid") or "")
                break
    if any(s.id == row["id"] for s in existing):
        raise UserError(f"site id {row['id']!r} is already in {path}; choose another with --id")
    if any(s.host == final.hostname for s in existing):
        other = next(s.id for s in existing if s.host == final.hostname)
        raise UserError(f"{final.hostname} is already registered as {other!r} in {path}")
    for k, v in row.items():
        click.echo(f"{k:>16}: {v}")
    if dry_run:
        return
    new_file = not path.exists()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    if new_file:
        writer.writeheader()
        for s in existing:
            writer.writerow(s.as_dict())
    writer.writerow(row)
    with path.open("a", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    click.echo(f"added {row['id']!r} to {path}" + (" (new file: a copy of the bundled registry)" if new_file else ""))
    click.echo(f"crawl it with: GOVNEWS_SITES={path} govnews crawl {row['id']}")


@cli.command(name="check")
@click.argument("sites", nargs=-1, metavar="[SITE]...")
@click.option("--replica", metavar="URL", help="Fetch through this loopback replica (tests, demo).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per site.")
def check_sites(sites, replica, fmt, timeout):
    """Report reachability, redirects and detected platform of registered sites.

    Default: every site whose status is not offline.  Exit status 1 when a site is unreachable
    or its detected platform differs from the registry.

    \b
    Example:
        govnews sites check sotttthanoi xaphutam tinhdoan --replica http://127.0.0.1:8088
    """
    from crawler.detect import FetchError, detect_site
    from crawler.registry import get_site, load_sites
    from govnews.errors import UserError

    try:
        chosen = [get_site(s) for s in sites] if sites else [s for s in load_sites() if s.status != "offline"]
    except KeyError as e:
        raise UserError(str(e)) from None
    results, bad = [], 0
    for s in chosen:
        r = {"id": s.id, "url": s.base_url, "registry_platform": s.platform, "reachable": False,
             "status": None, "final_url": None, "redirects": [], "platform": None, "evidence": None,
             "ok": False, "error": None}
        try:
            d = detect_site(s.base_url.rstrip("/") + "/", replica=replica, timeout=timeout)
            r.update(reachable=True, status=d.status, final_url=d.final_url, redirects=d.redirects,
                     platform=d.platform, evidence=d.evidence, ok=d.platform == s.platform)
        except FetchError as e:
            r["error"] = str(e)
        bad += not r["ok"]
        results.append(r)
    if fmt == "json":
        import json

        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for r in results:
            if r["error"]:
                click.echo(f"{r['id']:<18} UNREACHABLE  {r['error']}")
                continue
            moved = f"  redirected → {r['final_url']}" if r["redirects"] else ""
            verdict = "ok" if r["ok"] else f"MISMATCH (registry: {r['registry_platform']})"
            click.echo(f"{r['id']:<18} HTTP {r['status']}  {r['platform']:<12} {verdict}{moved}")
    if bad:
        raise SystemExit(1)
