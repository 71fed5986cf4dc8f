"""Datasette plugin for govnews archives, registered by ``govnews serve``.

* ``prepare_connection``: the ``govnews_fold(text)`` SQL function (same folding as the index, for
  canned queries and ad-hoc SQL) and ``PRAGMA query_only`` on the archive's connections, so even
  a write-capable plugin cannot change an archive that is being browsed.
* ``asgi_wrapper``: folds the value of ``_search`` (and ``_search_COLUMN``) in every request
  before Datasette sees it.  Datasette sends the box's text to FTS5 as typed; FTS5's own
  ``remove_diacritics`` leaves ``đ`` and letters with two marks (``ắ``, ``ể``) alone while the
  index holds fully folded text, so "Đắk Lắk" would miss.  Folding here makes the box behave like
  ``govnews search``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from archive.fold import fold

INTERNAL = "_internal"


def _fold_value(value: object) -> str | None:
    return None if value is None else fold(str(value))


@hookimpl
def prepare_connection(conn, database):
    conn.create_function("govnews_fold", 1, _fold_value, deterministic=True)
    if database != INTERNAL:
        conn.execute("PRAGMA query_only = ON")


def fold_search_params(query_string: bytes) -> bytes:
    """``_search=Chỉ+số`` → ``_search=chi+so``; other parameters unchanged."""
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if not any(k == "_search" or k.startswith("_search_") for k, _ in pairs):
        return query_string
    folded = [
        (k, fold(v) if (k == "_search" or k.startswith("_search_")) else v) for k, v in pairs
    ]
    return urlencode(folded).encode("ascii")


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def folded_search(scope, receive, send):
            if scope.get("type") == "http" and b"_search" in scope.get("query_string", b""):
                scope = dict(scope, query_string=fold_search_params(scope["query_string"]))
            await app(scope, receive, send)

        return folded_search

    return wrap
