"""One crawl per archive at a time: an advisory ``flock`` on ``<archive>.lock``.

Why: two crawls writing one archive would both be correct row by row (unique keys, upserts),
but their ``crawls`` rows, counters and failure bookkeeping would interleave confusingly, and
the second crawl would only double the load on a fragile portal.  So the second one refuses
with a one-line message.  The kernel releases a ``flock`` when its process dies, even by
SIGKILL, so a killed crawl never leaves a stale lock behind (the file itself stays; it is
harmless and reused).  Readers (search, export, serve) never take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CrawlLocked", "HeldLock", "acquire", "crawl_lock", "lock_path"]


class CrawlLocked(Exception):
    """Another process holds the archive's crawl lock."""


def lock_path(db_path: str | os.PathLike) -> Path:
    p = Path(db_path).expanduser()
    return p.with_name(p.name + ".lock")


@contextlib.contextmanager
def crawl_lock(db_path: str | os.PathLike) -> Iterator[Path]:
    """Hold the crawl lock of ``db_path`` for the ``with`` block; raise :class:`CrawlLocked`
    at once (no waiting) if another crawl holds it."""
    path = lock_path(db_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise CrawlLocked(
                f"another crawl (pid {holder}) is writing to {Path(db_path)}; "
                "wait for it to finish or use another --db"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class HeldLock:
    """A crawl lock held outside a ``with`` block (see :func:`acquire`)."""

    def __init__(self, db_path: str | os.PathLike) -> None:
        self._cm = crawl_lock(db_path)
        self.path = self._cm.__enter__()

    def release(self) -> None:
        if self._cm is not None:
            cm, self._cm = self._cm, None
            cm.__exit__(None, None, None)


def acquire(db_path: str | os.PathLike) -> HeldLock:
    """Take the crawl lock now; ``.release()`` it, or the OS does when the process exits."""
    return HeldLock(db_path)
