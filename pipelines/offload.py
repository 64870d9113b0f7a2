"""The crawl's CPU-bound stages (extract, normalise, dedupe, tag) run off the reactor thread.

Scrapy runs item pipelines on the reactor thread, so a page that takes 50 ms (or a 10 MB
page that takes a second) to extract would stall every download, timeout and signal of the
crawl meanwhile. Each of these stages hands its work to one thread per process and awaits
it: the reactor keeps serving the network while a page is extracted. One thread, not a
pool: the GIL lets one run at a time anyway (worker processes and shared crawls are how a
crawl uses more cores), and items keep their order. Scrapy's scraper slot bounds how many
items wait (SCRAPER_SLOT_MAX_ACTIVE_SIZE).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, TypeVar

from scrapy.statscollectors import MemoryStatsCollector

from pipelines.run import written

T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def cpu_thread() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-cpu")
        return _executor


async def off_reactor(fn: Callable[..., T], *args: Any) -> T:
    """Run fn(*args) on the CPU thread; its exception (a dropped item) is raised here."""
    return await written(cpu_thread().submit(fn, *args))


class OffReactorStage:
    """An item pipeline stage whose work, `process(item)`, runs on the CPU thread for items
    of the types in `handles`; other items pass by untouched."""

    handles: ClassVar[type | tuple[type, ...]]

    def process(self, item: Any) -> Any:
        raise NotImplementedError

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, self.handles):
            return item
        return await off_reactor(self.process, item)


class LockedStatsCollector(MemoryStatsCollector):
    """Scrapy's stats collector, safe to update from the CPU thread and the reactor at once
    (STATS_CLASS): an increment is a read and a write of the same key."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._update = threading.Lock()

    def inc_value(self, key: str, count: int = 1, start: int = 0,
                  spider: Any = None) -> None:
        with self._update:
            super().inc_value(key, count, start)

    def max_value(self, key: str, value: Any, spider: Any = None) -> None:
        with self._update:
            super().max_value(key, value)

    def min_value(self, key: str, value: Any, spider: Any = None) -> None:
        with self._update:
            super().min_value(key, value)

    def set_value(self, key: str, value: Any, spider: Any = None) -> None:
        with self._update:
            super().set_value(key, value)
