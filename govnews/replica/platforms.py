"""The replica sites of the non-vnPortal platforms, chosen by the request's ``Host`` header.

Each module (``liferay``, ``wordpress``, ``generic``) exposes ``HOST``, ``PLATFORM`` and
``handle(method, target) -> (status, content_type, body, kind, headers)``; its content is fixed,
so every run and every test sees the same pages.
"""

from __future__ import annotations

from types import ModuleType

from govnews.replica import generic, liferay, wordpress

PLATFORM_SITES: dict[str, ModuleType] = {m.HOST: m for m in (liferay, wordpress, generic)}


def platform_site(host: str | None) -> ModuleType | None:
    """The platform replica module for ``host`` (port and case ignored), or None (vnPortal)."""
    name = (host or "").strip().lower()
    if name.count(":") == 1:
        name = name.split(":", 1)[0]
    return PLATFORM_SITES.get(name)
