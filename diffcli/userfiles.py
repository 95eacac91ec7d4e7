"""The files diffcli keeps for the user (the parser's tables, the REPL's history), opened so
that no other user can change what diffcli reads or redirect what it writes.

``$XDG_CACHE_HOME`` or ``$XDG_DATA_HOME`` may point into a directory other users can write
(/tmp, a shared project folder). So diffcli's own folder there is used only when it is a real
directory (not a symlink) owned by this user and writable by no one else; every file in it is
opened relative to that directory's descriptor (no path is looked up twice), never through a
symlink, without blocking (a FIFO or device there must not hang the start), and read only when
it is a regular file of this user's, writable by no one else, within a size bound. Whatever is
not so is ignored: the caller falls back to memory.
"""
from __future__ import annotations

import os
import stat

_FOREIGN_WRITE = stat.S_IWGRP | stat.S_IWOTH
# Without these (Windows) no file is kept: everything stays in memory.
_SUPPORTED = all(hasattr(os, f) for f in ("O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC", "O_DIRECTORY", "geteuid")) \
    and os.open in os.supports_dir_fd
_OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC if _SUPPORTED else 0


def _own(st: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    return st.st_uid == os.geteuid() and not st.st_mode & _FOREIGN_WRITE


def private_dir(path: str) -> int | None:
    """A descriptor of the directory ``path`` (made with mode 0700 if missing) when only this
    user can change what is in it; None when it is not so, or cannot be made. Close it after use."""
    if not _SUPPORTED:
        return None
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return None
    try:
        if _own(os.fstat(fd)):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _kind(folder: int, name: str) -> int | None:
    """The file type bits of ``name`` in ``folder`` (a symlink's own), 0 when it is missing,
    None when it cannot be looked at. Looked at before opening, so a device is never opened."""
    try:
        return stat.S_IFMT(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return 0
    except (OSError, ValueError):
        return None


def _open_own(folder: int, name: str, flags: int, create: bool = False) -> int | None:
    """``name`` opened in ``folder`` when it is this user's own regular file with one link
    (a hard link planted by someone else would lead to another file); with ``create``, a
    missing file is made (mode 0600)."""
    kind = _kind(folder, name)
    if not (kind == stat.S_IFREG or (kind == 0 and create)):
        return None
    try:
        fd = os.open(name, flags | _OPEN | (os.O_CREAT if create else 0), 0o600, dir_fd=folder)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and _own(st) and st.st_nlink == 1:
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def read_private(folder: int, name: str, limit: int, tail: bool = False) -> bytes | None:
    """The bytes of ``name`` in ``folder``, at most ``limit`` of them: a longer file is None, or
    with ``tail`` its last ``limit`` bytes. None when the file is missing or not the user's own."""
    fd = _open_own(folder, name, os.O_RDONLY)
    if fd is None:
        return None
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            if not tail:
                return None
            os.lseek(fd, size - limit, os.SEEK_SET)
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def replace_private(folder: int, name: str, data: bytes) -> bool:
    """Make ``name`` in ``folder`` hold ``data``, atomically: the bytes go to a new file of an
    unpredictable name (created exclusively, mode 0600), which is then renamed over ``name``.
    Nothing is left behind when that fails (a directory at ``name``, a full disk)."""
    tmp = f".{name}.{os.urandom(8).hex()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN, 0o600, dir_fd=folder)
    except OSError:
        return False
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
        return True
    except OSError:
        try:
            os.unlink(tmp, dir_fd=folder)
        except OSError:
            pass
        return False


def append_private(folder: int, name: str, data: bytes) -> bool:
    """Append ``data`` to ``name`` in ``folder`` (created, mode 0600, if missing), when it is
    the user's own regular file."""
    fd = _open_own(folder, name, os.O_WRONLY | os.O_APPEND, create=True)
    if fd is None:
        return False
    try:
        _write_all(fd, data)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
