"""Full-text search over the archive: query language, ranking, filters, snippets, fast plans.

Query language (see ``docs/search.md``).  By default the query is folded exactly like the
indexed text (:func:`archive.fold.fold`: NFC, no marks, ``đ``→``d``, lower case), so diacritics,
NFC/NFD, old/new tone placement and case never matter.  With ``exact=True`` the query runs
against ``articles_fts_exact`` (original text, diacritics kept, case ignored); old/new tone
placement is still accepted there (``thuỷ`` also finds ``thủy``) because both spellings are
expanded.  FTS5 syntax is kept: ``"phrase"``, ``prefix*`` (at least :data:`MIN_PREFIX` letters),
``AND``/``OR``/``NOT``/``NEAR`` (upper case), ``title:word``; plain words are ANDed.
Punctuation that FTS5 would reject in a plain word is a separator: ``covid-19`` becomes the
phrase ``"covid 19"``.

Ranking: ``bm25(…, 10.0, 3.0, 1.0)`` (title, lead, body), best first.

Speed at a million articles (``bench/search.py``).  ``ORDER BY rank`` makes FTS5 score every
match, so a word found in 30% of a 1M archive costs seconds.  Instead every query first takes the
newest-archived matches in rowid order, ``ORDER BY rowid DESC LIMIT`` :data:`CANDIDATES` ``+ 1``,
an early-exit scan, with the filters checked against the compact covering index
``articles_search_meta``.  When that finds at most :data:`CANDIDATES` matches the set is complete
and every sort is exact; otherwise ``rank`` and ``views`` order the :data:`CANDIDATES` most
recently archived matches (``Results.capped`` is True, the CLI says so), while ``date`` walks the
publication-date index newest first and checks each article against the index, so it stays exact.

Filters inside FTS5.  ``--site``/``--since``/``--until`` add ``AND meta : (tokens)`` to the MATCH
(:func:`archive.search_index.scope_tokens`: the site, whole years and months covering the dates),
so FTS5 intersects the word's doclist with the filter's own short doclist instead of walking a
frequent word's matches newest first until enough pass the filters — which is what a site whose
articles are spread over the whole rowid range (or a date range, always spread) used to cost.
The tokens only narrow to whole months; the exact conditions are checked on
``articles_search_meta`` as before (and the unfiltered probe is skipped: the filtered candidates
come as cheaply).  User words are kept off the ``meta`` column (``{title lead body} : (…)``) when
a query has a word starting with ``z``, the tokens' prefix.

Snippets: a window of about :data:`SNIPPET_WORDS` words of the ORIGINAL lead (else body) text
around the first match, every matching word wrapped in ``[`` ``]`` (adjacent matches share one
pair: ``[chỉ số PAPI]``), ``…`` marking cut ends.  The match is looked for in the folded copy
``articles_fts`` already stores (same length as the NFC original), not in a fresh fold.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from archive.fold import fold, nfc
from archive.search_index import scope_tokens
from govnews.errors import UserError

__all__ = [
    "search",
    "Results",
    "fold_query",
    "exact_query",
    "query_terms",
    "make_snippet",
    "tone_variants",
    "SNIPPET_WORDS",
    "CANDIDATES",
    "MIN_PREFIX",
    "SORTS",
]

SNIPPET_WORDS = 30
_BEFORE_WORDS = 8
OPERATORS = ("AND", "OR", "NOT", "NEAR")
SORTS = ("rank", "date", "views")
#: Size of the bounded candidate set (see the module docstring).
CANDIDATES = 1000
#: Shortest prefix accepted in ``word*``: 1–2 letter prefixes match most of an archive.
MIN_PREFIX = 3
#: In a date-sorted walk, articles checked one by one before switching to a full scan.
_WALK_CHECKS = 400
_WALK_CHUNK = 64
_RANK = {
    # meta (filter tokens) weighs nothing: the same order with or without filters
    "articles_fts": "bm25(articles_fts, 10.0, 3.0, 1.0, 0.0)",
    "articles_fts_exact": "bm25(articles_fts_exact, 10.0, 3.0, 1.0)",
}
#: Date filters spanning more than 1/this of the archive's dates (of the site's, with --site)
#: use no date tokens.
_DATE_SCOPE_SHARE = 4
#: Columns of the folded index a user query may match (not ``meta``).
_TEXT_COLUMNS = "{title lead body}"
# A query word that could match a meta token (they all start with "z").
_Z_WORD = re.compile(r"(?<![^\W_])z", re.IGNORECASE)

# A token as FTS5 unicode61 sees it (letters and digits).
_TOKEN = re.compile(r"[^\W_]+")
# A run of characters that are neither white space nor FTS5 syntax.
_CHUNK = re.compile(r"[^\s\"()*:^{}+,]+")
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")
_PREFIX = re.compile(r"([^\W_]*)\*")
_FTS_ERRORS = ("fts5:", "unterminated string", "no such column", "unknown special query")
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Rhymes whose tone mark sits on either vowel depending on the spelling reform: hoà/hòa,
# khoẻ/khỏe, thuỷ/thủy (only when nothing follows the two vowels).
_TONE_PAIRS = ("oa", "oe", "uy")


class Results(list):
    """The result rows, plus how they were found.

    ``capped``: more than :data:`CANDIDATES` articles matched and the order (rank or views) is
    the order of the :data:`CANDIDATES` most recently archived matches.  ``plan``: which plan ran
    (``complete``, ``capped`` or ``date-walk``), for benchmarks and ``--explain``-style output.
    """

    capped: bool = False
    plan: str = "complete"


# --------------------------------------------------------------------------- query rewriting


def _bare(segment: str, fold_text: Callable[[str], str], expand: bool) -> str:
    """Rewrite an unquoted part of a query, keeping upper-case operators and FTS5 syntax."""
    folded = list(fold_text(segment))  # same length as the (already NFC) segment
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
            return _alternatives([tokens[0]], expand, quoted=False)
        return _alternatives(tokens, expand, quoted=True)

    # FTS5 barewords are letters/digits/_/non-ASCII: replace anything else (e.g. '-', '.', '/').
    text = _CHUNK.sub(chunk, text)
    # A comma only means something inside NEAR(a b, N).
    return text if "NEAR(" in text else text.replace(",", " ")


def _alternatives(tokens: list[str], expand: bool, *, quoted: bool) -> str:
    """A word or phrase, as ``(a OR b)`` over its tone-placement spellings when ``expand``."""
    if not expand:
        return '"' + " ".join(tokens) + '"' if quoted else tokens[0]
    options = list(itertools.islice(itertools.product(*(tone_variants(t) for t in tokens)), 8))
    forms = [" ".join(o) for o in options]
    if not quoted and len(forms) == 1:
        return forms[0]
    quoted_forms = ['"' + f + '"' for f in forms]
    return quoted_forms[0] if len(forms) == 1 else "(" + " OR ".join(quoted_forms) + ")"


def tone_variants(word: str) -> list[str]:
    """``word`` and its other tone placement (``thuỷ`` → ``[thuỷ, thủy]``), NFC.

    Vietnamese writes the tone of the open rhymes oa/oe/uy either on the first vowel (``hòa``,
    the newer habit) or on the second (``hoà``, the older one); both are correct and common.
    """
    decomposed = unicodedata.normalize("NFD", word)
    tone = next((c for c in decomposed if c in _TONES), None)
    if tone is None:
        return [word]
    base = decomposed.replace(tone, "")
    low = base.lower()
    for pair in _TONE_PAIRS:
        if low.endswith(pair) and len(low) >= 2:
            i = len(base) - 2
            first = base[: i + 1] + tone + base[i + 1 :]
            second = base + tone
            variants = [unicodedata.normalize("NFC", v) for v in (first, second)]
            same = unicodedata.normalize("NFC", word)
            return [same] + [v for v in variants if v != same]
    return [word]


def _rewrite(query: str, fold_text: Callable[[str], str], expand: bool) -> str:
    query = nfc(query)
    out: list[str] = []
    pos = 0
    while pos < len(query):
        start = query.find('"', pos)
        if start < 0:
            out.append(_bare(query[pos:], fold_text, expand))
            break
        out.append(_bare(query[pos:start], fold_text, expand))
        end = query.find('"', start + 1)
        if end < 0:  # unterminated: keep it so FTS5 reports the error
            out.append('"' + fold_text(query[start + 1 :]))
            break
        inner = fold_text(query[start + 1 : end])
        tokens = _TOKEN.findall(inner)
        star = inner.rstrip().endswith("*")
        if expand and tokens and not star:
            out.append(" " + _alternatives(tokens, True, quoted=True) + " ")
        else:
            out.append('"' + inner + '"')
        pos = end + 1
    return " ".join("".join(out).split())


def fold_query(query: str) -> str:
    """Fold a user query for MATCH against the folded index; see the module docstring."""
    return _rewrite(query, fold, expand=False)


def exact_query(query: str) -> str:
    """A user query for MATCH against ``articles_fts_exact``: diacritics as typed (NFC), both
    tone placements, ``body:`` meaning the ``body_text`` column."""
    # NEAR() takes plain phrases only, so a query using it is not expanded.
    match = _rewrite(query, lambda s: s, expand="NEAR(" not in query)
    if '("' in match:  # an expanded word: FTS5 has no implicit AND next to parentheses
        match = _explicit_and(match)
    return re.sub(r"\bbody\s*:", "body_text:", match)


_LEXEME = re.compile(r'\s*(NEAR\(|"[^"]*"\*?|\(|\)|\^|[^\s"()^]+)')


def _explicit_and(expr: str) -> str:
    """Write the implicit ANDs of an FTS5 expression out (``(a OR b) c`` → ``(a OR b) AND c``)."""
    out: list[str] = []
    prev_end = False  # previous lexeme ended an operand
    pos = 0
    while pos < len(expr):
        m = _LEXEME.match(expr, pos)
        if m is None:
            return expr  # not something we understand: let FTS5 judge it
        lex = m.group(1)
        pos = m.end()
        if lex == "NEAR(":
            depth, end = 1, pos
            while end < len(expr) and depth:
                depth += {"(": 1, ")": -1}.get(expr[end], 0)
                end += 1
            lex, pos = expr[m.start(1) : end], end
        starts = lex not in OPERATORS and lex != ")"
        if starts and prev_end:
            out.append("AND")
        out.append(lex)
        prev_end = lex not in OPERATORS and lex not in ("(", "^") and not lex.endswith(":")
    return " ".join(out).replace("( ", "(").replace(" )", ")")


def _check_prefixes(match: str) -> None:
    for m in _PREFIX.finditer(match):
        stem = m.group(1)
        if stem and len(stem) < MIN_PREFIX:
            raise UserError(
                f"prefix {stem}* is too short: use at least {MIN_PREFIX} letters before * "
                f"(a shorter prefix matches most of the archive)"
            )


def query_terms(folded_query: str) -> list[tuple[str, bool]]:
    """(term, is_prefix) pairs to highlight, from a rewritten query."""
    terms: list[tuple[str, bool]] = []
    for m in re.finditer(r"[^\W_]+(\*)?", folded_query):
        word = m.group().rstrip("*")
        rest = folded_query[m.end() :].lstrip()
        if word in OPERATORS or rest.startswith(":"):
            continue  # operator or column name
        term = (word.lower(), bool(m.group(1)))
        if term not in terms:
            terms.append(term)
    return terms


# --------------------------------------------------------------------------- snippets


def _term_regex(terms: list[tuple[str, bool]]) -> re.Pattern:
    """One regex finding any query term as a whole token (a prefix term: a token start)."""
    alts = sorted(
        (re.escape(t) + (r"[^\W_]*" if prefix else "") for t, prefix in terms),
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alts) + r")(?![^\W_])")


def _exact_fold(text: str) -> str:
    """Lower case without removing marks; falls back to folding if lower() changed lengths."""
    low = text.lower()
    return low if len(low) == len(text) else fold(text)


def make_snippet(
    text: str | None,
    terms: list[tuple[str, bool]],
    words: int = SNIPPET_WORDS,
    *,
    exact: bool = False,
    folded: str | None = None,
) -> str | None:
    """Window of ~``words`` words of ``text`` around the first match, matches in ``[ ]``.

    ``exact`` compares words with their diacritics (for ``--exact`` searches).  ``folded``: the
    folded text if known (the copy stored in ``articles_fts``), saving the fold of a whole body,
    the biggest cost of a result row — and a text without a match costs only one regex search.
    Returns None when ``text`` has no match (or is empty).  Only the region around the first
    match is split into words: a snippet costs the same for a 100-word lead and a 10,000-word
    body."""
    if not text or not terms:
        return None
    rx = _term_regex(terms)
    if folded is not None and not exact and rx.search(folded) is None:
        return None
    original = nfc(text)
    if folded is None or exact or len(folded) != len(original):
        folded = _exact_fold(original) if exact else fold(original)
    first = rx.search(folded)
    if first is None:
        return None
    reach = 60 * words  # generous: a Vietnamese word is 2-7 letters
    lo = max(0, first.start() - reach)
    hi = min(len(original), first.end() + reach)
    spans = [m.span() for m in _WORDS.finditer(original, lo, hi)]
    if lo > 0 and not original[lo - 1].isspace():
        spans = spans[1:]  # partial word at the region's edge
    if hi < len(original) and not original[hi].isspace():
        spans = spans[:-1]
    index = next(i for i, (s, e) in enumerate(spans) if s <= first.start() < e)
    start = max(0, index - _BEFORE_WORDS)
    end = min(len(spans), start + words)
    start = max(0, end - words)
    window = spans[start:end]
    hits = [m.span() for m in rx.finditer(folded, window[0][0], window[-1][1])]
    cut_start = bool(original[: window[0][0]].strip())
    cut_end = bool(original[window[-1][1] :].strip())
    return _render(original, window, hits, cut_start, cut_end)


_WORDS = re.compile(r"\S+")


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


# --------------------------------------------------------------------------- arguments


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


def _site_known(db: sqlite_utils.Database, site: str) -> bool:
    for sql in (
        "SELECT 1 FROM sites WHERE id = ?",
        "SELECT 1 FROM articles WHERE site = ? LIMIT 1",
    ):
        if db.execute(sql, (site,)).fetchone():
            return True
    return False


def _filters(
    db: sqlite_utils.Database,
    site: str | None,
    since: str | date | None,
    until: str | date | None,
    category: str | None,
    min_views: int | None,
) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on alias ``m`` (articles through the covering index) and parameters."""
    since_day = _parse_day(since, "since")
    until_day = _parse_day(until, "until")
    if since_day and until_day and since_day > until_day:
        raise UserError(f"--since {since_day} is after --until {until_day}")
    if min_views is not None and int(min_views) < 0:
        raise UserError("--min-views must be 0 or more")
    if site is not None and not _site_known(db, site):
        raise UserError(f"unknown site {site!r}")
    where: list[str] = []
    params: dict[str, Any] = {}
    if site is not None:
        where.append("m.site = :site")
        params["site"] = site
    if since_day:
        where.append("m.published_at >= :since")
        params["since"] = since_day.isoformat()
    if until_day:
        where.append("m.published_at < :until")
        params["until"] = (until_day + timedelta(days=1)).isoformat()
    if category is not None and category.strip():
        where.append("govnews_fold(m.category) = :category")
        params["category"] = " ".join(fold(category).split())
    if min_views is not None:
        where.append("m.view_count >= :min_views")
        params["min_views"] = int(min_views)
    return where, params


