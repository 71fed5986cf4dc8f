"""Writing an output file so that it appears complete or not at all.

:func:`check_output_path` refuses, with a one-line :class:`UserError`, a path that is a
directory, whose directory is missing or not writable, or that exists (unless ``force``).

:class:`AtomicOutput` writes to ``FILE.tmp-XXXXXXXX`` in the same directory and renames it to
``FILE`` only when the body of the ``with`` block finished without an exception; on any
exception (an error, Ctrl-C, SIGTERM turned into an exception by the caller) the temporary file
is removed.  A process killed with SIGKILL can leave a ``.tmp-`` file behind, never a
half-written file under the final name.  Without ``force`` the final step is ``os.link``, which
fails if a file of that name appeared meanwhile, so an existing file is never clobbered.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from govnews.errors import UserError

__all__ = ["check_output_path", "AtomicOutput"]

BUFFER_SIZE = 1 << 20


def check_output_path(path: str | os.PathLike, force: bool = False) -> Path:
    """Validate an output path before any work is done; returns it as a Path."""
    path = Path(path).expanduser()
    if str(path).endswith(os.sep) or path.is_dir():
        raise UserError(f"output {path} is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {path}: directory {parent} is not writable")
    if path.exists() or path.is_symlink():
        if not force:
            raise UserError(f"{path} already exists; use --force to overwrite it")
        if not path.is_file():
            raise UserError(f"cannot overwrite {path}: not a regular file")
    return path


class AtomicOutput:
    """``with AtomicOutput(path, force) as fp:`` → a buffered binary file; see the module doc."""

    def __init__(self, path: str | os.PathLike, force: bool = False) -> None:
        self.path = check_output_path(path, force)
        self.force = force
        self.tmp_path: Path | None = None
        self.fp: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        parent = self.path.parent if str(self.path.parent) else Path(".")
        try:
            fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".tmp-", dir=parent)
        except OSError as e:
            raise UserError(f"cannot write {self.path}: {e.strerror}") from None
        self.tmp_path = Path(tmp)
        self.fp = os.fdopen(fd, "wb", buffering=BUFFER_SIZE)
        return self.fp

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.fp is not None and self.tmp_path is not None
        if exc_type is not None:
            self._discard()
            return
        try:
            self.fp.flush()
            os.fsync(self.fp.fileno())
            self.fp.close()
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp_path, 0o666 & ~umask)  # mkstemp creates 0600
            self._publish()
        except BaseException as e:
            self._discard()
            if isinstance(e, OSError):
                raise UserError(f"cannot write {self.path}: {e.strerror or e}") from None
            raise

    def _publish(self) -> None:
        assert self.tmp_path is not None
        if self.force:
            os.replace(self.tmp_path, self.path)
            return
        try:
            os.link(self.tmp_path, self.path)
        except FileExistsError:
            raise UserError(f"{self.path} already exists; use --force to overwrite it") from None
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
                raise
            # File system without hard links: check, then rename.
            if self.path.exists():
                raise UserError(
                    f"{self.path} already exists; use --force to overwrite it"
                ) from None
            os.replace(self.tmp_path, self.path)
            return
        os.unlink(self.tmp_path)

    def _discard(self) -> None:
        try:
            if self.fp is not None and not self.fp.closed:
                self.fp.close()
        except OSError:
            pass
        finally:
            if self.tmp_path is not None:
                try:
                    os.unlink(self.tmp_path)
                except FileNotFoundError:
                    pass
