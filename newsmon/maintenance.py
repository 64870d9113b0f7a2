"""Maintenance over the stores: recheck jobs, WARC export, the near-duplicate index backfill."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any

from crawler.dates import to_utc

logger = logging.getLogger(__name__)


def write_warc(captures: Iterator[Any], output: Path) -> int:
    """Write captures as WARC/1.0 response records (gzip per record); return how many."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    written = 0
    with output.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warcinfo_record(
            output.name, {"software": "newsmon", "format": "WARC File Format 1.0",
                          "description": "Raw responses captured by newsmon crawls"}))
        for capture in captures:
            try:
                reason = HTTPStatus(capture.status).phrase
            except ValueError:
                reason = "Unknown"
            headers = [(k.title(), v) for k, v in capture.headers.items()
                       if k not in ("content-length", "content-encoding", "transfer-encoding")]
            headers.append(("Content-Length", str(len(capture.body))))
            fetched = to_utc(capture.fetched_at) or datetime.now(timezone.utc)
            record = writer.create_warc_record(
                capture.url, "response", payload=BytesIO(capture.body),
                http_headers=StatusAndHeaders(f"{capture.status} {reason}", headers,
                                              protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": fetched.strftime("%Y-%m-%dT%H:%M:%SZ")})
            writer.write_record(record)
            written += 1
            if capture.requested_url and capture.requested_url != capture.url:
                # The URL we asked for redirected here: keep that hop as evidence too.
                fields = (f"redirected-to: {capture.url}\r\n"
                          f"fetched-at: {capture.fetched_at}\r\n").encode("utf-8")
                writer.write_record(writer.create_warc_record(
                    capture.requested_url, "metadata", payload=BytesIO(fields),
                    warc_content_type="application/warc-fields",
                    warc_headers_dict={"WARC-Date": fetched.strftime("%Y-%m-%dT%H:%M:%SZ")}))
    return written


def recheck_jobs(db: Any, sources: list[Any], days: float) -> list[Any]:
    """One recheck crawl per configured source with articles first seen in the last DAYS."""
    from newsmon.runner import CrawlJob
    from storage.summary import articles_to_recheck
    since = (datetime.now(timezone.utc) - timedelta(days=days)).replace(microsecond=0)
    try:
        due = articles_to_recheck(db, since.isoformat())
    finally:
        db.close()
    configured = {s.id for s in sources}
    by_source: dict[str, list[str]] = {}
    for source, url in due:
        if source in configured:
            by_source.setdefault(source, []).append(url)
    return [CrawlJob(source, source, {"recheck_urls": urls}) for source, urls in by_source.items()]


def backfill_fingerprints(db: Any, batch: int = 500) -> int:
    """Fingerprint stored articles that have none (stored before the index, or after a
    scheme change); return how many were indexed."""
    from pipelines.fingerprint import fingerprint
    from storage.db import write_transaction
    from storage.neardup import add_fingerprint
    done = 0
    last = 0
    while True:
        rows = db.execute(
            "SELECT a.id, a.text FROM articles a LEFT JOIN article_fingerprints f "
            "ON f.article_id = a.id WHERE f.article_id IS NULL AND a.id > ? ORDER BY a.id "
            "LIMIT ?", [last, batch]).fetchall()
        if not rows:
            return done
        with write_transaction(db):
            for article_id, text in rows:
                fp = fingerprint(text or "")
                if fp is not None:
                    add_fingerprint(db, article_id, fp.signature, fp.bands, fp.shingles)
                    done += 1
        last = rows[-1][0]
