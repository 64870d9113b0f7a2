"""Scrapy settings for newsmon: polite defaults, our pipelines wired by import path."""

from __future__ import annotations

import os

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "newsmon"
SPIDER_LOADER_CLASS = "crawler.loader.SourceSpiderLoader"
SPIDER_MODULES: list[str] = []
# `scrapy crawl` exits 1 when the crawl's run failed or timed out (crawler/commands/crawl.py).
COMMANDS_MODULE = "crawler.commands"

# --- newsmon settings: one sorted block; every one is documented in README.md -------------
# Keep each fetched article's raw response (zstd) in <db>-captures.db as evidence.
NEWSMON_CAPTURE_ENABLED = True
# Contact URL or e-mail put in the User-Agent so site owners can reach us.
NEWSMON_CONTACT_URL = os.environ.get("NEWSMON_CONTACT_URL",
                                     "https://github.com/newsmon/newsmon#contact")
# Path of the SQLite database.
NEWSMON_DB = os.environ.get("NEWSMON_DB", "newsmon.db")
# trafilatura's trade-off: balanced, precision or recall.
NEWSMON_EXTRACT_FAVOR = "balanced"
# Extract body dates from the page text (htmldate) when nothing declares a date.
NEWSMON_EXTRACT_TEXT_DATES = True
# Skip stored articles and revalidate feeds with conditional GET.
NEWSMON_INCREMENTAL_ENABLED = True
# A page with more characters of markup and text than this (after inline scripts, styles
# and images are set aside) is dropped as too_large: extraction time and memory stay bounded.
NEWSMON_MAX_PAGE_CHARS = 2_000_000
# Pages with fewer words are dropped as too_short (galleries, stubs).
NEWSMON_MIN_WORDS = 25
# Morphology for tagging: stem (Snowball, default) or lemma (pymorphy3).
NEWSMON_MORPHOLOGY = "stem"
# Estimated Jaccard similarity (MinHash, word 3-shingles) from which two texts of different
# URLs are one story. Measured on tests/data/dedupe_groups.jsonl: light rewrites score 0.26+
# and own reports of one event at most 0.08.
NEWSMON_NEAR_DUP_THRESHOLD = 0.22
# A worker of a shared crawl (NEWSMON_REDIS_URL) ends when the shared queue has been empty,
# and no live worker held a request, for this many seconds.
NEWSMON_REDIS_IDLE_S = float(os.environ.get("NEWSMON_REDIS_IDLE_S", "10"))
# A shared crawl on scrapy-redis (crawler/shared.py): this Redis URL makes the crawl one
# worker of it, which stores nothing itself (`newsmon ingest` does); empty (the default):
# the crawl runs alone and stores into NEWSMON_DB.
NEWSMON_REDIS_URL = os.environ.get("NEWSMON_REDIS_URL", "")
# A worker of a shared crawl ends, its run failed, when Redis has not answered for this many
# seconds (it keeps what it crawled and its leases meanwhile, and goes on if Redis answers).
NEWSMON_REDIS_WAIT_S = float(os.environ.get("NEWSMON_REDIS_WAIT_S", "60"))
# Retries wait base * 2**(attempt-1) seconds (jittered, capped; Retry-After wins).
NEWSMON_RETRY_BACKOFF_BASE = 2.0
NEWSMON_RETRY_BACKOFF_MAX = 60.0
# A page whose fetch failed is fetched again by the next crawls, this many times in all.
NEWSMON_RETRY_UNSTORED_MAX = 5
# A key the crawl records on its crawl_runs row, so whoever started it (the scheduler) can
# find the row again.
NEWSMON_RUN_KEY = ""
# A crawl running longer than this many seconds closes itself with status timeout (0: no
# limit; `newsmon schedule` sets the source's timeout).
NEWSMON_RUN_TIMEOUT = 0
# Who started the crawl, recorded on its row: manual, schedule, run-now (recheck crawls
# record recheck).
NEWSMON_RUN_TRIGGER = ""
# Child sitemaps of an index last modified longer ago are archives and are skipped
# (a `since` spider argument overrides it).
NEWSMON_SITEMAP_MAX_AGE_DAYS = 30
# The sources file (YAML).
NEWSMON_SOURCES = os.environ.get("NEWSMON_SOURCES", "")
# Each crawl holds <db>-locks/<source>.lock, so one source is never crawled twice at once.
NEWSMON_SOURCE_LOCK_ENABLED = True
# Crawl-state backend used by the incremental middleware (import path, built from_crawler).
NEWSMON_STATE_BACKEND = "pipelines.state.CrawlState"
# After a stop signal or the time limit, a crawl still closing this many seconds later (a
# download hangs) records its run and ends its process.
NEWSMON_STOP_GRACE = 30
# Rows written per transaction.
NEWSMON_STORE_BATCH_SIZE = 100
# Write articles to SQLite (off for dry runs).
NEWSMON_STORE_ENABLED = True
# Tag articles with topics during the crawl.
NEWSMON_TAG_ENABLED = True
# The taxonomy YAML (default: pipelines/taxonomy.yaml).
NEWSMON_TAXONOMY = os.environ.get("NEWSMON_TAXONOMY", "")
# ------------------------------------------------------------------------------------------

