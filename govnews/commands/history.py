"""``govnews history``: every version of one archived article, with a readable diff."""

from __future__ import annotations

import click

from govnews.errors import UserError


def _print_text(h: dict) -> None:
    click.echo(f"{h['title']}")
    click.echo(f"  {h['site']}:{h['article_id']}  {h['url']}")
    click.echo(f"  first seen {h['first_seen_at']}, last fetched {h['last_fetched_at']}")
    if h["removed_at"]:
        click.echo(f"  REMOVED: first seen missing {h['removed_at']} ({h['removed_reason']})")
    if h["view_counts"]:
        series = ", ".join(f"{v['observed_at'][:10]}: {v['view_count']}" for v in h["view_counts"])
        click.echo(f"  views: {series}")
    for v in h["versions"]:
        click.echo("")
        click.echo(
            f"version {v['version']}  seen {v['first_seen_at']} .. {v['last_seen_at']}  "
            f"(crawls {v['first_crawl_id']}..{v['last_crawl_id']})  hash {v['content_hash'][:12]}"
        )
        if v["version"] == 1:
            click.echo(f"  title: {v['title']}")
            click.echo(f"  published: {v['published_at']}")
        elif v["diff"]:
            for line in v["diff"].splitlines():
                click.echo(f"  {line}")
    for e in h["events"]:
        click.echo("")
        click.echo(f"{e['event']} {e['observed_at']} (crawl {e['crawl_id']}): {e['reason']}")
    if h["extraction_changes"]:
        click.echo("")
        click.echo("re-extraction corrections (not new versions):")
        for c in h["extraction_changes"]:
            where = f"v{c['version']}" if c["version"] else "views"
            click.echo(
                f"  run {c['run_id']} {c['reextracted_at']} {where} {c['field']}: "
                f"{_short(c['old_value'])} -> {_short(c['new_value'])}"
            )


def _short(value: str | None, width: int = 60) -> str:
    if value is None:
        return "∅"
    text = " ".join(str(value).split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


@click.command(name="history")
@click.argument("article")
@click.option(
    "--db", "db_path", default=None, help="Archive file (default: $GOVNEWS_DB, else ./govnews.db)."
)
@click.option("--site", default=None, help="Site id, when the article id exists on several sites.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def cli(article: str, db_path: str | None, site: str | None, fmt: str) -> None:
    """Show every version of an archived article (ARTICLE = its URL, its portal id, or
    site:id), with a text diff between versions, removal/restoration events and
    re-extraction corrections.

    \b
    Example:
        govnews history 397719
        govnews history chauthanh:397719 --format json
        govnews history "https://chauthanh.soctrang.gov.vn/Default.aspx?sname=huyenchauthanh&sid=1308&pageid=369&catid=1001&id=397719"
    """
    from archive.db import open_db, resolve_db_path
    from archive.history import article_history, dumps, find_article

    db = open_db(resolve_db_path(db_path), readonly=True)
    try:
        try:
            row = find_article(db.conn, article, site)
        except LookupError as e:
            raise UserError(
                f"article {article!r} exists on several sites ({e}); add --site"
            ) from None
        if row is None:
            raise UserError(
                f"no archived article {article!r}" + (f" on site {site!r}" if site else "")
            )
        history = article_history(db.conn, row)
    finally:
        db.close()
    if fmt == "json":
        click.echo(dumps(history))
    else:
        _print_text(history)
