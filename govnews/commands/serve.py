"""``govnews serve``: browse and query the archive in Datasette, read-only, on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import tempfile
from pathlib import Path

import click

from govnews.errors import UserError

HOST = "127.0.0.1"


def _check_port(port: int) -> None:
    """Fail with one line, before Datasette starts, if the port is taken."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError as e:
            raise UserError(f"cannot listen on {HOST}:{port}: {e.strerror or e}") from None


@click.command(name="serve")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=True, path_type=str),
    default=None,
    help="Archive file (default: $GOVNEWS_DB, else ./govnews.db).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8001,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--metadata-out",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Also write the Datasette metadata JSON here (to reuse with plain `datasette`).",
)
def cli(db_path: str | None, port: int, metadata_out: str | None) -> None:
    """Open the archive in Datasette: browse, facet, search and run canned queries.

    Binds to 127.0.0.1 only and opens the archive read-only (query_only
    connections; a crawl may keep writing meanwhile).  The search box ignores
    diacritics like `govnews search`; canned queries: most-viewed articles per
    site, posts per site per month, contact changes, new posts in the last 7
    days, view-count growth.  Stop with Ctrl-C.

    \b
    Example:
        govnews serve                       # http://127.0.0.1:8001/
        govnews serve --db archive.db --port 8080
    """
    from archive.datasette import build_metadata
    from archive.db import open_db, resolve_db_path

    path = resolve_db_path(db_path)
    # Validates the file (one-line errors) and applies pending migrations, so the FTS tables and
    # views the metadata names exist; never creates a missing archive.
    open_db(path, readonly=True).close()
    _check_port(port)
    metadata = build_metadata(path.stem)
    if metadata_out:
        Path(metadata_out).write_text(json.dumps(metadata, ensure_ascii=False, indent=2))
    run_datasette(path, port, metadata)


def run_datasette(path: Path, port: int, metadata: dict) -> None:
    """Run Datasette in this process with the govnews plugin registered (blocks)."""
    from datasette.cli import cli as datasette_cli
    from datasette.plugins import pm

    from archive.datasette import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="govnews")
    with tempfile.TemporaryDirectory(prefix="govnews-serve-") as tmp:
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata, ensure_ascii=False))
        args = [
            "serve",
            str(path),
            "--host",
            HOST,
            "--port",
            str(port),
            "--metadata",
            str(meta),
            "--setting",
            "sql_time_limit_ms",
            "5000",
            "--setting",
            "facet_time_limit_ms",
            "1000",
        ]
        try:
            datasette_cli.main(args, prog_name="govnews serve", standalone_mode=False)
        except click.exceptions.Abort:
            pass


__all__ = ["cli"]
