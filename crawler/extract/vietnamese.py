"""Vietnamese text parsing shared by every platform extractor.

Everything here works on plain strings (already decoded) and never raises on odd input:
functions return ``None`` / ``[]`` / ``{}`` when nothing is found.

* :func:`clean` — NFC, HTML-entity cleanup, NBSP/zero-width removal, whitespace collapse.
* :func:`parse_int` — ``1.234`` / ``48 536`` / ``4.798.812`` → int.
* :func:`parse_date` — Vietnamese and ISO date forms → ``YYYY-MM-DDTHH:MM:SS+07:00``.
* :func:`parse_phones` — phone/fax numbers (region VN) → E.164.
* :func:`parse_view_count`, :func:`parse_counter`, :func:`parse_contact` — label patterns.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

import phonenumbers

VN_TZ = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh: fixed +07:00 since 1975

# ---------------------------------------------------------------------------------------- text

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")


# Memoisation: a portal repeats its menu, sidebar and footer strings on every page, so the
# pure parsers below are cached per distinct input (short strings only for ``clean``; mutable
# results are copied on the way out).  A crawl or re-extraction runs them thousands of times.
_MEMO = 1 << 15
_SHORT = 300


def clean(s: str | None) -> str:
    """NFC-normalise, resolve stray HTML entities, drop invisibles, collapse whitespace."""
    if not s:
        return ""
    if len(s) <= _SHORT:
        return _clean_memo(s)
    return _clean(s)


@lru_cache(maxsize=_MEMO)
def _clean_memo(s: str) -> str:
    return _clean(s)


_SPACES = re.compile("  +")
_INVISIBLES = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# every character str.split()/str.isspace() (and re's \s) call whitespace, but the space; all
# are below U+3001 in every Unicode version so far
_OTHER_SPACES = tuple(c for c in map(chr, range(0x3001)) if c.isspace() and c != " ")


def _clean(s: str) -> str:
    if "&" in s and _ENTITY.search(s):
        s = html.unescape(s)
    if not s.isascii():
        if any(c in s for c in _INVISIBLES):  # a search per character is cheaper than re
            s = _INVISIBLE.sub("", s)
        s = unicodedata.normalize("NFC", s)
    # == re.sub(r"\s+", " ", s).strip() == " ".join(s.split())
    if len(s) <= _SHORT:
        return " ".join(s.split())
    # a long text (a paragraph, a page) without making a string of every word: twice as fast
    for c in _OTHER_SPACES:
        if c in s:
            s = s.replace(c, " ")
    if "  " in s:
        s = _SPACES.sub(" ", s)
    return s.strip(" ")


def clean_lines(s: str | None) -> str:
    """Like :func:`clean` but keeps line breaks (each line cleaned, empty lines dropped)."""
    if not s:
        return ""
    return "\n".join(x for x in (clean(line) for line in s.splitlines()) if x)


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s) if s and not s.isascii() else s


# ------------------------------------------------------------------------------------- numbers

NUMBER = r"\d{1,3}(?:[.,\u00a0 ]\d{3})+(?!\d)|\d+"
_NUMBER = re.compile(NUMBER)


def parse_int(s: str | int | None) -> int | None:
    """First integer in ``s``; dots, commas and (single) spaces are thousands separators."""
    if s is None:
        return None
    if isinstance(s, int):
        return s
    m = _NUMBER.search(s)
    if not m:
        return None
    try:
        return int(re.sub(r"\D", "", m.group(0)))
    except ValueError:
        return None


# --------------------------------------------------------------------------------------- dates

_TIME = r"(\d{1,2})\s*(?:[:hH]|giờ)\s*(\d{2})(?:\s*(?::|phút)\s*(\d{2}))?(?:\s*([AaPp]\.?[Mm]\.?))?"
_DMY = r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})"
_LONG = r"[Nn]gày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})"
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_TIME = re.compile(rf"(?:{_DMY}|{_LONG})(?:\s*(?:[,|\-–]|lúc|vào lúc)?\s*{_TIME})?")
_TIME_DATE = re.compile(rf"{_TIME}\s*(?:[,|\-–]|ngày)?\s*(?:{_DMY}|{_LONG})")


def _mk(y, mo, d, h=0, mi=0, s=0, ampm=None) -> str | None:
    try:
        y, mo, d = int(y), int(mo), int(d)
        h, mi, s = int(h or 0), int(mi or 0), int(s or 0)
        if ampm:
            pm = ampm.lower().startswith("p")
            if h == 12:
                h = 12 if pm else 0
            elif pm:
                h += 12
        if not 1900 <= y <= 2100:
            return None
        return datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ).isoformat()
    except (TypeError, ValueError):
        return None


def parse_iso(s: str | None) -> str | None:
    """ISO 8601 (meta tags) → local +07:00; a naive value is taken as local time."""
    if not s:
        return None
    m = _ISO.search(s)
    if not m:
        return None
    y, mo, d, h, mi, sec, off = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0))
    except ValueError:
        return None
    if off:
        if off == "Z":
            tz = UTC
        else:
            sign = -1 if off[0] == "-" else 1
            hh, mm = int(off[1:3]), int(off[-2:])
            tz = timezone(sign * timedelta(hours=hh, minutes=mm))
        dt = dt.replace(tzinfo=tz).astimezone(VN_TZ)
    else:
        dt = dt.replace(tzinfo=VN_TZ)
    if not 1900 <= dt.year <= 2100:
        return None
    return dt.isoformat()


def parse_date(s: str | None) -> str | None:
    """First date in ``s`` → ``YYYY-MM-DDTHH:MM:SS+07:00`` (date only → midnight).

    Handles ``Ngày 05/03/2024``, ``05/03/2024 08:30``, ``05-03-2024``, ``Ngày 05 tháng 3 năm
    2024``, ``05/03/2024 | 08:30 AM``, ``(Thứ hai, 19/04/2021 15:17)``, ``08:30 05/03/2024``
    and ISO 8601 with any offset.
    """
    if not s:
        return None
    if len(s) <= _SHORT:
        return _parse_date_memo(s)
    return _parse_date(s)


@lru_cache(maxsize=_MEMO)
def _parse_date_memo(s: str) -> str | None:
    return _parse_date(s)


def _parse_date(s: str) -> str | None:
    s = clean(s)
    best: tuple[int, str] | None = None
    m = _TIME_DATE.search(s)
    if m:
        h, mi, sec, ap, d1, mo1, y1, d2, mo2, y2 = m.groups()
        v = _mk(y1 or y2, mo1 or mo2, d1 or d2, h, mi, sec, ap)
        if v:
            best = (m.start(), v)
    m = _DATE_TIME.search(s)
    if m:
        d1, mo1, y1, d2, mo2, y2, h, mi, sec, ap = m.groups()
        v = _mk(y1 or y2, mo1 or mo2, d1 or d2, h, mi, sec, ap)
        if v and (best is None or m.start() < best[0]):
            best = (m.start(), v)
    m = _ISO.search(s)
    if m and (best is None or m.start() < best[0]):
        v = parse_iso(m.group(0))
        if v:
            best = (m.start(), v)
    return best[1] if best else None


# -------------------------------------------------------------------------------------- phones


def parse_phones(s: str | None) -> list[str]:
    """All phone numbers in ``s`` (Vietnamese national or international forms) in E.164."""
    if not s or not any(c.isdigit() for c in s):
        return []
    return list(_parse_phones_memo(s))


@lru_cache(maxsize=_MEMO)
def _parse_phones_memo(s: str) -> tuple[str, ...]:
    out: list[str] = []
    try:
        for m in phonenumbers.PhoneNumberMatcher(s, "VN", leniency=phonenumbers.Leniency.POSSIBLE):
            e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in out:
                out.append(e164)
    except Exception:  # noqa: BLE001 - never raise on odd input
        return tuple(out)
    return tuple(out)


EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def parse_emails(s: str | None) -> list[str]:
    out: list[str] = []
    for e in EMAIL.findall(s or ""):
        e = e.rstrip(".-")
        if e not in out:
            out.append(e)
    return out


# --------------------------------------------------------------------------------- view counts

VIEW_LABELS = r"Lượt xem|Số lượt xem|Lượt đọc|Số lần xem|Số lần đọc|Lượt truy cập|View count|Views?"
_VIEW = re.compile(rf"(?:^|(?<=[\s|(\[\-–]))(?:{VIEW_LABELS})\s*[:：]?\s*({NUMBER})", re.I | re.M)
VIEW_LINE = re.compile(rf"^\s*\(?(?:{VIEW_LABELS})\s*[:：]?\s*(?:{NUMBER})?\s*\)?\s*$", re.I)


def parse_view_count(s: str | None, *, allow_truy_cap: bool = True) -> int | None:
    """View count from an article area's text (``Lượt xem: 1.234`` → 1234)."""
    if not s:
        return None
    for m in _VIEW.finditer(s):
        label = m.group(0).lower()
        if not allow_truy_cap and "truy cập" in label:
            continue
        # "Số lượt truy cập" is the site counter, never an article's views
        before = s[max(0, m.start() - 4) : m.start()].lower()
        if "truy cập" in label and before.endswith("số "):
            continue
        return parse_int(m.group(1))
    return None