# --------------------------------------------------------------------------- plans


def _fts_error(query: str, e: sqlite3.OperationalError) -> UserError | None:
    msg = str(e).splitlines()[0] if str(e) else "syntax error"
    if msg.startswith(_FTS_ERRORS):
        return UserError(f"invalid search query: {query!r} ({msg})")
    return None


def _candidates(
    db: sqlite_utils.Database, fts: str, where: list[str], params: dict, with_rank: bool
) -> list[tuple]:
    """(rowid, rank|None, published_at, view_count) of the newest-archived matches, at most
    CANDIDATES + 1, filters applied.  Early exit: FTS5 walks the doclists from the end."""
    rank = _RANK[fts] if with_rank else "NULL"
    sql = (
        f"SELECT f.rowid, {rank}, m.published_at, m.view_count FROM {fts} f "
        "JOIN articles m INDEXED BY articles_search_meta ON m.id = f.rowid "
        f"WHERE {' AND '.join([f'{fts} MATCH :scoped', *_bounded(where, params)])} "
        "ORDER BY f.rowid DESC LIMIT :cap"
    )
    return db.execute(sql, dict(params, cap=CANDIDATES + 1)).fetchall()


def _bounded(where: list[str], params: dict) -> list[str]:
    """``where`` plus the rowid range of the filtered articles, when known: FTS5 then reads
    only that part of each doclist (a site crawled on its own has neighbouring rowids)."""
    if "id_lo" in params:
        return [*where, "f.rowid BETWEEN :id_lo AND :id_hi"]
    return where


