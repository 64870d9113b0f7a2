"""Pipeline stage 4: topics, subtags, relevance, evidence and named things for each article."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.items import Article
from pipelines.morphology import shared_normaliser
from pipelines.offload import OffReactorStage
from pipelines.tagging import Tagger, TagResult
from pipelines.taxonomy import load_taxonomy

logger = logging.getLogger(__name__)

# Every configured source is an outlet that covers Russia: its articles start with this much
# Russian context (the text must still not be about another country's affairs).
OUTLET_CONTEXT = 1.0


def tags_for_storage(result: TagResult, version: str) -> dict[str, Any]:
    """The tag columns and rows the store writes for one article."""
    return {
        "relevant": int(result.relevant),
        "relevance_score": result.score,
        "topics": result.topics,
        "subtags": result.subtags,
        "tag_scores": {**result.topic_scores, **result.subtag_scores},
        "tag_evidence": result.evidence,
        "countries": result.countries,
        "organisations": result.organisations,
        "people": result.people,
        "tagged_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "taxonomy_version": version,
    }


class TagPipeline(OffReactorStage):
    handles = Article

    def __init__(self, tagger: Tagger, stats: StatsCollector | None = None) -> None:
        self.tagger = tagger
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TagPipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSMON_TAG_ENABLED", True):
            raise NotConfigured("NEWSMON_TAG_ENABLED is off")
        taxonomy = load_taxonomy(settings.get("NEWSMON_TAXONOMY") or None,
                                 normaliser=shared_normaliser(settings.get("NEWSMON_MORPHOLOGY", "stem")))
        return cls(Tagger(taxonomy), crawler.stats)

    def process(self, item: Any) -> Any:
        if item.tags is not None and \
                item.tags.get("taxonomy_version") == self.tagger.taxonomy.version:
            return item          # tagged by a worker of a shared crawl with this taxonomy
        result = self.tagger.tag(item.title, item.text, source_context=OUTLET_CONTEXT)
        item.tags = tags_for_storage(result, self.tagger.taxonomy.version)
        if self.stats is not None:
            self.stats.inc_value("newsmon/tag/relevant" if result.relevant
                                 else "newsmon/tag/not_relevant")
            for topic in result.topics:
                self.stats.inc_value(f"newsmon/tag/topic/{topic}")
        return item
