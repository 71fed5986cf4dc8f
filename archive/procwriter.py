"""The archive writer in a child process: extraction, compression and SQLite on the idle core.

Scrapy runs on one core and leaves the second idle (``../shared/notes/measurements.md``).  A
thread cannot use it for Python-heavy work (the GIL), so the crawl hands raw article pages to a
child process that extracts them (``crawler.extract.extract_full``), compresses the raw body and
writes everything through an ordinary :class:`archive.store.ArchiveWriter`.  The reactor only
fetches, parses list pages for navigation and pickles bytes into a bounded queue.

:class:`ProcessArchiveWriter` mirrors ``ArchiveWriter``'s API: methods named ``put_*`` or
``resolve_*`` are queued (fire and forget; a failure is re-raised by the next synchronous call),
every other method is a synchronous round trip.  ``put_article_raw`` is the one addition: an
article page to be extracted in the child.

Crash safety is the writer's own: each batch is one transaction, and every write is an
idempotent upsert.  If the crawl process is killed, the child notices its parent is gone,
commits what it already received and exits; a re-run fetches whatever did not make it.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import sys
import types
from typing import Any

from govnews.errors import UserError

_ASYNC_PREFIXES = ("put_", "resolve_")
_QUEUE_SIZE = 512  # bounded: a slow disk slows the crawl instead of growing memory


class ArchiveProcessError(RuntimeError):
    """The writer process failed or died."""


def _is_async(name: str) -> bool:
    return name.startswith(_ASYNC_PREFIXES)


def _extract_and_put(writer, kw: dict) -> None:
    from crawler.extract import extract_full

    page = kw["page"]
    body = page["body"]
    data = extract_full(body, page.get("final_url") or page["url"], page.get("headers") or {})
    digest = writer.put_page(  # the body's hash, computed once
        crawl_id=kw["crawl_id"],
        url=page["url"],
        final_url=page.get("final_url") or page["url"],
        status=page["status"],
        headers=page.get("headers") or {},
        body=body,
        fetched_at=page["fetched_at"],
    )
    writer.put_article(
        crawl_id=kw["crawl_id"],
        site=kw["site"],
        article_id=str(kw["article_id"]),
        url=kw["url"],
        data=data,
        raw_hash=digest,
        fetched_at=page["fetched_at"],
    )


def _child(path: str, options: dict, inbox: mp.Queue, outbox: mp.Queue, parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent decides when to stop, not us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from archive.store import ArchiveWriter

    try:
        writer = ArchiveWriter(path, **options)
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises it
        outbox.put(("error", type(e).__name__, str(getattr(e, "message", e))))
        return
    outbox.put(("ok", None, None))
    pending: BaseException | None = None
    try:
        while True:
            try:
                msg = inbox.get(timeout=0.5)
            except queue.Empty:
                if os.getppid() != parent:  # the crawl died (kill -9): keep what we have
                    break
                continue
            kind, name, args, kwargs = msg
            if kind == "close":
                break
            if kind == "async":
                try:
                    if name == "put_article_raw":
                        _extract_and_put(writer, kwargs)
                    else:
                        getattr(writer, name)(*args, **kwargs)
                except BaseException as e:  # noqa: BLE001 - surfaced by the next sync call
                    pending = pending or e
                continue
            try:
                if pending is not None:
                    err, pending = pending, None
                    raise err
                attr = getattr(writer, name)
                value = attr(*args, **kwargs) if callable(attr) else attr
                outbox.put(("ok", value, None))
            except BaseException as e:  # noqa: BLE001
                outbox.put(("error", type(e).__name__, str(getattr(e, "message", e))))
    finally:
        try:
            writer.close()
        except BaseException:  # noqa: BLE001 - nothing left to report to
            pass
        outbox.put(("closed", None, None))


class ProcessArchiveWriter:
    """``ArchiveWriter`` running in a child process (see the module docstring)."""

    def __init__(self, path: str | os.PathLike, **options: Any) -> None:
        ctx = mp.get_context("spawn")
        self.path = str(path)
        self._inbox = ctx.Queue(maxsize=_QUEUE_SIZE)
        self._outbox = ctx.Queue()
        self._closed = False
        self._proc = ctx.Process(
            target=_child,
            args=(self.path, options, self._inbox, self._outbox, os.getpid()),
            name="govnews-archive-writer",
            daemon=True,
        )
        # A spawned child re-imports the parent's __main__ (a CLI entry point, a user's script
        # without a __name__ guard, `python -c …`), which would re-run it.  The child needs
        # nothing from __main__, so it is hidden while the child is prepared.
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self._proc.start()
        finally:
            sys.modules["__main__"] = main
        self._reply()

    def _reply(self) -> Any:
        while True:
            try:
                status, value, message = self._outbox.get(timeout=1.0)
            except queue.Empty:
                if not self._proc.is_alive():
                    raise ArchiveProcessError("the archive writer process died") from None
                continue
            if status == "ok":
                return value
            if status == "closed":
                raise ArchiveProcessError("the archive writer process has stopped")
            if value == "UserError":
                raise UserError(message)
            raise ArchiveProcessError(f"archive write failed: {value}: {message}")

    def _send(self, kind: str, name: str, args: tuple, kwargs: dict) -> None:
        if self._closed:
            raise ArchiveProcessError("the archive writer is closed")
        while True:
            try:
                self._inbox.put((kind, name, args, kwargs), timeout=1.0)
                return
            except queue.Full:
                if not self._proc.is_alive():
                    raise ArchiveProcessError("the archive writer process died") from None

    def put_article_raw(self, **kwargs: Any) -> None:
        """Queue an article page (``page`` = PageItem fields) to be extracted and archived."""
        self._send("async", "put_article_raw", (), kwargs)

    @property
    def counts(self) -> dict[str, int]:
        return self._call("counts")

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._send("sync", name, args, kwargs)
        return self._reply()

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if _is_async(name):
            return lambda *a, **kw: self._send("async", name, a, kw)
        return lambda *a, **kw: self._call(name, *a, **kw)

    def close(self) -> None:
        """Flush and stop the child; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._proc.is_alive():
            self._inbox.put(("close", None, (), {}))
            self._proc.join(timeout=120)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)

    def __enter__(self) -> ProcessArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
