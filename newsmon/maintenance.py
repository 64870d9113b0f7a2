"""Offline jobs over the stores: import JSON Lines, reprocess captures, export WARC, recheck."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, TextIO

from scrapy.exceptions import DropItem

from crawler.dates import to_utc, to_utc_iso, utc_now_iso
from pipelines.dedupe import DedupePipeline
from pipelines.extraction import Article, ArticleExtractor, NotAnArticle, text_hash
from pipelines.language import detect_language, normalise_lang
from pipelines.normalise import NormalisePipeline
from pipelines.store import StorePipeline
from pipelines.tag import TagPipeline
from pipelines.tagging import Tagger

logger = logging.getLogger(__name__)


class CounterStats:
    """The part of Scrapy's stats collector the pipelines use, for runs outside Scrapy."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def get_stats(self) -> dict[str, Any]:
        return dict(self.values)


@dataclass
class Stages:
    """normalise -> dedupe -> tag -> store, the crawl's own pipeline classes."""

    db_path: str
    tagger: Tagger
    run_name: str
    near_dup_threshold: float = 0.22
    stats: CounterStats = field(default_factory=CounterStats)

    def __post_init__(self) -> None:
        self.normalise = NormalisePipeline()
        # Offline runs may see one URL twice (an archive with two versions of a page): the
        # store keeps the older text as a version instead of the dedupe stage dropping it.
        self.dedupe = DedupePipeline(self.stats, drop_repeated_urls=False)  # type: ignore[arg-type]
        self.tag = TagPipeline(self.tagger, self.stats)  # type: ignore[arg-type]
        self.store = StorePipeline(self.db_path, 100, self.stats,  # type: ignore[arg-type]
                                   near_dup_threshold=self.near_dup_threshold,
                                   run_name=self.run_name)

    def __enter__(self) -> Stages:
        self.store.open_spider()
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self.store.close_spider()
        self.store.finish(None if exc_type is None else "failed")

    def process(self, article: Article) -> bool:
        """Run one article through the stages; False when a stage dropped it (counted)."""
        item: Any = self.normalise.process_item(article)
        try:
            for stage in (self.dedupe, self.tag, self.store):
                item = stage.process_item(item)
        except DropItem as exc:
            logger.debug("dropped: %s", exc)
            return False
        return True

    def flush(self) -> list[Any]:
        """Write what the store has queued now; return the upsert results."""
        return self.store.flush_now()

    def counts(self) -> dict[str, int]:
        return {key.rsplit("/", 1)[1]: int(value) for key, value in self.stats.values.items()
                if key.startswith("newsmon/store/")}


class ImportLineError(ValueError):
    """One line of an import file is unusable; the message names the line."""


def article_from_record(record: Any, number: int, default_source: str) -> Article:
    """Validate one import record ({url, title, text, published_at?, source?, lang?, id?})."""
    if not isinstance(record, dict):
        raise ImportLineError(f"line {number}: expected a JSON object")
    missing = [k for k in ("url", "title", "text") if not record.get(k)]
    if missing:
        raise ImportLineError(f"line {number}: missing or empty field(s) {', '.join(missing)}")
    for key in ("url", "title", "text", "published_at", "source", "lang"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise ImportLineError(f"line {number}: field {key} must be a string")
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ImportLineError(f"line {number}: field {key} holds an unpaired "
                                      f"surrogate (not valid Unicode text)") from None
            if "\x00" in value:
                raise ImportLineError(f"line {number}: field {key} holds a NUL character")
    if record.get("id") is not None and (isinstance(record["id"], bool)
                                         or not isinstance(record["id"], (str, int))):
        raise ImportLineError(f"line {number}: field id must be a string or an integer")
    url = str(record["url"]).strip()
    if not url.startswith(("http://", "https://")):
        raise ImportLineError(f"line {number}: url {url!r} is not an absolute http(s) URL")
    published = None
    if record.get("published_at"):
        published = to_utc_iso(str(record["published_at"]))
        if published is None:
            raise ImportLineError(f"line {number}: published_at {record['published_at']!r} "
                                  f"is not a date")
    text = str(record["text"])
    declared = normalise_lang(str(record["lang"])) if record.get("lang") else None
    detected = detect_language(text)
    return Article(url=url, canonical_url=url, source=str(record.get("source") or default_source),
                   title=str(record["title"]), text=text, published_at=published,
                   published_from="import" if published else None,
                   lang=detected or declared, lang_declared=declared, lang_detected=detected,
                   word_count=len(text.split()), text_hash=text_hash(text),
                   discovered_via="import", fetched_at=utc_now_iso())


def import_jsonl(lines: Iterable[bytes], stages: Stages, default_source: str = "import",
                 errors: TextIO | None = None) -> tuple[int, list[str]]:
    """Run each JSON line through the stages, one transaction per record; return (stored,
    error messages). A line is only counted as stored once its row is committed."""
    stored = 0
    problems: list[str] = []
    for number, raw in enumerate(lines, 1):
        try:
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ImportLineError(f"line {number}: not UTF-8 ({exc.reason} at byte "
                                      f"{exc.start})") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ImportLineError(f"line {number}: not JSON ({exc})") from None
            if not stages.process(article_from_record(record, number, default_source)):
                raise ImportLineError(f"line {number}: dropped by the dedupe stage")
            failed = [r for r in stages.flush() if r.outcome == "failed"]
            if failed:
                raise ImportLineError(f"line {number}: the database refused it "
                                      f"({failed[0].error})")
            stored += 1
        except ImportLineError as exc:
            problems.append(str(exc))
            if errors is not None:
                errors.write(f"{exc}\n")
    return stored, problems


def reprocess_captures(captures: Iterator[Any], stages: Stages,
                       extractor: ArticleExtractor) -> Counter[str]:
    """Re-extract and re-tag every captured article page, without the network."""
    outcome: Counter[str] = Counter()
    for capture in captures:
        if capture.status != 200:
            outcome["skipped_status"] += 1
            continue
        try:
            article = extractor.extract(capture.body, capture.url, source=capture.source or "",
                                        content_type=capture.headers.get("content-type"),
                                        status=capture.status, fetched_at=capture.fetched_at)
        except NotAnArticle as exc:
            outcome[f"dropped/{exc.reason}"] += 1
            continue
        if capture.requested_url and capture.requested_url != capture.url:
            article.aliases.append(capture.requested_url)
        outcome["reprocessed" if stages.process(article) else "dropped/same_url"] += 1
        stages.flush()          # one capture at a time: a page seen twice becomes a version
    return outcome


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


def recheck_since(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).replace(microsecond=0).isoformat()



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
