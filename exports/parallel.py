"""CSV export on every core: worker processes fetch and render chunks of rows, in order.

Why: a CSV export of full article rows is CPU-bound in two halves of similar cost, SQLite
reading the rows (a 3 KB body, overflow pages, in site/date order) and rendering them to
Excel-safe CSV bytes; one process uses one core.  Here the parent walks only the ordered row
*keys* (a covering-index scan with every filter applied: microseconds per row) and hands
chunks of keys to worker processes; each worker reads its chunk by key from its own read-only
connection, renders it with the very same renderer as the serial path, and returns the bytes.
The parent writes the chunks in key order, keeping at most a few chunks in flight, so memory
stays flat and the file is byte-identical to the serial export.

Consistency: the workers read in their own transactions, a little after the parent's key scan.
Archived rows are never deleted (a removed article is marked, not dropped), so every key is
found; a row updated by a crawl running at the same time is written as its newer version.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from .tables import Column, Table
from .writers import BOM, _chunk_function

__all__ = ["PARALLEL_MIN_ROWS", "database_file", "write_csv_parallel", "worker_count"]

#: Below this many rows starting processes costs more than it saves.
PARALLEL_MIN_ROWS = 20_000
#: Keys per task: large enough to amortise a task round trip, small enough (~1 MB of CSV for
#: article rows) that the chunks in flight stay a few MB.
TASK_ROWS = 256
#: Tasks in flight per worker (one being rendered, one waiting).
WINDOW = 2

_state: dict[str, Any] = {}


def worker_count() -> int:
    """Workers for this machine: one per core (the parent mostly waits), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def database_file(conn: sqlite3.Connection) -> str | None:
    """The file behind ``conn``'s main database (None for an in-memory or temporary one)."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def _init(
    path: str, sql: str, columns: Sequence[Column], raw: bool, fd: int, turn: Any, cond: Any
) -> None:
    # The parent alone reacts to Ctrl-C / SIGTERM and then terminates the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.text_factory = bytes
    _state.update(
        conn=conn, sql=sql, render=_chunk_function(columns, raw), fd=fd, turn=turn, cond=cond
    )


def _render(index: int, keys: str) -> int:
    """Fetch the rows of a JSON array of keys (chunk number ``index``), render them as CSV
    bytes, wait for the turn of this chunk and append them to the output; returns the rows.

    The workers write the output themselves, in chunk order: passing megabytes of CSV back
    through the pool's pipe would cost the parent as much CPU as rendering them."""
    pieces: list[bytes] = []
    n = _state["render"](_state["conn"].execute(_state["sql"], (keys,)), pieces.append)
    data = memoryview(b"".join(pieces))
    turn, cond, fd = _state["turn"], _state["cond"], _state["fd"]
    with cond:
        while turn.value != index:
            cond.wait()
        while data:
            data = data[os.write(fd, data) :]
        turn.value = index + 1
        cond.notify_all()
    return n


def chunk_sql(table: Table, exprs: Sequence[str]) -> str:
    """SELECT of ``exprs`` for the rows whose keys are in the JSON array ``?``, in its order.

    CROSS JOIN makes ``json_each`` the outer loop, so rows come out in array order without an
    ORDER BY (whose sorter would copy every 3 KB row once more)."""
    return (
        f"SELECT {', '.join(exprs)} FROM json_each(?) AS j CROSS JOIN {table.source} "
        f"WHERE {table.key_sql} = j.value"
    )


def write_csv_parallel(
    fp: BinaryIO,
    path: str,
    table: Table,
    columns: Sequence[Column],
    keys: sqlite3.Cursor,
    *,
    raw: bool = False,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the header and the rows of ``keys`` (a cursor of 1-tuples, in export order) to
    ``fp`` (a real file or pipe: it needs a ``fileno()``) using ``workers`` processes; returns
    the number of data rows."""
    fp.write(BOM)
    fp.write((",".join(c.name for c in columns) + "\r\n").encode("utf-8"))
    fp.flush()  # the workers append to the same open file, after this
    sql = chunk_sql(table, [c.sql for c in columns])
    ctx = multiprocessing.get_context("fork")
    turn = ctx.Value("q", 0, lock=False)
    cond = ctx.Condition()
    args = (path, sql, list(columns), raw, fp.fileno(), turn, cond)
    total = 0
    with ctx.Pool(workers, _init, args) as pool:
        pending: deque = deque()

        def drain(until: int) -> None:
            nonlocal total
            while len(pending) > until:
                n = pending.popleft().get()
                total += n
                if progress is not None:
                    progress(n)

        index = 0
        while True:
            chunk = keys.fetchmany(TASK_ROWS)
            if not chunk:
                break
            ids = "[" + ",".join([str(k) for (k,) in chunk]) + "]"
            pending.append(pool.apply_async(_render, (index, ids)))
            index += 1
            drain(workers * WINDOW)
        drain(0)
    return total
