"""What a crawl needs to know before fetching: stored article URLs and HTTP validators."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from storage.articles import touch_urls
from storage.db import open_db, write_transaction


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class CrawlState:
    """Read known URLs and conditional-GET validators; buffer the writes until flush()."""

    def __init__(self, db_path: str | os.PathLike[str] | None) -> None:
        self.db = open_db(db_path)
        self._touched: list[str] = []
        self._validators: dict[str, tuple[str | None, str | None, int]] = {}

    @classmethod
    def from_path(cls, db_path: str | os.PathLike[str] | None) -> CrawlState:
        return cls(db_path)

    def is_known(self, urls: list[str]) -> bool:
        urls = [u for u in dict.fromkeys(urls) if u]
        if not urls:
            return False
        marks = ",".join("?" * len(urls))
        row = self.db.execute(f"SELECT 1 FROM article_urls WHERE url IN ({marks}) LIMIT 1",
                              urls).fetchone()
        return row is not None

    def touch(self, url: str) -> None:
        self._touched.append(url)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) stored for a feed, sitemap or listing URL."""
        if url in self._validators:
            etag, modified, _ = self._validators[url]
            return etag, modified
        row = self.db.execute("SELECT etag, last_modified FROM http_validators WHERE url = ?",
                              [url]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None,
                        status: int) -> None:
        self._validators[url] = (etag, last_modified, status)

    def flush(self) -> None:
        now = _now()
        if self._touched:
            touch_urls(self.db, self._touched, now)
            self._touched = []
        if self._validators:
            with write_transaction(self.db):
                for url, (etag, modified, status) in self._validators.items():
                    self.db.execute(
                        "INSERT INTO http_validators (url, etag, last_modified, last_status, "
                        "checked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                        "etag = excluded.etag, last_modified = excluded.last_modified, "
                        "last_status = excluded.last_status, checked_at = excluded.checked_at",
                        [url, etag, modified, status, now])
            self._validators = {}

    def close(self) -> None:
        self.flush()
        self.db.close()
