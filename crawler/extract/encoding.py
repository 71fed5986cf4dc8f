"""Decode a fetched body to NFC text.

Order: explicit encoding, HTTP ``Content-Type`` charset, BOM, ``<meta charset>`` /
``<meta http-equiv="Content-Type">``, strict UTF-8, then a guess (charset-normalizer, checked
against windows-1258 by counting Vietnamese letters).  Python's ``cp1258`` codec yields
combining tone marks, so the result is always NFC-normalised.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping

_META = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I
)
_HEADER_CS = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)

# WHATWG: labels that browsers map to another encoding
_ALIASES = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "iso8859-1": "cp1252", "windows-1258": "cp1258", "x-cp1258": "cp1258",
    "utf8": "utf-8", "unicode": "utf-8", "tcvn": "cp1258", "x-user-defined": "cp1252",
}

# precomposed letters that exist (almost) only in Vietnamese
_VN = set(
    "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơưăĐƠƯĂẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
)


def normalize_encoding(name: str | None) -> str | None:
    """A Python codec name for a declared charset label, or None when unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def _header(headers: Mapping | None, name: str) -> str | None:
    if not headers:
        return None
    try:
        items = headers.items()
    except AttributeError:
        return None
    for k, v in items:
        if isinstance(k, bytes):
            k = k.decode("latin-1", "replace")
        if str(k).lower() == name:
            if isinstance(v, list | tuple):
                v = v[0] if v else ""
            if isinstance(v, bytes):
                v = v.decode("latin-1", "replace")
            return str(v)
    return None


def _vn_score(text: str) -> float:
    t = unicodedata.normalize("NFC", text)
    bad = t.count("\ufffd") + sum(1 for c in t if 0x80 <= ord(c) < 0xA0)
    vn = sum(1 for c in t if c in _VN)
    return vn - 5 * bad


def _try(body: bytes, enc: str | None, strict: bool = True) -> str | None:
    if not enc:
        return None
    try:
        return body.decode(enc, "strict" if strict else "replace")
    except (UnicodeDecodeError, LookupError):
        return None


def detect(body: bytes, headers: Mapping | None = None, encoding: str | None = None) -> str:
    """The Python codec name to decode ``body`` with (see module docstring for the order)."""
    return _detect(body, headers, encoding)[0]


def _detect(body: bytes, headers: Mapping | None, encoding: str | None) -> tuple[str, str | None]:
    """``(codec, text)``: ``text`` is the body already decoded (strictly) while checking the
    codec, or None; :func:`decode` then does not decode a page twice."""
    enc = normalize_encoding(encoding)
    if enc:
        return enc, None
    ct = _header(headers, "content-type")
    if ct:
        m = _HEADER_CS.search(ct)
        enc = normalize_encoding(m.group(1)) if m else None
        if enc and (text := _try(body, enc)) is not None:
            return enc, text
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    m = _META.search(body[:8192])
    if m:
        enc = normalize_encoding(m.group(1).decode("ascii", "replace"))
        if enc in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            enc = "utf-8"  # an ASCII-compatible page cannot really be UTF-16
        if enc and (text := _try(body, enc)) is not None:
            return enc, text
    if (text := _try(body, "utf-8")) is not None:
        return "utf-8", text
    # UTF-8 with a few invalid bytes (a pasted cp1252 fragment, a cut sequence): still UTF-8
    # when valid multi-byte letters far outnumber the broken ones (cp1258 text read as UTF-8
    # is nearly all broken).  Otherwise the whole page would become mojibake.
    loose = body[:65536].decode("utf-8", "replace")
    broken = loose.count("\ufffd")
    if sum(1 for c in loose if ord(c) > 127) - broken >= 10 * max(broken, 1):
        return "utf-8", None
    # no (usable) declaration: guess, and give windows-1258 its chance (charset-normalizer
    # often calls short Vietnamese windows-1258 pages cp1252 or cp1250)
    sample = body[:65536]
    vn = sample.decode("cp1258", "replace")
    letters = sum(1 for c in vn if c.isalpha() and not c.isascii())
    if letters and _vn_score(vn) >= 0.5 * letters:
        return "cp1258", None  # mostly Vietnamese letters once tones are composed
    candidates = ["cp1258"]
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:65536]).best()
        if best is not None:
            guess = normalize_encoding(best.encoding)
            if guess and guess not in candidates:
                candidates.append(guess)
    except Exception:  # noqa: BLE001 - guessing must never fail the extraction
        pass
    scored = []
    for enc in candidates:
        text = _try(sample, enc, strict=False)
        if text is not None:
            scored.append((_vn_score(text), -len(scored), enc))
    return (max(scored)[2] if scored else "utf-8"), None


def decode(body: bytes | str | None, headers: Mapping | None = None,
           encoding: str | None = None) -> tuple[str, str]:
    """``(text, codec)``; text is NFC.  A ``str`` body is only normalised."""
    text, enc, _utf8 = decode_page(body, headers, encoding)
    return text, enc


def decode_page(body: bytes | str | None, headers: Mapping | None = None,
                encoding: str | None = None) -> tuple[str, str, bytes | None]:
    """:func:`decode` plus ``utf8``: ``body`` itself when it is exactly ``text`` encoded as
    UTF-8 (valid UTF-8 already in NFC, the usual page), else None.  The HTML parser reads
    UTF-8: a caller that has it need not encode the text again."""
    if body is None:
        return "", "utf-8", None
    if isinstance(body, str):
        return unicodedata.normalize("NFC", body), "utf-8", None
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    enc, text = _detect(body, headers, encoding)
    strict = text is not None
    try:
        if text is None:
            text = body.decode(enc, "replace")
    except LookupError:
        enc = "utf-8"
        text = body.decode(enc, "replace")
    nfc = unicodedata.normalize("NFC", text)
    same = strict and enc == "utf-8" and (nfc is text or nfc == text)
    return nfc, enc, body if same else None
