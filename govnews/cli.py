"""The ``govnews`` command line: one click group, one module per command under ``commands/``.

Commands mirror the Python API (``archive``, ``crawler``, ``exports``) one to one, in the
spirit of sqlite-utils.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

from govnews.errors import UserError

# command name -> module under govnews.commands exposing a click command/group named `cli`
COMMANDS = {
    "sites": "sites",
    "crawl": "crawl",
    "extract": "extract",
    "search": "search",
    "replica": "replica",
    "demo": "demo",
    "export": "export",
    "history": "history",
    "reextract": "reextract",
    "serve": "serve",
    "stats": "stats",
    "watch": "watch",
}


def _exists(module: str) -> bool:
    return importlib.util.find_spec(f"govnews.commands.{module}") is not None


class LazyGroup(click.Group):
    """Imports a command's module only when it runs, so `govnews --help` stays fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n, m in COMMANDS.items() if _exists(m))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        mod = COMMANDS.get(name)
        if mod is None or not _exists(mod):
            return None
        return importlib.import_module(f"govnews.commands.{mod}").cli


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govnews")
def cli() -> None:
    """govnews: crawl, archive and search Vietnamese local-government news portals.

    \b
    Example:
        govnews demo                      # offline demo crawl into ./govnews.db
        govnews search "chi so papi"      # search it, with or without diacritics
    """


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - last resort: one line, never a traceback
        if os.environ.get("GOVNEWS_DEBUG"):
            raise
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        click.echo(f"Error: {type(e).__name__}: {msg}", err=True)
        sys.exit(1)


__all__ = ["cli", "main", "UserError"]