# ----------------------------------------------------------------------------- visitor counter

COUNTER_FIELDS = ("online", "today", "week", "month", "total")
_COUNTER_LABELS = [
    ("online", r"Đang online|Đang truy cập|Đang trực tuyến|Trực tuyến|Online"),
    ("today", r"Hôm nay|Trong ngày"),
    ("week", r"Trong tuần|Tuần này"),
    ("month", r"Trong tháng|Tháng này"),
    ("total", r"Tổng số lượt truy cập|Tổng lượt truy cập|Tổng truy cập|Tổng số truy cập|Tất cả|Tổng cộng|Tổng số|Tổng"),
]
_COUNTER = re.compile(
    "|".join(rf"(?P<{k}>(?<![\w])(?:{v}))" for k, v in _COUNTER_LABELS)
    + rf"(?=\s*[:：]?\s*(?:{NUMBER}))",
    re.I,
)
_LABEL_ALONE = re.compile(
    r"^\s*((?:" + "|".join(v for _k, v in _COUNTER_LABELS) + r"))\s*[:：]?\s*\n(?=\s*\d)",
    re.I | re.M,
)
_COUNTER_VALUE = re.compile(rf"\s*[:：]?\s*({NUMBER})")


def parse_counter(s: str | None, *, min_fields: int = 1) -> dict | None:
    """``{online, today, week, month, total}`` from counter text (a missing field → None).

    Each label must be followed by a number on the same line.  Returns None when fewer than
    ``min_fields`` fields were found.
    """
    if not s:
        return None
    found = _parse_counter_memo(s, min_fields)
    return dict(found) if found is not None else None


