"""Persisted LSH index of MinHash signatures: near-duplicate lookups that stay fast at scale.

Buckets of new articles land in `lsh_recent`, small enough to stay in the page cache; once it
holds RECENT_LIMIT rows it is merged into the clustered `lsh_buckets` in bucket order, which
writes each index page once for many rows instead of once per row. Lookups read both.
"""

from __future__ import annotations

import struct

import sqlite_utils

RECENT_LIMIT = 640_000          # about 10,000 articles of 64 buckets


def add_fingerprint(db: sqlite_utils.Database, article_id: int, signature: bytes,
                    buckets: list[int], shingles: int) -> None:
    """Index one article's signature (inside the caller's transaction)."""
    db.execute("INSERT OR REPLACE INTO article_fingerprints (article_id, signature, shingles) "
               "VALUES (?, ?, ?)", [article_id, signature, shingles])
    db.conn.executemany("INSERT INTO lsh_recent (bucket, article_id) VALUES (?, ?)",
                        [(bucket, article_id) for bucket in dict.fromkeys(buckets)])


def merge_recent(db: sqlite_utils.Database, limit: int = RECENT_LIMIT) -> int:
    """Move lsh_recent into lsh_buckets when it has grown past `limit` rows (inside the
    caller's transaction); return the rows moved."""
    row = db.execute("SELECT max(rowid) - min(rowid) + 1 FROM lsh_recent").fetchone()
    if not row or not row[0] or row[0] < limit:
        return 0
    moved = db.execute("INSERT OR IGNORE INTO lsh_buckets (bucket, article_id) "
                       "SELECT bucket, article_id FROM lsh_recent ORDER BY bucket, article_id"
                       ).rowcount or 0
    db.execute("DELETE FROM lsh_recent")
    return moved


def candidates(db: sqlite_utils.Database, buckets: list[int], limit: int = 25,
               exclude: int | None = None) -> list[tuple[int, bytes]]:
    """(article_id, signature) of the articles sharing most LSH buckets with these."""
    marks = ",".join("?" * len(buckets))
    rows = db.execute(
        f"SELECT f.article_id, f.signature FROM article_fingerprints f JOIN ("
        f"  SELECT article_id, count(*) AS hits FROM ("
        f"    SELECT article_id FROM lsh_buckets WHERE bucket IN ({marks})"
        f"    UNION ALL SELECT article_id FROM lsh_recent WHERE bucket IN ({marks}))"
        f"  GROUP BY article_id ORDER BY hits DESC LIMIT ?) c ON c.article_id = f.article_id "
        f"ORDER BY c.hits DESC", [*buckets, *buckets, limit]).fetchall()
    return [(int(r[0]), bytes(r[1])) for r in rows if r[0] != exclude]


def signature_similarity(a: bytes, b: bytes) -> float:
    """Share of equal MinHash values: the estimated Jaccard similarity of two texts."""
    if len(a) != len(b) or not a:
        return 0.0
    size = len(a) // 4
    va = struct.unpack(f"<{size}I", a)
    vb = struct.unpack(f"<{size}I", b)
    return sum(1 for x, y in zip(va, vb) if x == y) / size
