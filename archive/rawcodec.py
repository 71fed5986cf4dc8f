"""Compression of the raw pages kept in ``raw_bodies`` (its ``compression`` column names the codec).

New pages are written with Zstandard level 3: on the replica's 58 KB pages it compresses about
five times faster than zlib level 6 and decompresses about twice as fast, at a similar size
(``bench/size.py`` compares codecs and levels).  That is CPU the crawl's writer process and
``govnews reextract`` spend on every page.  Archives written before keep their ``zlib`` rows:
both codecs are read, forever, so any page can be re-extracted.

Reading a raw page outside govnews (Python)::

    import sqlite3, zlib, zstandard
    codec, data = sqlite3.connect("govnews.db").execute(
        "SELECT compression, data FROM raw_bodies LIMIT 1").fetchone()
    html = zstandard.ZstdDecompressor().decompress(data) if codec == "zstd" else zlib.decompress(data)
"""

from __future__ import annotations

import threading
import zlib

import zstandard

__all__ = ["CODEC", "CODECS", "compress", "decompress"]

CODEC = "zstd"  # what new rows are written with
ZSTD_LEVEL = 3
ZLIB_LEVEL = 6
CODECS = ("zstd", "zlib")

_local = threading.local()  # zstandard (de)compressor objects are not thread-safe


def _zstd() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    pair = getattr(_local, "zstd", None)
    if pair is None:
        pair = _local.zstd = (
            zstandard.ZstdCompressor(level=ZSTD_LEVEL),
            zstandard.ZstdDecompressor(),
        )
    return pair


def compress(body: bytes, codec: str = CODEC) -> bytes:
    """``body`` compressed with ``codec`` (``zstd`` or ``zlib``)."""
    if codec == "zstd":
        return _zstd()[0].compress(body)
    if codec == "zlib":
        return zlib.compress(body, ZLIB_LEVEL)
    raise ValueError(f"unknown raw page codec {codec!r}")


def decompress(data: bytes, codec: str) -> bytes:
    """The raw page stored as ``data`` with ``codec`` (the row's ``compression`` value)."""
    if codec == "zstd":
        return _zstd()[1].decompress(data)
    if codec == "zlib":
        return zlib.decompress(data)
    raise ValueError(f"unknown raw page codec {codec!r}")
