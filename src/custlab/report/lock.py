"""One run per period at a time: an exclusive lock on ``<out>/_runs/<period>.lock``.

The lock is an advisory ``flock`` held on the open lock file, not the file's
existence: the kernel gives it to exactly one process and takes it back when
that process ends, however it ends (a run killed with SIGKILL leaves a file
that nobody holds, and the next run simply takes it). The holder's pid is
written only after the lock is held, and a contender never deletes the file, so
there is no window in which two runs both believe they hold it.

Removing the file on release is safe too: a contender that opened the file
before it was removed and then wins the flock sees that the path no longer
names the file it holds, and tries again.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from custlab.exceptions import CustlabError, SetupError


class RunLockedError(CustlabError):
    """Another run of the same period holds the lock (exit code 4)."""

    exit_code = 4


def _holder(path: Path) -> str:
    try:
        words = path.read_text(encoding="utf-8").split()
    except OSError:
        words = []
    return f"process {words[0]}" if words and words[0].isdigit() else "a process that is starting"


@contextmanager
def period_lock(folder: Path, label: str) -> Iterator[Path]:
    """Hold ``<folder>/<label>.lock`` for the block; refuse while another process holds it.

    Raises
    ------
    RunLockedError
        When another run of the period holds the lock.
    """
    path = folder / f"{label}.lock"
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        except OSError as exc:
            raise SetupError.from_os_error(exc, "taking the period's lock") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(handle)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise RunLockedError(f"another run of period {label} is in progress ({_holder(path)}); lock {path}") from None
            raise
        try:
            same = os.path.samestat(os.fstat(handle), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(handle)  # the holder removed the file as we opened it: try the new one
    try:
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()} {datetime.now(timezone.utc).isoformat()}\n".encode())
        yield path
    finally:
        path.unlink(missing_ok=True)  # while still holding the lock: see the module docstring
        os.close(handle)
