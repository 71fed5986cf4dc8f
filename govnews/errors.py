"""One error type for everything a user can get wrong.

Commands raise :class:`UserError`; ``govnews.cli.main`` prints it as one line on stderr and
exits non-zero.  Anything else that escapes is also reduced to one line (with ``GOVNEWS_DEBUG=1``
the traceback is shown), because a traceback is not an error message.
"""

from __future__ import annotations

import click


class UserError(click.ClickException):
    """Bad input or an unusable environment: shown as ``Error: <message>``, exit code 2."""

    exit_code = 2
