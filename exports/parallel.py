"""CSV export on every core: worker processes fetch, render and place chunks of rows, in order.

Why: a CSV export of full article rows is CPU-bound in two halves of similar cost, SQLite
reading the rows (a 3 KB body, overflow pages, in site/date order) and rendering them to
Excel-safe CSV bytes; one process uses one core.  Here the parent walks only the ordered row
*keys* (a covering-index scan with every filter applied: microseconds per row) and deals
chunks of keys round-robin to worker processes over one pipe each; each worker reads its
chunks by key from its own read-only connection, renders them with the very same renderer as
the serial path and writes them into the output itself, so no CSV byte passes through a pipe
and the file is byte-identical to the serial export.

Order: chunks take their place in chunk order.  Into a regular file a chunk only waits for
the previous chunk's *size* (its offset), then is written with ``pwrite`` while the others go
on; meanwhile its worker keeps rendering (one chunk may wait rendered), so the cores do not
idle on each other.  A pipe is written in turn.  Memory stays at a few chunks per worker.

Failure: the parent is the watchdog.  A worker that fails or dies (even ``kill -9``) ends the
export with an error; the other workers are terminated, never left waiting.

Consistency: the workers read in their own transactions, a little after the parent's key scan.
Archived rows are never deleted (a removed article is marked, not dropped), so every key is
found; a row updated by a crawl running at the same time is written as its newer version.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import select
import signal
import sqlite3
import stat
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait as wait_any
from typing import Any, BinaryIO

from govnews.errors import UserError

from .tables import Column, Table
from .writers import _chunk_function, csv_header

__all__ = ["PARALLEL_MIN_ROWS", "database_file", "write_csv_parallel", "worker_count"]

#: Below this many rows starting processes costs more than it saves.
PARALLEL_MIN_ROWS = 20_000
#: Keys per task: large enough to amortise a task, small enough (~1 MB of CSV for article
#: rows) that the chunks in flight stay a few MB.
TASK_ROWS = 256
#: Rendered chunks a worker may hold while their turn has not come (then it waits).
PENDING = 2
# Slots of the shared counters.
_TURN, _OFFSET, _ROWS = 0, 1, 2


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


def chunk_sql(table: Table, exprs: Sequence[str]) -> str:
    """SELECT of ``exprs`` for the rows whose keys are in the JSON array ``?``, in its order.

    CROSS JOIN makes ``json_each`` the outer loop, so rows come out in array order without an
    ORDER BY (whose sorter would copy every 3 KB row once more)."""
    return (
        f"SELECT {', '.join(exprs)} FROM json_each(?) AS j CROSS JOIN {table.source} "
        f"WHERE {table.key_sql} = j.value"
    )


class _Worker:
    """One worker process's side: chunk ``first``, ``first + step``, … arrive on ``tasks``."""

    def __init__(
        self, path: str, sql: str, columns: Sequence[Column], raw: bool, fd: int, shared, cond
    ) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.conn.execute("PRAGMA query_only=ON")
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.text_factory = bytes
        self.sql, self.render, self.fd = sql, _chunk_function(columns, raw), fd
        self.shared, self.cond = shared, cond
        self.parent = os.getppid()
        self.pending: deque[tuple[int, bytes, int]] = deque()

    def run(self, tasks, first: int, step: int) -> None:
        index = first
        while keys := tasks.recv_bytes():
            pieces: list[bytes] = []
            n = self.render(self.conn.execute(self.sql, (keys.decode(),)), pieces)
            self.pending.append((index, b"".join(pieces), n))
            index += step
            self.place(keep=PENDING - 1)
        self.place(keep=0)

    def place(self, keep: int) -> None:
        """Give every pending chunk whose turn has come its place; wait (for the other
        workers) only while more than ``keep`` chunks are pending."""
        shared, pending = self.shared, self.pending
        writes = []
        with self.cond:
            while pending:
                index, data, n = pending[0]
                if shared[_TURN] != index:
                    if len(pending) <= keep:
                        break
                    if not self.cond.wait(2.0) and os.getppid() != self.parent:
                        os._exit(1)  # the parent is gone: nobody will take the output
                    continue
                pending.popleft()
                at = shared[_OFFSET]
                if at < 0:  # a pipe: written in turn
                    _write_all(self.fd, data)
                else:
                    shared[_OFFSET] = at + len(data)
                    writes.append((at, data))
                shared[_TURN] = index + 1
                shared[_ROWS] += n
                self.cond.notify_all()
        for at, data in writes:
            _write_all(self.fd, data, at)


