"""Page-cache hygiene between benchmark figures.

Why: the search figure reads a 17 GB archive and the export figure a 10 GB one, on a machine
with 24 GB of RAM.  Whatever a previous figure (or a previous run) left in the page cache
decides how much of the next figure's archive stays cached, and so how often a query waits
for the disk: the site+date search p95 at 1M went from 26 to 55 ms for that reason alone.
Each figure should start from the same state: no other figure's archive cached.  Dropping a
file's clean pages with ``posix_fadvise(DONTNEED)`` needs no privileges and touches nothing
else on the machine.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where the benchmarks keep their synthetic archives (search: bench/.cache, export: TMP).
CACHE_DIRS = (ROOT / "bench" / ".cache", Path(tempfile.gettempdir()) / "govnews-bench")


def evict(path: Path) -> None:
    """Drop ``path``'s pages from the page cache (best effort: a no-op where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except (AttributeError, OSError):
        pass
    finally:
        os.close(fd)


def evict_bench_archives() -> int:
    """Evict every cached benchmark archive (and its WAL); returns the bytes they hold."""
    total = 0
    for d in CACHE_DIRS:
        for path in d.glob("*.db*") if d.is_dir() else ():
            if path.is_file():
                total += path.stat().st_size
                evict(path)
    return total
