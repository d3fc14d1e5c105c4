"""Atomic file writes: the target is either the old file or the complete new one.

A writer gets a temporary path next to the target; only when it finishes is
the temporary file moved over the target with :func:`os.replace` (atomic on
POSIX and Windows when both are in the same folder). Any error removes the
temporary file, so a crash, a full disk or Ctrl-C never leaves a half-written
workbook or CSV where the user expects their results.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    r"""Yield a temporary path in the target's folder; move it onto ``path`` on success.

    The temporary file already exists (empty) when yielded, created with the
    usual permissions (``0o666`` minus the umask, like :func:`open`), so the
    final file gets the same permissions a plain write would give it. On any
    exception, including ``KeyboardInterrupt``, the temporary file is removed
    and the target is left untouched.

    Args:
        path: The file to write. Its folder must exist.

    Yields:
        The temporary path to write to (open it, or hand it to a writer library).

    Raises:
        FileNotFoundError: The target's folder does not exist.

    Example:
        >>> with atomic_path("results.csv") as tmp, open(tmp, "w", encoding="utf-8") as f:
        ...     f.write("a,b\n")
    """
    target = Path(os.fspath(path)).expanduser()
    # A hidden sibling: same filesystem as the target, so os.replace is a rename. It keeps
    # the target's extension, for writers that pick a format from the file name.
    tmp = target.with_name(f".{target.stem}.{secrets.token_hex(6)}.tmp{target.suffix}")
    # O_EXCL: never reuse (or follow a symlink to) a file someone else made.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(fd)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _fsync(path: Path) -> None:
    """Flush the file's data to disk so the rename never exposes an empty file after a crash."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # the writer may have replaced the file itself; the rename still decides
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems (network shares) refuse fsync; atomicity does not depend on it
    finally:
        os.close(fd)
