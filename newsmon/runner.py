"""Run Scrapy crawls of configured sources in this process and collect per-source outcomes."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Imported first, before the rest of the crawl's modules: Scrapy's TLS modules build their
# deprecated class aliases with inspect.stack() and inspect.getmodule(), which resolves the
# real path of every module loaded so far; here that is a few hundred fewer (about 45 ms
# less CPU per crawl process, measured on a no-op recrawl).
import scrapy.core.downloader.handlers.http11  # noqa: F401, I001
from scrapy import Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from twisted.internet.task import LoopingCall

from pipelines.run import run_outcome
from storage.paths import Paths

logger = logging.getLogger(__name__)


@dataclass
class SourceOutcome:
    """What one source's crawl did, read from its Scrapy stats."""

    source: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    requests: int = 0
    skipped_known: int = 0
    not_modified: int = 0
    removed: int = 0
    finish_reason: str | None = None
    run_id: int | None = None
    status: str = "running"            # as crawl_runs records it (pipelines/run.py)
    stats: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_stats(cls, source: str, stats: dict[str, Any]) -> SourceOutcome:
        get = lambda key: int(stats.get(key, 0))  # noqa: E731
        dropped: dict[str, int] = {}
        for key, value in stats.items():
            if key.startswith("newsmon/extract/dropped/"):
                dropped[key.rsplit("/", 1)[1]] = int(value)
            elif key == "newsmon/dedupe/same_url":
                dropped["same_url"] = int(value)
        errors = sum(int(v) for k, v in stats.items() if k.startswith("newsmon/errors/"))
        return cls(
            source=source, new=get("newsmon/store/new"), updated=get("newsmon/store/updated"),
            unchanged=get("newsmon/store/unchanged"), linked=get("newsmon/store/linked"),
            dropped=dropped, errors=errors, requests=get("downloader/request_count"),
            skipped_known=get("newsmon/incremental/known_article_skipped"),
            not_modified=sum(int(v) for k, v in stats.items() if k.endswith("_not_modified")),
            removed=get("newsmon/store/removed"),
            finish_reason=stats.get("finish_reason"), run_id=stats.get("newsmon/run_id"),
            status=run_outcome(str(stats["finish_reason"]), stats, None)[0]
            if stats.get("finish_reason") else "running",
            stats=dict(stats))


def crawl_settings(db_path: str, sources_path: str | None,
                   overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NEWSMON_DB", str(Paths.for_db(db_path).db), priority="cmdline")
    if sources_path:
        settings.set("NEWSMON_SOURCES", str(Path(sources_path).resolve()), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


@dataclass
class CrawlJob:
    """One crawl to run: a configured source (by id) or a spider class, with its arguments."""

    key: str
    spider: str | type[Spider]
    kwargs: dict[str, Any] = field(default_factory=dict)


class _NoNetworkTracebacks(logging.Filter):
    """On the terminal, a refused connection or a timeout is one line, not a traceback: the
    failure is recorded in crawl_runs and unstored_pages with its reason."""

    NETWORK = ("ConnectionRefused", "Timeout", "TimedOut", "DNSLookup", "CannotResolveHost",
               "ConnectionLost", "DownloadFailed", "ResponseFailed", "DataLoss", "NoRoute")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None and any(
                part in record.exc_info[0].__name__ for part in self.NETWORK):
            record.exc_info = None
            record.exc_text = None
        return True


def run_crawls(jobs: list[CrawlJob], settings: Settings,
               progress: Callable[[dict[str, SourceOutcome]], None] | None = None,
               progress_interval: float = 2.0) -> dict[str, tuple[SourceOutcome, Spider | None]]:
    """Run the crawls concurrently in one CrawlerProcess; return each one's outcome and spider
    (Twisted's reactor cannot restart, so one process runs them all)."""
    process = CrawlerProcess(settings)
    quiet = _NoNetworkTracebacks()
    # Scrapy replaces its root handler as crawlers start; filters on the loggers stay.
    for name in ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper",
                 "scrapy.core.engine", "scrapy.downloadermiddlewares.retry"):
        logging.getLogger(name).addFilter(quiet)
    crawlers: dict[str, Crawler] = {}
    for job in jobs:
        crawler = process.create_crawler(job.spider)
        crawlers[job.key] = crawler
        process.crawl(crawler, **job.kwargs)

    def snapshot() -> dict[str, SourceOutcome]:
        return {key: SourceOutcome.from_stats(key, c.stats.get_stats() if c.stats else {})
                for key, c in crawlers.items()}

    reasons: dict[str, str] = {}

    def closer(key: str) -> Callable[..., None]:
        def closed(spider: Any, reason: str) -> None:
            reasons[key] = reason
        return closed

    for key, crawler in crawlers.items():
        crawler.signals.connect(closer(key), signal=signals.spider_closed, weak=False)
    ticker = None
    if progress is not None:
        ticker = LoopingCall(lambda: progress(snapshot()))
        ticker.start(progress_interval, now=False)
    process.start(stop_after_crawl=True)
    if ticker is not None and ticker.running:
        ticker.stop()
    # Read once every crawl has ended: what other spider_closed handlers set after this
    # one's (a worker of a shared crawl that could not hand in its items) counts.
    outcomes: dict[str, SourceOutcome] = {}
    for key, crawler in crawlers.items():
        stats = dict(crawler.stats.get_stats()) if crawler.stats is not None else {}
        if key in reasons:
            stats.setdefault("finish_reason", reasons[key])
        outcomes[key] = SourceOutcome.from_stats(key, stats)
    return {key: (outcomes[key], crawlers[key].spider) for key in crawlers}


def format_outcome(outcome: SourceOutcome) -> str:
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(outcome.dropped.items())) or "none"
    return (f"{outcome.source}: {outcome.new} new, {outcome.updated} updated, "
            f"{outcome.unchanged} unchanged, {outcome.linked} linked; dropped: {dropped}; "
            f"{outcome.errors} errors; {outcome.requests} requests, "
            f"{outcome.skipped_known} stored articles skipped, "
            f"{outcome.not_modified} feeds/sitemaps not modified, {outcome.removed} removed"
            f" [{outcome.status}]")


