"""VNPT vnPortal, new generation (commune/ward pages on provincial portals such as Cà Mau).

Selectors only (``vnportal_ng_selectors.json``); the footer's ``Label: value`` lines
(``Cơ quan chịu trách nhiệm chính``, ``Điện thoại``, ``Địa chỉ``) are read by the shared label
patterns in ``vietnamese.parse_contact``.
"""

from __future__ import annotations

from crawler.extract.generic import extract_with, load_selectors


def extract_vnportal_ng(text: str, url: str) -> dict:
    return extract_with(text, url, load_selectors("vnportal_ng"))
