"""`scrapy crawl <source>` with newsmon's exit status.

Scrapy's own command exits 0 however the crawl ended (only a crawler that failed to start
exits 1). Our users run `scrapy crawl <outlet>` by hand and from their own scripts, and a run
that failed must say so: this command exits 1 when the crawl's run was recorded `failed` or
`timeout` (the run owner leaves its status in the stat `newsmon/run_status`), as `newsmon
crawl` does. Scrapy picks it up through the COMMANDS_MODULE setting.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler

from crawler.sources import SourceConfigError

FAILED_STATUSES = ("failed", "timeout")
logger = logging.getLogger(__name__)


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        process = self.crawler_process
        assert process is not None
        created: list[Crawler] = []
        create = process.create_crawler

        def remembered(spidercls: Any) -> Crawler:
            try:
                crawler = create(spidercls)
            except KeyError as exc:                # the spider loader's unknown source
                raise _UnknownSource(exc.args[0] if exc.args else str(exc)) from None
            created.append(crawler)
            return crawler

        process.create_crawler = remembered  # type: ignore[method-assign,assignment]
        try:
            super().run(args, opts)
        except (SourceConfigError, _UnknownSource) as exc:
            # A broken sources file or an unknown source: one line, not a traceback.
            logger.error("%s", exc)
            self.exitcode = 1
            return
        finally:
            process.create_crawler = create  # type: ignore[method-assign]
        if self.exitcode == 0 and any(_failed(crawler) for crawler in created):
            self.exitcode = 1


class _UnknownSource(Exception):
    """The spider loader has no such source (its KeyError, told apart from any other)."""


def _failed(crawler: Crawler) -> bool:
    stats = crawler.stats
    return stats is not None and stats.get_value("newsmon/run_status") in FAILED_STATUSES
