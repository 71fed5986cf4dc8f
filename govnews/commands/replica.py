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
@click.option("--faults", "faults_spec", metavar="SPEC", default=None,
              help="Inject failures: 'all' or kind[:rate][#times][@glob],… "
                   "(see govnews/replica/faults.py), e.g. 503:0.2,slow:0.05,win1258@*id=39*.")
@click.option("--fault-seed", type=int, default=0, show_default=True,
              help="Seed of the deterministic choice of faulty requests.")
@click.option("--fault-slow", type=click.FloatRange(min=0), default=35.0, show_default=True,
              help="Seconds a 'slow' response waits (more than the crawler's download timeout).")
def serve(host: str, port: int, articles: int | None, faults_spec: str | None = None,
          fault_seed: int = 0, fault_slow: float = 35.0) -> None:
    """Serve the replica portals until Ctrl-C (or SIGTERM).

    Any Host header is answered with the Châu Thành (Sóc Trăng) vnPortal site; absolute links
    are rendered as https://<Host>/..., so a crawler that keeps the real Host sees real URLs.

    \b
    Example:
        govnews replica serve                      # http://127.0.0.1:8088, 73 articles
        govnews replica serve --port 0 --articles 5000
        govnews replica serve --faults all --fault-seed 7     # flaky, badly encoded portal
    """
    from govnews.replica.server import serve_forever

    faults = None
    if faults_spec:
        from govnews.replica.faults import FaultInjector

        faults = FaultInjector(faults_spec, seed=fault_seed, slow_seconds=fault_slow)

    def ready(server) -> None:
        click.echo(f"Replica portals on {server.url} (Ctrl-C to stop)")

    try:
        serve_forever(host, port, articles, on_ready=ready, faults=faults)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise UserError(f"cannot listen on {host}:{port}: address already in use") from None
        raise UserError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    click.echo("Replica stopped.")


# -- the living replica: clients of POST /__admin__/<action> (see govnews/replica/admin.py) ----

REPLICA_OPTION = click.option(
    "--replica", "replica_url", metavar="URL", envvar="GOVNEWS_REPLICA", required=True,
    help="The running replica, e.g. http://127.0.0.1:8088 (or $GOVNEWS_REPLICA).",
)
SITE_OPTION = click.option("--site", default="chauthanh", show_default=True,
                           help="Replica site id (registry id).")


