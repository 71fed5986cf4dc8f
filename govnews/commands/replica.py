"""``govnews replica``: run the loopback replica of the government portals."""

from __future__ import annotations

import errno

import click

from govnews.errors import UserError


@click.group(name="replica")
def cli() -> None:
    """Loopback replica of the government news portals, for tests and offline demos.

    \b
    Example:
        govnews replica serve --port 8088
        govnews crawl chauthanh --replica http://127.0.0.1:8088
    """


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8088, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--articles", type=click.IntRange(min=1), default=None,
              help="Articles in total on the Châu Thành site, seed included (default 73).")
def serve(host: str, port: int, articles: int | None) -> None:
    """Serve the replica portals until Ctrl-C (or SIGTERM).

    Any Host header is answered with the Châu Thành (Sóc Trăng) vnPortal site; absolute links
    are rendered as https://<Host>/..., so a crawler that keeps the real Host sees real URLs.

    \b
    Example:
        govnews replica serve                      # http://127.0.0.1:8088, 73 articles
        govnews replica serve --port 0 --articles 5000
    """
    from govnews.replica.server import serve_forever

    def ready(server) -> None:
        click.echo(f"Replica portals on {server.url} (Ctrl-C to stop)")

    try:
        serve_forever(host, port, articles, on_ready=ready)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise UserError(f"cannot listen on {host}:{port}: address already in use") from None
        raise UserError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    click.echo("Replica stopped.")
