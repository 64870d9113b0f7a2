"""Pipeline stage 3: fingerprint the text and drop a URL already passed on in this run.

The fingerprints are an exact hash and a MinHash signature with LSH buckets. Across runs
(and processes) the store links them in SQLite (storage/articles.py, storage/neardup.py):
a second URL of one outlet's text becomes an alias of the first; the same text, or a copy
or light rewrite, on another outlet is stored as its own article in the same story. The
story linker's profile and keys (pipelines/storylink.py) let the store find rewrites,
teasers and translations too.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import Article, Dropped
from crawler.signals import flush_requested
from pipelines.fingerprint import Fingerprint, fingerprint, text_hash
from pipelines.morphology import Normaliser, shared_normaliser
from pipelines.offload import OffReactorStage
from pipelines.storylink import PROFILE_CHARS, story_keys
from pipelines.storyprofile import PROFILE_VERSION, Profile, profile, source_hash

SEARCH_CHARS = 200_000       # the search index holds at most this much of a text


class DedupePipeline(OffReactorStage):
    """Fingerprints every article; a crawl passes each URL on once.

    Imports and reprocessing may meet one URL twice on purpose (two versions of a page in an
    archive): those reach the store, which keeps the older text as a version.
    """
    handles = Article

    def __init__(self, stats: StatsCollector | None = None,
                 stemmer: Normaliser | None = None) -> None:
        self.stats = stats
        self._urls: set[str] = set()
        # The search index's stems (Snowball whatever the tagger's morphology), from the
        # process's shared normaliser unless one is given.
        self.stemmer = stemmer or shared_normaliser("stem")
        if self.stemmer.backend != "stem":
            raise ValueError("the search index stores Snowball stems: give a 'stem' normaliser")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        pipeline = cls(crawler.stats)
        crawler.signals.connect(pipeline.forget_urls, signal=flush_requested)
        return pipeline

    def forget_urls(self) -> None:
        """What was passed on is stored now (the ingest of shared crawls, which runs for
        many crawls, asked): a URL that comes again is the store's to judge (unchanged or
        edited), not a repeat within one crawl."""
        self._urls.clear()

    def process(self, item: Any) -> Any:
        if isinstance(item.story_profile, dict) and (
                item.story_profile.get("version") != PROFILE_VERSION
                or "titled" not in item.story_profile):
            # From a worker of another version (profiles made another way; before version 2,
            # none said it): everything is made again here from the text it sent, so it
            # compares as this version's profiles do.
            item.story_profile = None
        if isinstance(item.story_profile, dict):
            # Computed by a worker of a shared crawl, sent in wire form (crawler/shared.py).
            item.story_profile = Profile.from_wire(item.story_profile)
            # ... from the title, text and language stored as they came (the ingest does not
            # normalise a worker's article again): the linker may keep it.
            item.story_profile.built_from = source_hash(item.title, item.text[:PROFILE_CHARS],
                                                        item.lang)
            if isinstance(item.fingerprint, dict):
                item.fingerprint = Fingerprint.from_wire(item.fingerprint)
            item.search_stems = tuple(item.search_stems or ("", ""))  # type: ignore[assignment]
        else:
            item.text_hash = text_hash(item.text)
            item.fingerprint = fingerprint(item.text)
            item.story_profile = profile(item.title, item.text[:PROFILE_CHARS], item.lang)
            item.story_keys = story_keys(item.story_profile)
            item.search_stems = (self.stemmer.stem_text(item.title or ""),
                                 self.stemmer.stem_text(item.text[:SEARCH_CHARS]))
        if item.purpose == "crawl" and item.url in self._urls:
            if self.stats is not None:
                self.stats.inc_value("newsmon/dedupe/same_url")
                self.stats.inc_value("newsmon/dropped")
            raise Dropped("same_url", f"same_url: {item.url} already passed in this run",
                          stage="dedupe", record=False, log_level="DEBUG")
        self._urls.add(item.url)
        return item
