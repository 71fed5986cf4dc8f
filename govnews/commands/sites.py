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
