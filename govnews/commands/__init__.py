"""One module per ``govnews`` command (each exposes ``cli``), plus option helpers they share."""

from __future__ import annotations

from collections.abc import Iterable

from govnews.errors import UserError


def parse_settings(overrides: Iterable[str]) -> dict[str, str]:
    """``--set NAME=VALUE`` options (Scrapy settings overrides) as a dict; one-line error else."""
    settings: dict[str, str] = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--set expects NAME=VALUE, got {item!r}")
        settings[name.strip()] = value
    return settings
