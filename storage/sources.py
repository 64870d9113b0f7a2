"""The configured sources as rows of the sources table."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from storage.db import write_transaction


def upsert_sources(db: sqlite_utils.Database, sources: list[dict[str, Any]]) -> None:
    """Record the configured sources (id, name, homepage, languages, discovery, enabled)."""
    rows = []
    for source in sources:
        row = dict(source)
        for key in ("languages", "discovery"):
            if isinstance(row.get(key), (list, tuple)):
                row[key] = json.dumps(list(row[key]))
        rows.append(row)
    with write_transaction(db):
        db.table("sources").upsert_all(rows, pk="id")
