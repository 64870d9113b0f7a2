"""Process-wide locks on files beside the database: one crawl per source, one scheduler."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timezone
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FileLock:
    """An advisory flock(2) lock: released by the kernel when its holder dies, so never stale.

    The file says who holds it (pid and what for), which error messages repeat. A child
    process started with the descriptor (a scheduled maintenance job) holds it too, so the
    lock stays held while the child lives even if the scheduler that started it is killed.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, purpose: str) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        os.write(fd, f"pid {os.getpid()}, {purpose}, since {stamp}\n".encode())
        self._fd = fd
        return True

    def note_child(self, pid: int, purpose: str) -> None:
        """Record the process that now holds the lock too (the crawl it was taken for)."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            os.write(self._fd, f"pid {pid}, {purpose}, since {stamp}\n".encode())

    @property
    def fileno(self) -> int:
        if self._fd is None:
            raise RuntimeError(f"{self.path} is not locked")
        return self._fd

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown process"
        except OSError:
            return "unknown process"

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)          # closing our descriptor drops our hold on the lock
            self._fd = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