def _id_bounds(db: sqlite_utils.Database, where: list[str], params: dict) -> int | None:
    """Put the rowid range of the articles passing the site/date filters into ``params``
    (when at most 20,000 do: a bounded index scan); returns how many there are, None if not
    counted."""
    if "site" not in params and "since" not in params and "until" not in params:
        return None
    index = "articles_site_published_at" if "site" in params else "articles_published_at"
    keep = [w for w in where if w.startswith(("m.site", "m.published_at"))]
    lo, hi, n = db.execute(
        f"SELECT min(id), max(id), count(*) FROM (SELECT m.id AS id FROM articles m "
        f"INDEXED BY {index} WHERE {' AND '.join(keep)} LIMIT 20001)",
        params,
    ).fetchone()
    if n > 20000:
        return None
    if n:
        params["id_lo"], params["id_hi"] = lo, hi
    return n


def _scope(db: sqlite_utils.Database, site: str | None, params: dict) -> str | None:
    """``meta : (…)`` narrowing the folded index to the site/date filters, or None.

    Open or archive-wide date bounds are clamped to the dates actually in the archive (for the
    site), so ``--since 2024-01-01`` costs a few year tokens, and a range covering every date
    adds none."""
    first = last = None
    if "since" in params or "until" in params:
        lo, hi = (
            _day_of(db.execute(
                f"SELECT {fn}(published_at) FROM articles"
                + (" WHERE site = :site" if site is not None else ""), params,
            ).fetchone()[0])
            for fn in ("min", "max")
        )  # fmt: skip
        if lo is not None and hi is not None:
            first = date.fromisoformat(params["since"]) if "since" in params else lo
            last = (
                date.fromisoformat(params["until"]) - timedelta(days=1) if "until" in params else hi
            )
            first, last = max(first, lo), min(last, hi)
            if first > last or (last - first) * _DATE_SCOPE_SHARE > hi - lo:
                # none in, or most of the dates in: year tokens would narrow little, and bm25
                # would count each token's long doclist
                first = last = None
    tokens = scope_tokens(site, first, last)
    return f"meta : ({' OR '.join(tokens)})" if tokens else None