@lru_cache(maxsize=_MEMO)
def _parse_counter_memo(s: str, min_fields: int) -> dict | None:
    found: dict = dict.fromkeys(COUNTER_FIELDS)
    # a label alone on its line (table cell) takes the number on the next line
    s = _LABEL_ALONE.sub(lambda m: m.group(1) + ": ", s)
    for line in s.splitlines():
        for m in _COUNTER.finditer(line):
            key = m.lastgroup
            v = _COUNTER_VALUE.match(line, m.end())
            if key and v and found[key] is None:
                found[key] = parse_int(v.group(1))
    n = sum(v is not None for v in found.values())
    return found if n >= max(1, min_fields) else None


# ------------------------------------------------------------------------------------- contact

_CONTACT_LABELS = [
    ("agency", r"Cơ quan chủ quản|Cơ quan chịu trách nhiệm chính|Cơ quan chịu trách nhiệm|Cơ quan quản lý|Đơn vị chủ quản"),
    ("editor", r"Người chịu trách nhiệm chính|Người chịu trách nhiệm|Chịu trách nhiệm chính|Chịu trách nhiệm nội dung|Chịu trách nhiệm|Trưởng ban biên tập|Trưởng Ban biên tập"),
    ("licence", r"Giấy phép(?:\s+thiết lập[^:]{0,40})?(?:\s+số)?"),
    ("address", r"Địa chỉ|Trụ sở"),
    ("fax", r"Fax"),
    ("phone", r"Điện thoại|Số điện thoại|Đ\.?T(?:hoại)?|Tel|Phone|Hotline|Đường dây nóng"
              r"|Bộ phận (?:tiếp nhận|một cửa)[^:\n]{0,80}"),
    ("email", r"E-?mail|Thư điện tử"),
    ("other", r"Ghi rõ nguồn|Website|Bản quyền|Copyright|Thiết kế bởi|Phát triển bởi"),
]
_CONTACT = re.compile(
    "|".join(rf"(?P<{k}>(?<![\w])(?:{v})(?![\w]))" for k, v in _CONTACT_LABELS), re.I
)
_TRAIL = re.compile(r"[\s;.,:\-–|/]+$")
_LEAD = re.compile(r"^[\s:：\-–|]+")


