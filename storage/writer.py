"""One thread that performs every write of a crawl, in order, on its own connections."""

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
    """Runs `fn(db, *args)` on a single thread that owns the write connections.

    SQLite takes one writer at a time; with every write of a crawl on this thread, the
    caller (Scrapy's reactor) never waits for the write lock or a commit, and the writes of
    one crawl keep their order. The main database and the captures file each have their
    own connection from the one factory (storage/db.py), so a batch of captures never holds
    the main file's write lock, nor an article batch the captures file's.
    """

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-writer")
        self._db: sqlite_utils.Database | None = None
        self._captures: sqlite_utils.Database | None = None
        self._closed = False
        self._lock = threading.Lock()

    def _main(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = open_db(self.paths)
        return self._db

    def _captures_db(self) -> sqlite_utils.Database:
        if self._captures is None:
            self._captures = open_captures(self.paths)
        return self._captures

    def _submit(self, connection: Callable[[], sqlite_utils.Database], fn: Callable[..., T],
                args: tuple[Any, ...]) -> Future[T]:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the writer of {self.paths.db} is closed")
            return self._executor.submit(lambda: fn(connection(), *args))

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue `fn(db, *args)` on the main database; the future holds its result."""
        return self._submit(self._main, fn, args)

    def submit_captures(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue `fn(captures_db, *args)` on the captures file."""
        return self._submit(self._captures_db, fn, args)

    def close(self) -> None:
        """Finish the queued writes, then close the connections."""
        with self._lock:
            if self._closed:
                return
            self._closed = True

        def shut() -> None:
            for db in (self._db, self._captures):
                if db is not None:
                    db.close()
            self._db = self._captures = None

        self._executor.submit(shut).result()
        self._executor.shutdown(wait=True)
