"""Datasette UI for the archive (``govnews serve``): metadata and a small plugin.

``metadata.py`` builds Datasette metadata (titles, column descriptions, licence and source
notes, the folded full-text search, facets on site/category/month and the canned queries) for
an archive file; ``plugin.py`` registers ``govnews_fold()`` on every connection, makes the
archive connection query-only, and folds the ``_search`` parameter so that what a user types in
the search box (with or without diacritics, ``Đ``/``D``) matches the folded ``articles_fts``.
"""

from archive.datasette.metadata import build_metadata

__all__ = ["build_metadata"]
