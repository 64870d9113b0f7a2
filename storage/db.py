"""The one place database connections are made: WAL, busy timeout, migrations applied.

Both files of a newsmon database, the main one and its captures, are opened here with the
same settings and their own ordered migrations (`storage/migrations/`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

from storage.migrations import CAPTURE_MIGRATIONS, MIGRATIONS
from storage.paths import MEMORY, Paths
from storage.views import ensure_views, views_current

logger = logging.getLogger(__name__)

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


def _locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _retry_while_locked(action: str, attempt_once: object, deadline_s: float) -> None:
    """Run `attempt_once()` until it does not fail with "database is locked".

    SQLite's busy handler does not cover everything: switching a new file to WAL and the
    upgrade of a read transaction to a write one fail at once when another connection is
    busy, so a first open racing another process's first open is retried here.
    """
    started = time.monotonic()
    delay = 0.01
    while True:
        try:
            attempt_once()  # type: ignore[operator]
            return
        except sqlite3.OperationalError as exc:
            if not _locked(exc) or time.monotonic() - started > deadline_s:
                raise
            logger.debug("%s: %s; retrying", action, exc)
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


# SQLite page cache per connection (KiB, allocated as used). The main file's: index pages of
# a large database stay in memory, so writes and lookups stay flat as it grows (SQLite's
# default is 2 MB); 64 MB holds them for the 200,000-article benchmark and bounds what a
# crawl process holds (256 MB before: its memory grew with the database up to that).
MAIN_CACHE_KIB = 65536
# A crawl's reader only looks up URLs and validators.
LOOKUP_CACHE_KIB = 16384
# The captures file holds raw pages written once and read back rarely (reprocess, WARC):
# caching or mapping them would only grow a crawl's memory with the size of the archive.
CAPTURES_CACHE_KIB = 8192


def connect(path: Path | str, *, readonly: bool = False, cache_kib: int = MAIN_CACHE_KIB,
            mmap: bool = True) -> sqlite3.Connection:
    """A connection with newsmon's settings: busy timeout, WAL, a bounded page cache."""
    target = str(path)
    if readonly:
        conn = sqlite3.connect(f"file:{Path(target).resolve()}?mode=ro", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    else:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    # Memory-mapped reads let index lookups use the OS page cache without copying (file
    # pages the OS can drop, not the process's own memory).
    conn.execute(f"PRAGMA mmap_size = {2147483648 if mmap else 0}")
    if not readonly and target != MEMORY:
        def wal() -> None:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
        _retry_while_locked(f"{target}: switching to WAL", wal, BUSY_TIMEOUT_MS / 1000)
        conn.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint the WAL every ~40 MB instead of every 4 MB: pages rewritten by
        # consecutive batches (index leaves, FTS segments) are copied back once, which
        # keeps commits cheap as the database grows.
        conn.execute("PRAGMA wal_autocheckpoint = 10000")
    return conn


def update_by_id(db: sqlite_utils.Database, table: str, row_id: int,
                 values: dict[str, Any]) -> None:
    """UPDATE one row's columns (names from our code, never from input). A plain statement:
    sqlite-utils' update() reads the table's schema and the row back on every call, which
    the write path pays per article."""
    if values:
        db.execute(f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                   [*values.values(), row_id])


def _migrate(db: sqlite_utils.Database, migrations: Migrations, views: bool) -> None:
    """Apply pending migrations (then the views) under the write lock, so concurrent first
    opens agree: whoever comes second finds nothing left to do."""
    if not migrations.pending(db) and (not views or views_current(db)):
        return

    def apply() -> None:
        with write_transaction(db):
            if migrations.pending(db):          # another process may have just done it
                migrations.apply(db)
            if views:
                ensure_views(db)

    _retry_while_locked("applying migrations", apply, BUSY_TIMEOUT_MS / 1000)


def _paths(where: Paths | str | os.PathLike[str]) -> Paths:
    return where if isinstance(where, Paths) else Paths.for_db(where)


def _open(path: Path, label: str, migrations: Migrations, *, readonly: bool,
          migrate: bool, must_exist: bool, cache_kib: int = MAIN_CACHE_KIB,
          mmap: bool = True) -> sqlite_utils.Database:
    if str(path) != MEMORY:
        if not path.parent.is_dir():
            raise StorageError(f"{label} {path}: directory {path.parent} does not exist")
        if (readonly or must_exist) and not path.exists():
            raise StorageError(f"{label} {path} does not exist")
    try:
        db = sqlite_utils.Database(connect(path, readonly=readonly, cache_kib=cache_kib,
                                           mmap=mmap))
        if migrate and not readonly:
            _migrate(db, migrations, views=migrations is MIGRATIONS)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{label} {path}: {exc}") from None
    return db


def open_db(where: Paths | str | os.PathLike[str], *, readonly: bool = False,
            migrate: bool = True, must_exist: bool = False,
            cache_kib: int = MAIN_CACHE_KIB) -> sqlite_utils.Database:
    """Open (creating it unless readonly or must_exist) the main newsmon database."""
    paths = _paths(where)
    db = _open(paths.db, "database", MIGRATIONS, readonly=readonly, migrate=migrate,
               must_exist=must_exist, cache_kib=cache_kib)
    if (readonly or must_exist) and "articles" not in db.table_names():
        db.close()
        raise StorageError(f"database {paths.db} is not a newsmon database (no articles table)")
    return db


def open_captures(where: Paths | str | os.PathLike[str], *,
                  readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating it unless readonly) the raw-captures database beside the main one."""
    paths = _paths(where)
    return _open(paths.captures, "captures database", CAPTURE_MIGRATIONS, readonly=readonly,
                 migrate=True, must_exist=False, cache_kib=CAPTURES_CACHE_KIB, mmap=False)