def admin_call(replica_url: str, action: str, data: dict) -> dict:
    """POST one admin action as JSON; a UserError for anything but a JSON 'ok' answer."""
    import json
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(replica_url)
    if parts.scheme != "http" or not parts.hostname:
        raise UserError(f"invalid replica URL {replica_url!r}; expected e.g. http://127.0.0.1:8088")
    url = f"{replica_url.rstrip('/')}/__admin__/{action}"
    body = json.dumps({k: v for k, v in data.items() if v is not None}).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            answer = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        try:
            message = json.loads(e.read().decode("utf-8")).get("error") or str(e)
        except ValueError:
            message = f"HTTP {e.code} (is {replica_url} a govnews replica?)"
        raise UserError(f"replica {action}: {message}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise UserError(f"replica not reachable at {replica_url}: {reason}") from None
    return answer


@cli.command()
@REPLICA_OPTION
@SITE_OPTION
@click.option("--title", required=True, help="Title of the new post.")
@click.option("--body", default=None, help="Body text; blank lines separate paragraphs.")
@click.option("--lead", default=None, help="Lead (sapo); default: the first paragraph.")
@click.option("--catid", type=int, default=None, help="Category id (default: the first).")
@click.option("--id", "article_id", type=int, default=None, help="Article id (default: next free).")
def publish(replica_url, site, title, body, lead, catid, article_id):
    """Publish a new post on a running replica, dated now.

    \b
    Example:
        govnews replica publish --replica http://127.0.0.1:8088 --site chauthanh \\
            --title "Thông báo lịch tiếp công dân" --body "Nội dung thông báo."
    """
    answer = admin_call(replica_url, "publish", {
        "site": site, "title": title, "body": body, "lead": lead, "catid": catid, "id": article_id,
    })
    click.echo(f"published article {answer['article_id']} on {site} ({answer['published']})")


@cli.command()
@REPLICA_OPTION
@SITE_OPTION
@click.option("--id", "article_id", type=int, required=True, help="Article id.")
@click.option("--title", default=None, help="New title.")
@click.option("--body", default=None, help="New body text.")
@click.option("--lead", default=None, help="New lead.")
@click.option("--views", type=int, default=None, help="New view count.")
def edit(replica_url, site, article_id, title, body, lead, views):
    """Edit a post of a running replica in place.

    \b
    Example:
        govnews replica edit --replica http://127.0.0.1:8088 --id 397719 --views 250
    """
    if title is None and body is None and lead is None and views is None:
        raise UserError("nothing to edit: give --title, --body, --lead or --views")
    answer = admin_call(replica_url, "edit", {
        "site": site, "id": article_id, "title": title, "body": body, "lead": lead,
        "view_count": views,
    })
    click.echo(f"edited article {article_id} on {site}: {', '.join(answer['changed'])}")


@cli.command()
@REPLICA_OPTION
@SITE_OPTION
@click.option("--id", "article_id", type=int, required=True, help="Article id.")
def remove(replica_url, site, article_id):
    """Remove a post from a running replica (its page then answers 404).

    \b
    Example:
        govnews replica remove --replica http://127.0.0.1:8088 --id 397719
    """
    admin_call(replica_url, "remove", {"site": site, "id": article_id})
    click.echo(f"removed article {article_id} from {site}")


@cli.command()
@REPLICA_OPTION
@SITE_OPTION
@click.option("--mode", type=click.Choice(["503", "refuse"]), default="503", show_default=True,
              help="503: every page 'Service Unavailable'; refuse: connections closed unanswered.")
def down(replica_url, site, mode):
    """Take a replica site down.

    \b
    Example:
        govnews replica down --replica http://127.0.0.1:8088 --mode refuse
    """
    admin_call(replica_url, "down", {"site": site, "mode": mode})
    click.echo(f"{site} is down ({mode})")


@cli.command()
@REPLICA_OPTION
@SITE_OPTION
def up(replica_url, site):
    """Bring a replica site back (ends down and redirect).

    \b
    Example:
        govnews replica up --replica http://127.0.0.1:8088
    """
    admin_call(replica_url, "up", {"site": site})
    click.echo(f"{site} is up")


@cli.command()
@REPLICA_OPTION
@SITE_OPTION
@click.option("--to", "to", required=True, metavar="URL",
              help="New base URL; every page answers 301 to URL + the same path.")
def redirect(replica_url, site, to):
    """Make every page of a replica site redirect permanently to another host.

    \b
    Example:
        govnews replica redirect --replica http://127.0.0.1:8088 --to https://cantho.gov.vn
    """
    answer = admin_call(replica_url, "redirect", {"site": site, "to": to})
    click.echo(f"{site} redirects permanently to {answer['to']}")


@cli.command()
@REPLICA_OPTION
@SITE_OPTION
@click.option("--phone", default=None, help='Phone text as on the portal, e.g. "(0299) 3 834 999".')
@click.option("--fax", default=None, help="Fax text as on the portal.")
@click.option("--email", default=None, help="E-mail address.")
@click.option("--address", default=None, help="Postal address.")
@click.option("--agency", default=None, help="Agency line.")
def contact(replica_url, site, phone, fax, email, address, agency):
    """Change the footer contact details of a replica site.

    \b
    Example:
        govnews replica contact --replica http://127.0.0.1:8088 --phone "(0299) 3 834 999"
    """
    if not any((phone, fax, email, address, agency)):
        raise UserError("nothing to change: give --phone, --fax, --email, --address or --agency")
    answer = admin_call(replica_url, "contact", {
        "site": site, "phone": phone, "fax": fax, "email": email, "address": address,
        "agency": agency,
    })
    click.echo(f"{site} contact changed: {answer['phones_line']}")