def _day_of(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None  # not ISO: no date tokens, the SQL filters alone decide


def _count_filtered(db: sqlite_utils.Database, where: list[str], params: dict, cap: int) -> int:
    """How many articles pass the site/date filters, counted up to ``cap`` (an index range)."""
    index = "articles_site_published_at" if "site" in params else "articles_published_at"
    keep = [w for w in where if w.startswith(("m.site", "m.published_at"))]
    sql = f"SELECT count(*) FROM (SELECT 1 FROM articles m INDEXED BY {index} WHERE "
    return db.execute(sql + f"{' AND '.join(keep)} LIMIT {int(cap)})", params).fetchone()[0]


def _probe(db: sqlite_utils.Database, fts: str, match: str) -> list[tuple]:
    """Newest-archived matches without filters: (rowid, None, published_at, view_count)."""
    sql = (
        f"SELECT f.rowid, NULL, m.published_at, m.view_count FROM {fts} f "
        "JOIN articles m INDEXED BY articles_search_meta ON m.id = f.rowid "
        f"WHERE {fts} MATCH :match ORDER BY f.rowid DESC LIMIT :cap"
    )
    return db.execute(sql, {"match": match, "cap": CANDIDATES + 1}).fetchall()


def _column_weighted(
    db: sqlite_utils.Database, fts: str, match: str, rows: list[tuple], scope: str | None
) -> list[tuple]:
    """Rank for a capped candidate set without bm25's whole-index pass: the bm25 column weights
    (title 10, lead 3) applied to "does this column alone match the query", negated like bm25
    (lower is better); ties stay newest first."""
    lo = min(r[0] for r in rows)
    score = dict.fromkeys((r[0] for r in rows), 0.0)
    cols = ("title", "lead")
    for col, weight in zip(cols, (10.0, 3.0), strict=True):
        sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :m AND rowid >= :lo"
        expr = "{" + col + "} : (" + match + ")" + (f" AND {scope}" if scope else "")
        try:
            hits = db.execute(sql, {"m": expr, "lo": lo})
        except sqlite3.OperationalError:
            continue  # an expression FTS5 cannot scope to one column: recency only
        for (rowid,) in hits:
            if rowid in score:
                score[rowid] -= weight
    return [(r[0], score[r[0]], r[2], r[3]) for r in rows]


def _date_walk(
    db: sqlite_utils.Database, fts: str, where: list[str], params: dict, limit: int
) -> list[int] | None:
    """Newest-published matches, walking the date index and checking each article against the
    FTS index (a rowid seek).  Used when the query matches many articles, so a match is met
    early; gives up (None) after _WALK_CHECKS checks, the caller then scans all matches."""
    index = "articles_site_published_at" if "site" in params else "articles_published_at"
    walk = db.execute(
        f"SELECT m.id FROM articles m INDEXED BY {index} "
        f"WHERE {' AND '.join(['m.published_at IS NOT NULL', *where])} "
        "ORDER BY m.published_at DESC, m.id DESC",
        params,
    )
    check = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :match AND rowid = :id"
    found: list[int] = []
    checked = 0
    while len(found) < limit:
        chunk = walk.fetchmany(_WALK_CHUNK)
        if not chunk:
            return found  # every dated article checked: the walk is complete
        for (rowid,) in chunk:
            if checked >= _WALK_CHECKS:
                return None
            checked += 1
            if db.execute(check, {"match": params["match"], "id": rowid}).fetchone():
                found.append(rowid)
                if len(found) >= limit:
                    break
    return found


def _all_matches(
    db: sqlite_utils.Database, fts: str, where: list[str], params: dict
) -> list[tuple]:
    sql = (
        f"SELECT f.rowid, NULL, m.published_at, m.view_count FROM {fts} f "
        "JOIN articles m INDEXED BY articles_search_meta ON m.id = f.rowid "
        f"WHERE {' AND '.join([f'{fts} MATCH :scoped', *_bounded(where, params)])}"
    )
    return db.execute(sql, params).fetchall()


def _by_date(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda r: (r[2] is not None, r[2] or "", r[0]), reverse=True)


def _order(rows: list[tuple], sort: str) -> list[tuple]:
    if sort == "rank":
        # rank ascending (bm25 is negative, best first), then newest
        newest = _by_date(rows)
        return sorted(newest, key=lambda r: r[1])
    if sort == "views":
        newest = _by_date(rows)
        return sorted(newest, key=lambda r: (r[3] is None, -(r[3] or 0)))
    return _by_date(rows)


def search(
    db: sqlite_utils.Database,
    query: str,
    *,
    site: str | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
    limit: int = 20,
    category: str | None = None,
    min_views: int | None = None,
    sort: str = "rank",
    exact: bool = False,
) -> Results:
    """Search the archive; best match first (``sort="rank"``), newest first (``"date"``) or
    most viewed first (``"views"``).

    ``since``/``until`` are inclusive ``YYYY-MM-DD`` days compared with ``published_at`` (local
    portal time); articles without a date are left out when either is given.  ``category``
    matches the category name folded (``van hoa - xa hoi``).  ``exact`` searches with diacritics
    as typed.  Raises :class:`UserError` for an invalid query, date, limit, sort, prefix or
    unknown site.  Returns a :class:`Results` list of dicts.
    """
    if limit is None or int(limit) < 1:
        raise UserError("--limit must be at least 1")
    limit = int(limit)
    if sort not in SORTS:
        raise UserError(f"--sort must be one of {', '.join(SORTS)}, not {sort!r}")
    fts = "articles_fts_exact" if exact else "articles_fts"
    match = exact_query(query or "") if exact else fold_query(query or "")
    if not match.strip():
        raise UserError("empty search query")
    _check_prefixes(match)
    where, params = _filters(db, site, since, until, category, min_views)
    scope = None if exact else _scope(db, site, params)
    params["match"] = match
    if not exact and _Z_WORD.search(match):
        params["match"] = f"{_TEXT_COLUMNS} : ({match})"  # never a meta token
    params["scoped"] = f"({params['match']}) AND {scope}" if scope else params["match"]

    results = Results()
    if scope is None:
        passing = _id_bounds(db, where, params)
    else:  # at most CANDIDATES articles pass the filters: the set is complete, rank in one pass
        passing = _count_filtered(db, where, params, CANDIDATES + 1)
    if passing == 0:
        return results  # no article passes the site/date filters
    try:
        # Cheap probe first: without filters or bm25, FTS5 stops after CANDIDATES + 1 matches.
        # Not with meta tokens: the filtered candidates come about as cheaply.
        probe = None if scope else _probe(db, fts, params["match"])
        complete = (probe is not None and len(probe) <= CANDIDATES) or (
            scope is not None and passing <= CANDIDATES
        )
        if complete or where:
            # bm25 only on a set known to be complete: its document-frequency pass scans every
            # query term's whole doclist, which is what makes frequent words slow.
            rows = _candidates(db, fts, where, params, with_rank=sort == "rank" and complete)
            if not complete and len(rows) <= CANDIDATES and sort == "rank":
                rows = _candidates(db, fts, where, params, with_rank=True)
            complete = len(rows) <= CANDIDATES
        else:
            rows = probe
        if complete:
            ordered = _order(rows, sort)[:limit]
        elif sort == "date":
            ids = _date_walk(db, fts, where, params, limit)
            results.plan = "date-walk"
            if ids is None:
                ordered = _by_date(_all_matches(db, fts, where, params))[:limit]
                results.plan = "complete"
            else:
                ordered = [(i, None, None, None) for i in ids]
        else:
            rows = rows[:CANDIDATES]
            if sort == "rank":
                rows = _column_weighted(db, fts, params["match"], rows, scope)
            ordered = _order(rows, sort)[:limit]
            results.capped, results.plan = True, "capped"
    except sqlite3.OperationalError as e:
        err = _fts_error(query, e)
        if err is not None:
            raise err from None
        raise
    ranks = {r[0]: r[1] for r in ordered}
    ids = [r[0] for r in ordered]
    results.extend(_rows(db, ids, ranks, match, exact))
    return results


def _rows(
    db: sqlite_utils.Database, ids: list[int], ranks: dict, match: str, exact: bool
) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    found = {
        r[0]: r
        for r in db.execute(
            "SELECT id, url, title, site, published_at, view_count, article_id, lead, "
            f"body_text, category FROM articles WHERE id IN ({marks})",
            ids,
        )
    }
    # The folded lead/body FTS5 stores: no need to fold them again for the snippets.
    stored = {} if exact else {
        r[0]: r[1:]
        for r in db.execute(
            f"SELECT rowid, lead, body FROM articles_fts WHERE rowid IN ({marks})", ids
        )
    }  # fmt: skip
    terms = query_terms(match)
    out = []
    for rowid in ids:
        row = found.get(rowid)
        if row is None:
            continue
        _id, url, title, site_id, published_at, views, article_id, lead, body, category = row
        folded_lead, folded_body = stored.get(rowid, (None, None))
        snippet = (
            make_snippet(lead, terms, exact=exact, folded=folded_lead)
            or make_snippet(body, terms, exact=exact, folded=folded_body)
            or _lead_snippet(lead)
            or _lead_snippet(body)
            or ""
        )
        out.append(
            {
                "url": url,
                "title": title,
                "site": site_id,
                "published_at": published_at,
                "view_count": views,
                "snippet": snippet,
                "article_id": article_id,
                "lead": lead,
                "category": category,
                "rank": ranks.get(rowid),
            }
        )
    return out