USER_AGENT = f"newsmon/0.1 (+{NEWSMON_CONTACT_URL}; news monitoring for human-rights research)"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# What a crawl holds in memory: Scrapy lets responses into the scraper until their bodies
# add up to SCRAPER_SLOT_MAX_ACTIVE_SIZE (5 MB by default), but each response in flight
# also holds its extracted article, fingerprints and tags (tens of KB), and Scrapy starts
# CONCURRENT_ITEMS tasks per response (an article page yields one item). With these, a
# 10,000-article crawl of small pages holds about 200 responses in flight instead of 1,000.
CONCURRENT_ITEMS = 16
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 turns on an HTTP server on localhost that runs Python code sent to it (for its
# MCP server). A crawl needs no remote console, as it needs no telnet one.
REMOTE_CONTROL_ENABLED = False
REDIRECT_MAX_TIMES = 5
# Scrapy's HTTP/1.1 handler, with a connection pool that keeps its connections alive between
# requests (crawler/handlers.py: Scrapy's own closes about a third of them).
DOWNLOAD_HANDLERS = {scheme: "crawler.handlers.KeepAliveHTTP11DownloadHandler"
                     for scheme in ("http", "https")}

# The run owner: the source's lock, the crawl_runs row and the crawl's database access.
EXTENSIONS = {
    "pipelines.run.CrawlRun": 100,
}
# Scrapy imports every component its *_BASE dicts list, even one disabled with None, so the
# components newsmon never runs are taken out of the bases themselves (computed from
# Scrapy's own defaults, so an upgrade's new components stay): the remote-control server and
# the telnet console (aiohttp and Twisted's conch) and the cookies middleware
# (tldextract). About 0.1 CPU-s off every crawl process's start.
_never_loaded = {"scrapy.extensions.remote_control.RemoteControl",
          "scrapy.extensions.telnet.TelnetConsole",
          "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"}
EXTENSIONS_BASE = {k: v for k, v in _scrapy_defaults.EXTENSIONS_BASE.items()
                   if k not in _never_loaded}
DOWNLOADER_MIDDLEWARES_BASE = {k: v for k, v in
                               _scrapy_defaults.DOWNLOADER_MIDDLEWARES_BASE.items()
                               if k not in _never_loaded}

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.backoff.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.incremental.IncrementalMiddleware": 560,
    "crawler.middlewares.cap.ArticleCapMiddleware": 570,
    # Between the downloader and Scrapy's HttpCompression (590) and Redirect (600)
    # middlewares: they see the response as it came off the wire.
    "crawler.middlewares.integrity.ResponseIntegrityMiddleware": 595,
    "crawler.middlewares.integrity.RedirectPolicyMiddleware": 650,
}

SPIDER_MIDDLEWARES = {
    "pipelines.retries.RetryUnstoredMiddleware": 950,
}

# Dropped items are logged as one line with their reason, never with the whole page.
LOG_FORMATTER = "crawler.logformatter.NewsmonLogFormatter"

ITEM_PIPELINES = {
    "pipelines.capture.CapturePipeline": 50,
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.normalise.NormalisePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.tag.TagPipeline": 400,
    "pipelines.store.StorePipeline": 900,
    # The ingest of shared crawls: workers' outcomes and the articles their feeds listed.
    "pipelines.distributed.SharedCrawlRecordsPipeline": 950,
}

FEED_EXPORT_ENCODING = "utf-8"
# The CPU-bound stages update stats from their own thread (pipelines/offload.py).
STATS_CLASS = "pipelines.offload.LockedStatsCollector"
LOG_LEVEL = "INFO"
