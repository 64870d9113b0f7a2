"""Migration steps of the raw-captures file (its own schema history). Files made before
it had one already hold the table, hence IF NOT EXISTS in its first step."""

from __future__ import annotations

import sqlite_utils


def c001_captures(db: sqlite_utils.Database) -> None:
    db.executescript("""
    CREATE TABLE IF NOT EXISTS captures (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,               -- the URL the response came from
        requested_url TEXT,
        source TEXT,
        fetched_at TEXT NOT NULL,
        status INTEGER NOT NULL,
        headers TEXT NOT NULL,           -- JSON: the headers that matter
        sha256 TEXT NOT NULL,            -- of the raw body
        size INTEGER NOT NULL,           -- raw body bytes
        body BLOB NOT NULL               -- zstd-compressed raw body
    );
    CREATE INDEX IF NOT EXISTS idx_captures_url ON captures(url, fetched_at);
    DROP INDEX IF EXISTS idx_captures_url_sha;
    """)