def stderr_progress(outcomes: dict[str, SourceOutcome]) -> None:
    parts = [f"{o.source} {o.new}+{o.updated}u/{o.requests}req" for o in outcomes.values()]
    sys.stderr.write("crawling: " + "  ".join(parts) + "\n")
    sys.stderr.flush()


def crawl_in_workers(source_ids: list[str], workers: int, db_path: str,
                     sources_path: str | None, args: list[str],
                     echo: Callable[[str], None] | None = None) -> list[str]:
    """Crawl the sources in up to `workers` processes at a time, one source per process (a
    process per source keeps Twisted's one reactor per process and the source's own lock):
    the next source starts as soon as a process ends, so a large outlet does not hold back
    the others. Each process prints its source's summary line, relayed here in the order
    they end. Returns the sources whose process exited non-zero (a failed or timed-out
    crawl)."""
    import os
    import subprocess
    import time
    say = echo or (lambda line: print(line, flush=True))
    pending = list(source_ids)
    running: dict[str, subprocess.Popen[str]] = {}
    failed: list[str] = []
    base = [sys.executable, "-m", "newsmon.cli", "crawl", "--workers", "1", "--db", db_path]
    if sources_path:
        base += ["--sources", sources_path]
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_ALERTS"}
    previous = _stop_on_sigterm()
    try:
        while pending or running:
            while pending and len(running) < workers:
                source = pending.pop(0)
                # Its own session: a signal to the parent's whole group (Ctrl-C in a
                # terminal, systemd's stop) reaches a worker once, forwarded below, not
                # twice (the second cut its clean stop short: runs left `running`).
                running[source] = subprocess.Popen([*base, *args, source], env=env,
                                                   stdout=subprocess.PIPE, text=True,
                                                   start_new_session=True)
            for source, proc in list(running.items()):
                if proc.poll() is None:
                    continue
                out = proc.stdout.read() if proc.stdout else ""
                for line in out.splitlines():
                    say(line)
                if proc.returncode != 0:
                    failed.append(source)
                del running[source]
            time.sleep(0.05)
    finally:
        # Ctrl-C or SIGTERM: the workers stop their crawls cleanly (recorded interrupted).
        for proc in running.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in running.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        if previous is not None:
            import signal
            signal.signal(signal.SIGTERM, previous)
    return failed


def _stop_on_sigterm() -> Any:
    """SIGTERM stops the parent as Ctrl-C does (its default would end it at once, leaving
    its workers crawling on unsupervised): returns the handler it replaced, None off the
    main thread."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    return signal.signal(signal.SIGTERM, stop)
