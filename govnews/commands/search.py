"""``govnews search``: full-text search of the archive (read-only)."""

from __future__ import annotations

import json
import shutil
import sys

import click

from govnews.errors import UserError

FIELDS = (
    "url",
    "title",
    "site",
    "published_at",
    "view_count",
    "snippet",
    "article_id",
    "category",
)


def _cut(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    if width <= 1:
        return text[:width]
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(results: list[dict], query: str) -> None:
    if not results:
        click.echo(f"No results for {query!r}.", err=True)
        return
    width = max(60, shutil.get_terminal_size((100, 24)).columns)
    num_w = len(str(len(results)))
    site_w = min(14, max(4, *(len(r["site"] or "") for r in results)))
    views_w = max(
        5, *(len(str(r["view_count"] if r["view_count"] is not None else "")) for r in results)
    )
    fixed = num_w + 2 + 10 + 2 + site_w + 2 + views_w + 2
    title_w = max(20, width - fixed)
    header = f"{'#':>{num_w}}  {'date':<10}  {'site':<{site_w}}  {'views':>{views_w}}  title"
    click.echo(header)
    indent = " " * (num_w + 2)
    for i, r in enumerate(results, 1):
        day = (r["published_at"] or "")[:10]
        views = "" if r["view_count"] is None else str(r["view_count"])
        click.echo(
            f"{i:>{num_w}}  {day:<10}  {_cut(r['site'], site_w):<{site_w}}  "
            f"{views:>{views_w}}  {_cut(r['title'], title_w)}"
        )
        click.echo(indent + _cut(r["url"], width - len(indent)))
        if r.get("snippet"):
            click.echo(indent + _cut(r["snippet"], width - len(indent)))


@click.command(name="search")
@click.argument("query")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=True, path_type=str),
    default=None,
    help="Archive file (default: $GOVNEWS_DB, else ./govnews.db).",
)
@click.option("--site", default=None, help="Only this site id (see `govnews sites`).")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Published on or after.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Published on or before.")
@click.option("--category", default=None, help="Only this category (diacritics optional).")
@click.option(
    "--min-views", type=click.IntRange(min=0), default=None, help="Only articles read this often."
)
@click.option(
    "--sort",
    type=click.Choice(["rank", "date", "views"]),
    default="rank",
    show_default=True,
    help="Best match, newest first, or most viewed first.",
)
@click.option(
    "--exact",
    is_flag=True,
    help="Match diacritics as typed (the ≠ thế ≠ thể); case still ignored.",
)
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Max results."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def cli(
    query: str,
    db_path: str | None,
    site: str | None,
    since: str | None,
    until: str | None,
    category: str | None,
    min_views: int | None,
    sort: str,
    exact: bool,
    limit: int,
    fmt: str,
) -> None:
    """Search archived articles, with or without Vietnamese diacritics.

    Without --exact, diacritics, case, đ/d and old/new tone placement never
    matter ("chi so papi" finds "chỉ số PAPI"); see docs/search.md for what
    that merges.  Words are ANDed; FTS5 syntax works too: "exact phrase",
    prefix* (3 letters or more), OR, NOT (upper case), title:word.  Results
    are ranked with title matches first; snippets mark matches with [brackets].

    \b
    Example:
        govnews search "chi so papi"
        govnews search '"chỉ số PAPI" OR papi*' --sort date --limit 5
        govnews search "thủy lợi" --site chauthanh --since 2024-01-01 --format json
        govnews search "thể thao" --exact --min-views 100 --sort views
        govnews search "chuyển đổi số" --category "Tin tuc - Su kien" --format csv > kq.csv
    """
    from archive.db import open_db, resolve_db_path
    from archive.search import CANDIDATES, search

    path = resolve_db_path(db_path)
    db = open_db(path, readonly=True)
    try:
        results = search(
            db,
            query,
            site=site,
            since=since,
            until=until,
            limit=limit,
            category=category,
            min_views=min_views,
            sort=sort,
            exact=exact,
        )
    finally:
        db.close()
    try:
        if fmt == "json":
            rows = [{k: r[k] for k in FIELDS} for r in results]
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        elif fmt == "csv":
            from exports.csvout import write_csv

            sys.stdout.flush()
            out = sys.stdout.buffer
            write_csv(out, FIELDS, results)
            out.flush()
        else:
            _table(results, query)
            if getattr(results, "capped", False):
                click.echo(
                    f"(more than {CANDIDATES:,} matches: ordered by {sort} among the "
                    f"{CANDIDATES:,} most recently archived; add words or filters to narrow)",
                    err=True,
                )
    except BrokenPipeError:
        # `govnews search … | head`: stop quietly.
        sys.stderr.close()
        raise SystemExit(0) from None


__all__ = ["cli", "UserError"]
