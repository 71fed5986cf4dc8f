"""``govnews reextract``: re-run today's extractor over the archive's stored raw pages, offline."""

from __future__ import annotations

import json
from datetime import date, datetime

import click

from govnews.errors import UserError


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise UserError(f"--since: {value!r} is not a date (YYYY-MM-DD)") from None


@click.command(name="reextract")
@click.option(
    "--db", "db_path", default=None, help="Archive file (default: $GOVNEWS_DB, else ./govnews.db)."
)
@click.option("--site", default=None, help="Only this site id.")
@click.option(
    "--since", default=None, metavar="YYYY-MM-DD", help="Only pages fetched on or after (UTC)."
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Extraction processes (default: CPU count).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def cli(
    db_path: str | None, site: str | None, since: str | None, workers: int | None, fmt: str
) -> None:
    """Re-extract stored pages with today's extractors, without any network access.

    Corrects the extracted fields of every article version in place (a
    re-extraction is not a new published version; each corrected value is logged
    in the extraction_changes table) and reports how many article records
    changed, per field.

    \b
    Example:
        govnews reextract
        govnews reextract --site chauthanh --since 2025-07-01 --format json
    """
    from archive.db import open_db, resolve_db_path
    from archive.reextract import reextract

    path = resolve_db_path(db_path)
    since_iso = _since(since)
    db = open_db(path, readonly=True)  # a missing/invalid archive fails here, as one line
    try:
        if (
            site
            and not db.conn.execute(
                "SELECT 1 FROM articles WHERE site = ? LIMIT 1", (site,)
            ).fetchone()
        ):
            raise UserError(f"no archived articles for site {site!r}")
    finally:
        db.close()
    result = reextract(path, site=site, since=since_iso, workers=workers)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"re-extracted {result['bodies']} stored pages ({result['records']} records) "
        f"in {result['seconds']:.2f}s, {result['bodies_per_second']} pages/s"
    )
    click.echo(f"changed records: {result['changed_records']}")
    for field, n in result["changed_fields"].items():
        click.echo(f"  {field:<14} {n}")