def _val(s: str) -> str | None:
    v = _TRAIL.sub("", _LEAD.sub("", s)).strip()
    return v or None


def parse_contact(text: str | None) -> dict:
    """Footer contact block → ``{agency, address, phones, fax, emails, editor, licence}``.

    ``text`` may hold several lines; a value runs from its label to the next label or the
    end of the line.  Labels need a colon except ``Giấy phép số …`` and ``Fax``/``Email``.
    """
    if not text:
        return {"agency": None, "address": None, "phones": [], "fax": [], "emails": [],
                "editor": None, "licence": None}
    memo = _parse_contact_memo(text)
    return {k: list(v) if isinstance(v, list) else v for k, v in memo.items()}


@lru_cache(maxsize=_MEMO)
def _parse_contact_memo(text: str) -> dict:
    out: dict = {"agency": None, "address": None, "phones": [], "fax": [], "emails": [],
                 "editor": None, "licence": None}
    for line in text.splitlines():
        marks = []
        for m in _CONTACT.finditer(line):
            key = m.lastgroup
            rest = line[m.end() : m.end() + 3]
            has_colon = bool(re.match(r"\s*[:：]", rest))
            if key == "licence" and not has_colon and not re.search(r"số\s*$", m.group(0), re.I):
                continue
            if key in ("agency", "editor", "address", "phone") and not has_colon:
                continue
            marks.append((m.start(), m.end(), key))
        for i, (_s, e, key) in enumerate(marks):
            end = marks[i + 1][0] if i + 1 < len(marks) else len(line)
            raw = line[e:end]
            if key == "phone":
                out["phones"] += [p for p in parse_phones(raw) if p not in out["phones"]]
            elif key == "fax":
                out["fax"] += [p for p in parse_phones(raw) if p not in out["fax"]]
            elif key in ("agency", "address", "editor", "licence"):
                v = _val(raw)
                if v and out[key] is None:
                    out[key] = v
        out["emails"] += [e for e in parse_emails(line) if e not in out["emails"]]
    return out


# ----------------------------------------------------------------------------- unlabelled lines

_STREET_NO = re.compile(r"^(?:Số\s+)?\d+[A-Za-z]?(?:/\d+)?\s+\w", re.I)
_ADMIN_WORD = re.compile(
    r"(?<!\w)(?:Phường|Quận|Huyện|Xã|Ấp|Thị trấn|Thị xã|Thành phố|Tỉnh|TP\.|Đường|Khóm|Thôn)(?!\w)",
    re.I,
)


def looks_like_address(line: str | None) -> bool:
    """True for an unlabelled footer line that reads as a postal address.

    Some footers (Liferay 7 ministries) print the address without ``Địa chỉ:``; a line is an
    address when it starts with a street number (``Số 138A Giảng Võ - Ba Đình - Hà Nội``) or
    names two administrative units, and carries no label or e-mail.
    """
    s = clean(line)
    if not s or len(s) > 200 or "@" in s or ":" in s:
        return False
    if _STREET_NO.match(s) and re.search(r"[,\-–]", s):
        return True
    return len(_ADMIN_WORD.findall(s)) >= 2


# ------------------------------------------------------------------------------------ headings

def fold_upper(s: str) -> str:
    return clean(s).upper()
