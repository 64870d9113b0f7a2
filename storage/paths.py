"""The database file and every sidecar beside it, named in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MEMORY = ":memory:"


@dataclass(frozen=True)
class Paths:
    """Where newsmon keeps one database's files; built once from `--db` and passed down.

    `newsmon.db` has its raw captures in `newsmon-captures.db` and, beside it, directories and
    files named after the database: `newsmon.db-locks/`, `-logs/`, `-digests/`, `-users/`,
    `-datasette/` and `-secret`.
    """

    db: Path

    @classmethod
    def for_db(cls, db: str | os.PathLike[str]) -> Paths:
        if str(db) == MEMORY:
            return cls(Path(MEMORY))
        return cls(Path(db).expanduser().resolve())

    @property
    def in_memory(self) -> bool:
        return str(self.db) == MEMORY

    def _beside(self, suffix: str) -> Path:
        return Path(f"{self.db}{suffix}")

    @property
    def captures(self) -> Path:
        """Raw HTTP captures: newsmon.db -> newsmon-captures.db (same folder)."""
        if self.in_memory:
            return Path(MEMORY)
        return self.db.with_name(self.db.stem + "-captures" + (self.db.suffix or ".db"))

    @property
    def locks(self) -> Path:
        return self._beside("-locks")

    def lock(self, name: str) -> Path:
        """One lock file per source (and per maintenance job, and the scheduler)."""
        return self.locks / f"{name}.lock"

    @property
    def logs(self) -> Path:
        return self._beside("-logs")

    @property
    def digests(self) -> Path:
        return self._beside("-digests")

    @property
    def users(self) -> Path:
        return self._beside("-users")

    @property
    def secret(self) -> Path:
        return self._beside("-secret")

    @property
    def datasette(self) -> Path:
        return self._beside("-datasette")
