"""Full-text search over the archive.

The query is folded exactly like the indexed text (:func:`archive.fold.fold`: NFC, no marks,
``đ``→``d``, lower case), so diacritics, NFC/NFD, old/new tone placement and case never matter.
FTS5 syntax is kept: ``"phrase"``, ``prefix*``, ``AND``/``OR``/``NOT``/``NEAR`` (upper case, as
FTS5 requires), ``title:word``; plain words are ANDed.  Punctuation that FTS5 would reject in a
plain word is treated as a separator: ``covid-19`` or ``10/2023`` become the phrases
``"covid 19"``/``"10 2023"``, a lone ``-`` or ``,`` is dropped.

Ranking: ``bm25(articles_fts, 10.0, 3.0, 1.0)`` (title, lead, body), best first.

Snippets: a window of about :data:`SNIPPET_WORDS` words of the ORIGINAL lead (else body) text
around the first match, every matching word wrapped in ``[`` ``]`` (adjacent matches share one
pair: ``[chỉ số PAPI]``), ``…`` marking cut ends.  Offsets come from the folded text, which has
the same length as the NFC original.  When only the title matches, the snippet is the start of
the lead (or body) without brackets.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from archive.fold import fold, nfc
from govnews.errors import UserError

__all__ = ["search", "fold_query", "query_terms", "make_snippet", "SNIPPET_WORDS"]

SNIPPET_WORDS = 30
_BEFORE_WORDS = 8
OPERATORS = ("AND", "OR", "NOT", "NEAR")

# A token as FTS5 unicode61 sees it (letters and digits), in folded text.
_TOKEN = re.compile(r"[^\W_]+")
# A run of characters that are neither white space nor FTS5 syntax.
_CHUNK = re.compile(r"[^\s\"()*:^{}+,]+")
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")
_FTS_ERRORS = ("fts5:", "unterminated string", "no such column", "unknown special query")


def _fold_bare(segment: str) -> str:
    """Fold an unquoted part of a query, keeping upper-case operators and FTS5 syntax."""
    folded = list(fold(segment))  # same length as the (already NFC) segment
    for m in _OPERATOR.finditer(segment):
        folded[m.start() : m.end()] = m.group()
    text = "".join(folded)

    def chunk(m: re.Match) -> str:
        word = m.group()
        if word in OPERATORS:
            return word
        tokens = _TOKEN.findall(word)
        if not tokens:
            return " "
        if len(tokens) == 1:
            return tokens[0]
        return '"' + " ".join(tokens) + '"'

    # FTS5 barewords are letters/digits/_/non-ASCII: replace anything else (e.g. '-', '.', '/').
    text = _CHUNK.sub(chunk, text)
    # A comma only means something inside NEAR(a b, N).
    return text if "NEAR(" in text else text.replace(",", " ")


def fold_query(query: str) -> str:
    """Fold a user query for MATCH against the folded index; see the module docstring."""
    query = nfc(query)
    out: list[str] = []
    pos = 0
    while pos < len(query):
        start = query.find('"', pos)
        if start < 0:
            out.append(_fold_bare(query[pos:]))
            break
        out.append(_fold_bare(query[pos:start]))
        end = query.find('"', start + 1)
        if end < 0:  # unterminated: keep it so FTS5 reports the error
            out.append('"' + fold(query[start + 1 :]))
            break
        out.append('"' + fold(query[start + 1 : end]) + '"')
        pos = end + 1
    return " ".join("".join(out).split())


def query_terms(folded_query: str) -> list[tuple[str, bool]]:
    """(term, is_prefix) pairs to highlight, from a folded query."""
    terms: list[tuple[str, bool]] = []
    for m in re.finditer(r"[^\W_]+(\*)?", folded_query):
        word = m.group().rstrip("*")
        rest = folded_query[m.end() :].lstrip()
        if word in OPERATORS or rest.startswith(":"):
            continue  # operator or column name
        term = (word, bool(m.group(1)))
        if term not in terms:
            terms.append(term)
    return terms


def _matches(token: str, terms: list[tuple[str, bool]]) -> bool:
    return any(token.startswith(t) if prefix else token == t for t, prefix in terms)


def make_snippet(
    text: str | None, terms: list[tuple[str, bool]], words: int = SNIPPET_WORDS
) -> str | None:
    """Window of ~``words`` words of ``text`` around the first match, matches in ``[ ]``.

    Returns None when ``text`` has no match (or is empty)."""
    if not text:
        return None
    original = nfc(text)
    folded = fold(original)
    spans = [m.span() for m in re.finditer(r"\S+", original)]
    hits = [m.span() for m in _TOKEN.finditer(folded) if _matches(m.group(), terms)]
    if not hits:
        return None
    first = hits[0][0]
    index = next(i for i, (s, e) in enumerate(spans) if s <= first < e)
    start = max(0, index - _BEFORE_WORDS)
    end = min(len(spans), start + words)
    start = max(0, end - words)
    return _render(original, spans[start:end], hits, start > 0, end < len(spans))


def _render(original: str, spans, hits, cut_start: bool, cut_end: bool) -> str:
    parts = []
    hit_i = 0
    for s, e in spans:
        piece = []
        cursor = s
        while hit_i < len(hits) and hits[hit_i][0] < e:
            hs, he = hits[hit_i]
            if hs >= s:
                piece.append(original[cursor:hs])
                piece.append("[" + original[hs:he] + "]")
                cursor = he
            hit_i += 1
        piece.append(original[cursor:e])
        parts.append("".join(piece))
    text = " ".join(parts).replace("] [", " ")
    return ("… " if cut_start else "") + text + (" …" if cut_end else "")


def _lead_snippet(text: str | None, words: int = SNIPPET_WORDS) -> str | None:
    if not text:
        return None
    parts = nfc(text).split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _parse_day(value: str | date | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            raise ValueError
        return date.fromisoformat(str(value))
    except ValueError:
        raise UserError(f"invalid --{name} date {value!r}: expected YYYY-MM-DD") from None


def search(
    db: sqlite_utils.Database,
    query: str,
    *,
    site: str | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Search the archive; best match first.

    ``since``/``until`` are inclusive ``YYYY-MM-DD`` days compared with ``published_at`` (local
    portal time); articles without a date are left out when either is given.  Raises
    :class:`UserError` for an invalid query, date, limit or unknown site.
    """
    if limit is None or int(limit) < 1:
        raise UserError("--limit must be at least 1")
    since_day = _parse_day(since, "since")
    until_day = _parse_day(until, "until")
    if since_day and until_day and since_day > until_day:
        raise UserError(f"--since {since_day} is after --until {until_day}")
    match = fold_query(query or "")
    if not match.strip():
        raise UserError("empty search query")
    if site is not None and not _site_known(db, site):
        raise UserError(f"unknown site {site!r}")

    where = ["articles_fts MATCH :match"]
    params: dict[str, Any] = {"match": match, "limit": int(limit)}
    if site is not None:
        where.append("a.site = :site")
        params["site"] = site
    if since_day:
        where.append("a.published_at >= :since")
        params["since"] = since_day.isoformat()
    if until_day:
        where.append("a.published_at < :until")
        params["until"] = (until_day + timedelta(days=1)).isoformat()
    sql = (
        "SELECT a.id, a.url, a.title, a.site, a.published_at, a.view_count, a.article_id, "
        "a.lead, a.body_text, bm25(articles_fts, 10.0, 3.0, 1.0) AS rank "
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY rank, a.published_at DESC, a.id DESC LIMIT :limit"
    )
    try:
        rows = db.execute(sql, params).fetchall()
    except sqlite3.OperationalError as e:
        msg = str(e).splitlines()[0] if str(e) else "syntax error"
        if msg.startswith(_FTS_ERRORS):
            raise UserError(f"invalid search query: {query!r} ({msg})") from None
        raise
    terms = query_terms(match)
    results = []
    for _id, url, title, site_id, published_at, views, article_id, lead, body, rank in rows:
        snippet = (
            make_snippet(lead, terms)
            or make_snippet(body, terms)
            or _lead_snippet(lead)
            or _lead_snippet(body)
            or ""
        )
        results.append(
            {
                "url": url,
                "title": title,
                "site": site_id,
                "published_at": published_at,
                "view_count": views,
                "snippet": snippet,
                "article_id": article_id,
                "lead": lead,
                "rank": rank,
            }
        )
    return results


def _site_known(db: sqlite_utils.Database, site: str) -> bool:
    for sql in (
        "SELECT 1 FROM sites WHERE id = ?",
        "SELECT 1 FROM articles WHERE site = ? LIMIT 1",
    ):
        if db.execute(sql, (site,)).fetchone():
            return True
    return False
