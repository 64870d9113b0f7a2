"""The one place a database connection is made: WAL, busy timeout, migrations applied."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from storage.migrations import MIGRATIONS

logger = logging.getLogger(__name__)

DEFAULT_DB_PATH = "newsmon.db"
BUSY_TIMEOUT_MS = 30_000


class StorageError(RuntimeError):
    """The database cannot be opened or is not a newsmon database."""


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE ... COMMIT: take the write lock first, waiting up to the busy timeout.

    A deferred transaction that reads before it writes fails at once with "database is
    locked" when another process wrote in between; an immediate one waits its turn instead.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")


def _migrate(db: sqlite_utils.Database, attempts: int = 20) -> None:
    """Apply pending migrations; another process applying them at the same time wins."""
    for attempt in range(attempts):
        if not MIGRATIONS.pending(db):
            return
        try:
            MIGRATIONS.apply(db)
            return
        except sqlite3.OperationalError as exc:
            if attempt == attempts - 1:
                raise
            logger.debug("migrations raced with another process (%s); retrying", exc)
            time.sleep(0.05 * (attempt + 1))


def resolve_db_path(path: str | os.PathLike[str] | None = None) -> str:
    """Explicit path, else NEWSMON_DB, else ./newsmon.db."""
    return str(path or os.environ.get("NEWSMON_DB") or DEFAULT_DB_PATH)


def open_db(path: str | os.PathLike[str] | None = None, *, migrate: bool = True,
            readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the newsmon database with WAL and a busy timeout."""
    resolved = resolve_db_path(path)
    if resolved != ":memory:":
        parent = Path(resolved).expanduser().resolve().parent
        if not parent.is_dir():
            raise StorageError(f"database {resolved}: directory {parent} does not exist")
        if readonly and not Path(resolved).exists():
            raise StorageError(f"database {resolved} does not exist (run `newsmon crawl` first)")
    try:
        if readonly:
            uri = f"file:{Path(resolved).resolve()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                   check_same_thread=False)
        else:
            conn = sqlite3.connect(resolved, timeout=BUSY_TIMEOUT_MS / 1000,
                                   check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # A 256 MB page cache (allocated as used) keeps index pages of a large database in
        # memory, so writes and lookups stay flat as it grows (SQLite's default is 2 MB).
        conn.execute("PRAGMA cache_size = -262144")
        # Memory-mapped reads let index lookups use the OS page cache without copying.
        conn.execute("PRAGMA mmap_size = 2147483648")
        if not readonly and resolved != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            # Checkpoint the WAL every ~40 MB instead of every 4 MB: pages rewritten by
            # consecutive batches (index leaves, FTS segments) are copied back once, which
            # keeps commits cheap as the database grows.
            conn.execute("PRAGMA wal_autocheckpoint = 10000")
        db = sqlite_utils.Database(conn)
        if migrate and not readonly:
            _migrate(db)
        elif readonly and "articles" not in db.table_names():
            conn.close()
            raise StorageError(f"database {resolved} is not a newsmon database "
                               f"(no articles table)")
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"database {resolved}: {exc}") from None
    return db
