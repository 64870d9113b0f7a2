"""One thread that performs every write of a crawl, in order, on its own connection."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import sqlite_utils

from storage.db import open_captures, open_db
from storage.paths import Paths

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Writer:
    """Runs `fn(db, *args)` on a single thread that owns the write connection.

    SQLite takes one writer at a time; with every write of a crawl on this thread, the
    caller (Scrapy's reactor) never waits for the write lock or a commit, and the writes of
    one crawl keep their order. The connection is the main database with the captures file
    attached as `captures` (its tables are reached by their plain names).
    """

    def __init__(self, paths: Paths, *, captures: bool = True) -> None:
        self.paths = paths
        self._with_captures = captures
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-writer")
        self._db: sqlite_utils.Database | None = None
        self._closed = False
        self._lock = threading.Lock()

    def _connection(self) -> sqlite_utils.Database:
        if self._db is None:
            db = open_db(self.paths)
            if self._with_captures and not self.paths.in_memory:
                open_captures(self.paths).close()          # create and migrate it first
                db.execute("ATTACH DATABASE ? AS captures", [str(self.paths.captures)])
            self._db = db
        return self._db

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue `fn(db, *args)`; the future holds its result or its exception."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the writer of {self.paths.db} is closed")
            return self._executor.submit(lambda: fn(self._connection(), *args))

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(db, *args)` on the writer thread and wait for it."""
        return self.submit(fn, *args).result()

    def close(self) -> None:
        """Finish the queued writes, then close the connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True

        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        self._executor.submit(shut).result()
        self._executor.shutdown(wait=True)
