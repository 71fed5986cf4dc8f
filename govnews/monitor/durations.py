"""Durations as people write them in a crontab-ish option: ``30m``, ``1h30m``, ``7d``, ``2w``."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """``"1h30m"`` → 90 minutes.  Raises ValueError for anything else (no bare numbers: a
    bare ``30`` is ambiguous between seconds and minutes)."""
    s = str(text).strip().lower().replace(" ", "")
    if not s or _PART.sub("", s):
        raise ValueError(f"invalid duration {text!r}; use e.g. 30m, 1h, 7d")
    return timedelta(seconds=sum(float(n) * UNITS[u] for n, u in _PART.findall(s)))
