"""Pipeline stage 5: write articles to SQLite in batches and record the crawl run."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.dates import utc_now_iso
from pipelines.extraction import Article, Removal
from storage.articles import ArticleStore, UpsertResult, mark_removed, upsert_sources
from storage.db import open_db
from storage.runs import adopt_run, close_abandoned_runs, finish_run, start_run

logger = logging.getLogger(__name__)

_OUTCOME_COUNTER = {"new": "new_articles", "updated": "updated_articles",
                    "unchanged": "unchanged_articles", "linked": "linked_duplicates"}


class StorePipeline:
    """Opens the database once per crawl, buffers rows, writes each batch in one transaction."""

    def __init__(self, db_path: str | None, batch_size: int = 100,
                 stats: StatsCollector | None = None, crawler: Crawler | None = None,
                 near_dup_threshold: float = 0.22, run_name: str = "import",
                 run_id: int | None = None) -> None:
        self.db_path = db_path
        self.batch_size = batch_size
        self.near_dup_threshold = near_dup_threshold
        self.run_name = run_name          # crawl_runs.source when not run by a spider
        self.stats = stats
        self.crawler = crawler
        self.store: ArticleStore | None = None
        self.given_run_id = run_id        # a row the scheduler opened for this crawl
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSMON_STORE_ENABLED", True):
            raise NotConfigured("NEWSMON_STORE_ENABLED is off")
        pipeline = cls(settings.get("NEWSMON_DB"), settings.getint("NEWSMON_STORE_BATCH_SIZE", 100),
                       crawler.stats, crawler,
                       settings.getfloat("NEWSMON_NEAR_DUP_THRESHOLD", 0.22),
                       run_id=settings.getint("NEWSMON_RUN_ID", 0) or None)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        db = open_db(self.db_path)
        self.store = ArticleStore(db, self.batch_size, self.near_dup_threshold)
        spider = self.crawler.spider if self.crawler is not None else None
        source = getattr(spider, "source", None)
        if source is not None:
            upsert_sources(db, [{
                "id": source.id, "name": source.name, "homepage": source.homepage,
                "languages": list(source.languages), "discovery": source.discovery_methods(),
                "enabled": int(source.enabled), "updated_at": utc_now_iso()}])
        name = getattr(spider, "name", self.run_name)
        if self.stats is not None and self.stats.get_value("newsmon/lock/acquired"):
            # This crawl holds the source's lock, so no other live crawl owns a 'running' row.
            closed = close_abandoned_runs(db, name, utc_now_iso())
            if closed:
                logger.warning("%s: closed %d run(s) left 'running' by a crawl that died",
                               name, closed)
        triggered_by = "recheck" if getattr(spider, "recheck_file", None) else None
        if self.given_run_id is not None and adopt_run(db, self.given_run_id, name, triggered_by):
            self.run_id = self.given_run_id
        else:
            if self.given_run_id is not None:
                logger.warning("crawl_runs row %s is not an open run of %s; starting a new one",
                               self.given_run_id, name)
            self.run_id = start_run(db, name, utc_now_iso(), triggered_by or "manual")
        if self.stats is not None:
            self.stats.set_value("newsmon/run_id", self.run_id)

    def process_item(self, item: Article | Removal) -> Article | Removal:
        assert self.store is not None, "open_spider() was not called"
        if isinstance(item, Removal):
            self._flush()
            marked = mark_removed(self.store.db, [item.requested_url, item.url],
                                  item.checked_at, item.reason)
            if self.stats is not None and marked is not None:
                self.stats.inc_value("newsmon/store/removed")
            return item
        fp = item.fingerprint
        self.store.add(item.as_row(), item.aliases, utc_now_iso(), item.tags,
                       fp.signature if fp else None, fp.bands if fp else None,
                       fp.shingles if fp else 0)
        if self.store.pending >= self.batch_size:
            self._flush()
        return item

    def _flush(self) -> None:
        self.flush_now()

    def flush_now(self) -> list[UpsertResult]:
        """Write the queued articles now; return what happened to each (counted in stats)."""
        assert self.store is not None
        results = self.store.flush()
        for result in results:
            self._count(result)
        return results

    def _count(self, result: UpsertResult) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newsmon/store/{result.outcome}")
            if result.outcome == "failed":
                self.stats.inc_value("newsmon/errors/store")
            if result.outcome == "new" and result.duplicate_of is not None:
                self.stats.inc_value("newsmon/store/new_linked_to_other_source")

    def close_spider(self) -> None:
        if self.store is not None:
            self._flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Runs after CoreStats has set finish_reason: record the run and close the database."""
        self.finish(reason)

    def finish(self, reason: str | None) -> None:
        """Record the run's outcome and stats in crawl_runs and close the database."""
        reason = reason or "finished"
        if self.store is None or self.run_id is None:
            return
        stats: dict[str, Any] = self.stats.get_stats() if self.stats is not None else {}
        counters = {counter: int(stats.get(f"newsmon/store/{outcome}", 0))
                    for outcome, counter in _OUTCOME_COUNTER.items()}
        counters["dropped"] = int(stats.get("newsmon/dropped", 0))
        counters["errors"] = sum(int(v) for k, v in stats.items()
                                 if k.startswith("newsmon/errors/") or k == "log_count/ERROR")
        counters["requests"] = int(stats.get("downloader/request_count", 0))
        counters["article_requests_skipped"] = int(
            stats.get("newsmon/incremental/known_article_skipped", 0))
        status = "finished" if reason == "finished" else "failed"
        error = None
        if reason == "already_running":       # crawler/extensions/sourcelock.py
            status = "skipped"
            error = f"another crawl of this source is running ({stats.get('newsmon/lock/held_by')})"
        elif reason == "shutdown":          # Ctrl-C or a stop: not the outlet's fault
            status, error = "interrupted", "interrupted (SIGINT/SIGTERM) before it finished"
        if status == "finished" and discovery_failed(stats):
            status, error = "failed", "every feed, sitemap and section page request failed"
        finish_run(self.store.db, self.run_id, finished_at=utc_now_iso(), status=status,
                   finish_reason=reason, counters=counters, stats=stats, error=error)
        self.store.db.close()
        self.store = None


def discovery_failed(stats: dict[str, Any]) -> bool:
    """True when discovery fetched nothing at all because every attempt failed (outlet down)."""
    failed = sum(int(stats.get(f"newsmon/discovery/{kind}_errors", 0))
                 + int(stats.get(f"newsmon/errors/{kind}", 0))
                 for kind in ("feed", "sitemap", "listing"))
    found = sum(int(v) for k, v in stats.items() if k.startswith("newsmon/discovery/")
                and (k.endswith(("_entries", "_links", "_not_modified"))))
    return failed > 0 and found == 0
