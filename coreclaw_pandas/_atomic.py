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
import stat
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path"]

#: Longest file name (in bytes) most filesystems accept (ext4, APFS, NTFS in UTF-16 units).
MAX_NAME_BYTES = 255
# A longer "extension" is part of the name, not a format hint worth keeping.
_MAX_SUFFIX_BYTES = 16


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    r"""Yield a temporary path in the target's folder; move it onto ``path`` on success.

    The temporary file already exists (empty) when yielded. When the target
    exists, the new file gets the target's permission bits (a private ``0o600``
    file stays private); otherwise the usual ``0o666`` minus the umask, like
    :func:`open`. Its name stays under :data:`MAX_NAME_BYTES` however long the
    target's name is. On any exception, including ``KeyboardInterrupt``, the
    temporary file is removed and the target is left untouched.

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
    tmp = target.with_name(_temporary_name(target.name))
    mode = _existing_mode(target)
    # O_EXCL: never reuse (or follow a symlink to) a file someone else made.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if mode is not None else 0o666)
    os.close(fd)
    try:
        yield tmp
        _fsync(tmp)
        if mode is not None:
            # After the writer: a library may have replaced the file with one of its own.
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _temporary_name(name: str) -> str:
    """A hidden, unique sibling name of at most :data:`MAX_NAME_BYTES` bytes.

    The target's own name may already be near the limit, so its stem is cut (by
    whole characters) to leave room for the dot, the random part and ``.tmp``.
    """
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(os.fsencode(suffix)) > _MAX_SUFFIX_BYTES:
        stem, suffix = name, ""
    else:
        suffix = "." + suffix
    tail = f".{secrets.token_hex(6)}.tmp{suffix}"
    room = MAX_NAME_BYTES - len(os.fsencode("." + tail))
    while len(os.fsencode(stem)) > room:
        stem = stem[:-1]
    return f".{stem}{tail}"


def _existing_mode(target: Path) -> int | None:
    """The permission bits of the file at ``target``, or None when there is no such file."""
    try:
        info = os.stat(target)
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


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
