"""Vietnamese text folding for search.

No SQLite tokenizer folds ``đ`` to ``d`` and ``remove_diacritics 1`` leaves letters carrying
two marks (``ắ``, ``ể``) unfolded (see ``../shared/notes/measurements.md``).  So the archive keeps
a *folded shadow* of every searchable text and folds queries the same way: NFC, then per
character strip every combining mark, map ``đ``→``d``, lower-case.

Folding is done character by character on NFC text and every NFC character folds to exactly one
character, so ``fold(s)`` has the same length as ``nfc(s)``: an offset found in the folded text
is the same offset in the original.  Snippets rely on that.

Old and new tone placement (``thuỷ``/``thủy``, ``hoà``/``hòa``) fold to the same string because
every tone mark is removed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "nfc", "fold_char"]

_SPECIAL = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"}


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """Fold one NFC character to exactly one character."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if ch.isascii():
        return ch.lower()
    base = unicodedata.normalize("NFD", ch)[0]
    low = base.lower()
    return low if len(low) == 1 else base


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _FoldTable(dict):
    """``str.translate`` table filled lazily: code point -> its one-character fold."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        # A lone combining mark that NFC could not compose: keep length, drop the mark.
        value = " " if unicodedata.combining(ch) else fold_char(ch)
        self[code] = value
        return value


_TABLE = _FoldTable()


def fold(text: str | None) -> str:
    """Fold Vietnamese text for diacritic-, case- and đ-insensitive matching.

    The result has exactly ``len(nfc(text))`` characters (one per NFC character), so offsets
    in the folded text are offsets in ``nfc(text)``.

    >>> fold("Thủy lợi Đắk Lắk HOÀ")
    'thuy loi dak lak hoa'
    """
    if not text:
        return ""
    s = unicodedata.normalize("NFC", text)
    if s.isascii():
        return s.lower()
    # str.translate does the per-character lookups in C: ~20x faster than a Python loop, which
    # matters because the archive writer folds every article body.
    return s.translate(_TABLE)


_WORD = re.compile(r"\w+", re.UNICODE)


def fold_words(text: str | None) -> list[str]:
    """Folded word tokens, for keyword matching outside SQLite."""
    return _WORD.findall(fold(text))
