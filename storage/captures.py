"""Raw HTTP captures (evidence), zstd-compressed in the captures file beside the main one."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils
import zstandard

from storage.db import StorageError, write_transaction

# Headers worth keeping as evidence: what the server said the content was and when.
KEPT_HEADERS = ("content-type", "content-language", "etag", "last-modified", "date",
                "server", "location", "x-robots-tag", "link", "cache-control", "age")
# zstandard's (de)compressors must not be shared between threads (several crawls' writer
# threads run in one process): one of each per thread.
_LOCAL = threading.local()
# Level 3: on the 181 benchmark pages (30 MB of HTML) 0.36 ms per page and 19.7% of the raw
# size, against 1.93 ms and 17.7% at level 10 (the level used before): 5% of a page's whole
# pipeline cost for captures 11% larger. Older captures read the same at any level.
ZSTD_LEVEL = 3


def compressor() -> zstandard.ZstdCompressor:
    """This thread's compressor at ZSTD_LEVEL (made once: making one costs a tenth of a
    millisecond)."""
    if not hasattr(_LOCAL, "compressor"):
        _LOCAL.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    return _LOCAL.compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    if not hasattr(_LOCAL, "decompressor"):
        _LOCAL.decompressor = zstandard.ZstdDecompressor()
    return _LOCAL.decompressor


@dataclass
class Capture:
    id: int
    url: str
    requested_url: str | None
    source: str | None
    fetched_at: str
    status: int
    headers: dict[str, str]
    sha256: str
    size: int
    body: bytes


def add_captures(db: sqlite_utils.Database, captures: list[dict[str, Any]]) -> int:
    """Store raw responses; a body identical to the URL's latest capture is not stored again
    (a page that changes and changes back is kept each time). Returns rows added."""
    added = 0
    with write_transaction(db):
        for capture in captures:
            # A worker of a shared crawl sends its capture compressed (any zstd level), with
            # the body's SHA-256 and size: it is stored as it came.
            compressed: bytes | None = capture.get("compressed")
            if compressed is None:
                body: bytes = capture["body"]
                digest, size = hashlib.sha256(body).hexdigest(), len(body)
            else:
                digest, size = str(capture["sha256"]), int(capture["size"])
            latest = db.execute("SELECT sha256 FROM captures WHERE url = ? ORDER BY id DESC "
                                "LIMIT 1", [capture["url"]]).fetchone()
            if latest is not None and latest[0] == digest:
                continue
            headers = {k.lower(): v for k, v in (capture.get("headers") or {}).items()
                       if k.lower() in KEPT_HEADERS}
            cursor = db.execute(
                "INSERT INTO captures (url, requested_url, source, fetched_at, status,"
                " headers, sha256, size, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [capture["url"], capture.get("requested_url"), capture.get("source"),
                 capture["fetched_at"], int(capture["status"]), json.dumps(headers),
                 digest, size, compressed if compressed is not None
                 else compressor().compress(body)])
            added += cursor.rowcount or 0
    return added


def iter_captures(db: sqlite_utils.Database, since: str | None = None,
                  latest_only: bool = False) -> Iterator[Capture]:
    """Captures in fetch order (optionally fetched since a date, or only each URL's last)."""
    where, params = [], []
    if since:
        where.append("fetched_at >= ?")
        params.append(since)
    if latest_only:
        where.append("id IN (SELECT max(id) FROM captures GROUP BY url)")
    sql = "SELECT * FROM captures" + (" WHERE " + " AND ".join(where) if where else "")
    for row in db.query(sql + " ORDER BY id", params):
        body = _decompressor().decompress(row["body"])
        if hashlib.sha256(body).hexdigest() != row["sha256"]:
            raise StorageError(f"capture {row['id']} of {row['url']}: body does not match its "
                               f"SHA-256 (the captures file is corrupted)")
        yield Capture(row["id"], row["url"], row["requested_url"], row["source"],
                      row["fetched_at"], row["status"], json.loads(row["headers"]),
                      row["sha256"], row["size"], body)
