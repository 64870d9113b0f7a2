"""A test extension: how long the crawl's reactor went without running a 10 ms timer.

Enabled with -s EXTENSIONS='{"tests.reactor_probe.StallProbe": 0}'; the longest gap lands in
the crawl's stats as newsmon/probe/max_stall_ms (crawl_runs.stats).
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet.task import LoopingCall


class StallProbe:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.last = 0.0
        self.worst = 0.0
        self.loop = LoopingCall(self.tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StallProbe:
        probe = cls(crawler)
        crawler.signals.connect(probe.opened, signal=signals.spider_opened)
        # Before the run owner records the stats (its handler is connected earlier).
        crawler.signals.connect(probe.closing, signal=signals.spider_idle)
        return probe

    def opened(self, spider: Any) -> None:
        self.last = time.monotonic()
        self.loop.start(0.01, now=False)

    def tick(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self.last)
        self.last = now
        assert self.crawler.stats is not None
        self.crawler.stats.max_value("newsmon/probe/max_stall_ms", int(self.worst * 1000))

    def closing(self, spider: Any) -> None:
        self.tick()