def _write_all(fd: int, data: bytes, at: int | None = None) -> None:
    view = memoryview(data)
    while view:
        done = os.write(fd, view) if at is None else os.pwrite(fd, view, at)
        view = view[done:]
        if at is not None:
            at += done


def _work(tasks, others: list, errors, first: int, step: int, args: tuple) -> None:
    # The parent alone reacts to Ctrl-C / SIGTERM; it then terminates the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for conn in others:
        conn.close()
    try:
        _Worker(*args).run(tasks, first, step)
    except EOFError:
        os._exit(1)  # the parent closed our pipe without the end mark: it is gone
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        errors.put((type(exc).__name__, str(exc)))
        os._exit(1)


def _is_regular(fd: int) -> bool:
    """Can chunks be placed with ``pwrite``: a regular file not opened for appending (Linux
    ignores pwrite's offset under O_APPEND, as in ``govnews export … >> out.csv``)."""
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        return regular and not fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND
    except OSError:
        return False


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
    fp.write(csv_header(columns))
    fp.flush()  # the workers write into the same open file, after this
    fd = fp.fileno()
    ctx = multiprocessing.get_context("fork")
    shared = ctx.Array("q", 3, lock=False)
    shared[_OFFSET] = fp.tell() if _is_regular(fd) else -1
    cond = ctx.Condition()
    errors = ctx.SimpleQueue()
    args = (path, chunk_sql(table, [c.sql for c in columns]), list(columns), raw, fd, shared, cond)
    procs: list[Any] = []
    sentinels: list[int] = []
    reported = 0

    def report() -> None:
        nonlocal reported
        done = shared[_ROWS]
        if progress is not None and done > reported:
            progress(done - reported)
        reported = done

    def check(sentinels: list[int]) -> None:
        for p in procs:
            if p.sentinel in sentinels and p.exitcode not in (None, 0):
                if errors.empty():
                    raise UserError(f"export worker process failed (exit code {p.exitcode})")
                name, message = errors.get()
                if name == "BrokenPipeError":  # `govnews export … | head`: the caller stops quietly
                    raise BrokenPipeError(message)
                raise UserError(f"export worker process failed ({name}: {message})")

    def send(pipe, data: bytes) -> None:
        """Send a task without ever blocking on (or being misled by) a worker that is gone."""
        while True:
            dead, ready, _ = select.select(sentinels, [pipe.fileno()], [], 1.0)
            check(dead)
            if ready:
                break
        try:
            pipe.send_bytes(data)
        except BrokenPipeError:  # the worker died since select: not the reader of our output
            wait_any(sentinels, 5.0)
            check(sentinels)
            raise UserError("export worker process ended early") from None

    pairs = [ctx.Pipe(duplex=False) for _ in range(workers)]
    pipes = [writer for _, writer in pairs]
    try:
        for w, (reader, _) in enumerate(pairs):
            # A worker must hold no other end of any task pipe: it sees EOF on its own pipe
            # (the parent is gone) only once nobody else holds that pipe's writing end.
            others = [c for pair in pairs for c in pair if c is not reader]
            proc = ctx.Process(
                target=_work, args=(reader, others, errors, w, workers, args), daemon=True
            )
            proc.start()
            procs.append(proc)
        for reader, _ in pairs:
            reader.close()
        sentinels = [p.sentinel for p in procs]
        index = 0
        while chunk := keys.fetchmany(TASK_ROWS):
            send(
                pipes[index % workers], ("[" + ",".join([str(k) for (k,) in chunk]) + "]").encode()
            )
            index += 1
            report()
        for pipe in pipes:
            send(pipe, b"")  # the end mark
        while any(p.exitcode is None for p in procs):
            check(wait_any(sentinels, 0.2))
            report()
        check(sentinels)
        report()
    finally:
        for pair in pairs:
            for conn in pair:
                conn.close()
        for p in procs:
            if p.exitcode is None:
                p.terminate()
            p.join()
    if shared[_OFFSET] >= 0:
        fp.seek(shared[_OFFSET])  # the file's own position, for whoever writes or truncates next
    return shared[_ROWS]
