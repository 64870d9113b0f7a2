"""Per-source health read from the source_health view (the one definition Datasette shows)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

FLAG_MEANINGS = {
    "never_run": "has not been crawled yet",
    "failing": "the last 3 or more runs failed",
    "never_succeeded": "has runs but none finished",
    "silent": "no new article for much longer than usual",
    "below_usual": "fewer articles in the last 24 h than on its usual quiet days",
    "extraction_degraded": "many recent articles lack a date, an author or text "
                           "(did the outlet change its pages?)",
    "rules_stopped_matching": "its extract: rules match much less than they used to "
                              "(the outlet changed its pages: check crawler/sources.yaml)",
    "text_shorter": "the median article of the last 7 days is under half as long as in the "
                    "4 weeks before (the extractor may be missing part of the page)",
    "stale": "no successful run for 3 poll intervals",
}


def source_health(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """One row per known source: status (ok, warning, alert), flags and the measures behind them."""
    rows = list(db.query("SELECT * FROM source_health"))
    for row in rows:
        row["flags"] = row["flags"].split() if row["flags"] else []
    return rows
