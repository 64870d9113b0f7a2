"""Persisted LSH index of MinHash signatures: near-duplicate lookups that stay fast at scale."""

from __future__ import annotations

import sqlite_utils


def add_fingerprint(db: sqlite_utils.Database, article_id: int, signature: bytes,
                    buckets: list[int], shingles: int) -> None:
    """Index one article's signature (inside the caller's transaction)."""
    db.execute("INSERT OR REPLACE INTO article_fingerprints (article_id, signature, shingles) "
               "VALUES (?, ?, ?)", [article_id, signature, shingles])
    db.conn.executemany("INSERT OR IGNORE INTO lsh_buckets (bucket, article_id) VALUES (?, ?)",
                        [(bucket, article_id) for bucket in dict.fromkeys(buckets)])


def candidates(db: sqlite_utils.Database, buckets: list[int], limit: int = 25,
               exclude: int | None = None) -> list[tuple[int, bytes]]:
    """(article_id, signature) of the articles sharing most LSH buckets with these."""
    marks = ",".join("?" * len(buckets))
    rows = db.execute(
        f"SELECT f.article_id, f.signature FROM article_fingerprints f JOIN ("
        f"  SELECT article_id, count(*) AS hits FROM lsh_buckets WHERE bucket IN ({marks})"
        f"  GROUP BY article_id ORDER BY hits DESC LIMIT ?) c ON c.article_id = f.article_id "
        f"ORDER BY c.hits DESC", [*buckets, limit]).fetchall()
    return [(int(r[0]), bytes(r[1])) for r in rows if r[0] != exclude]
