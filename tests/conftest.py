"""Shared fixtures: the ../shared corpus (skipped when absent), tmp databases, the mock site."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsmon.quality import SHARED_CORPUS
from tests.mockserver import MockServer
from tests.redis_server import RedisServer

REPO = Path(__file__).resolve().parent.parent
# A test that uses one of these runs real crawls, servers or child processes: it is marked
# `slow`, so `pytest -m "not slow"` is the quick loop (modules of end-to-end tests also set
# `pytestmark = pytest.mark.slow` themselves).
SLOW_FIXTURES = frozenset({"mock_site", "demo_db", "crawled_db", "corpus", "benchmark_corpus",
                           "redis_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


CORPUS_PARTS = ("extraction-benchmark", "outlets", "feeds", "edge", "news-text", "themoscowtimes")


def _need_corpus(parts: tuple[str, ...]) -> Path:
    """Skip (or, with CI set, fail) unless these folders of ../shared/corpus are present."""
    missing = [part for part in parts if not (SHARED_CORPUS / part).is_dir()]
    if missing:
        how = ("fetch the public extraction benchmark with `python scripts/fetch_benchmark.py` "
               "(needs the internet)" if missing == ["extraction-benchmark"] else
               "put the project's shared folder beside the repository (../shared/corpus; its "
               "MANIFEST.md says where each file comes from, all public repositories), and for "
               "the extraction benchmark alone run `python scripts/fetch_benchmark.py` (online)")
        message = (f"third-party test data not found: {', '.join(missing)} under "
                   f"{SHARED_CORPUS}; {how}")
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: a gate that cannot run is a failure)")
        pytest.skip(message)
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus: third-party pages and texts that stay out of the repository.

    Without it the test is skipped with a reason saying how to get it; in CI (CI set) it
    fails instead, so CI never passes on a gate that did not run.
    """
    return _need_corpus(CORPUS_PARTS)


@pytest.fixture(scope="session")
def benchmark_corpus() -> Path:
    """Only the public 181-page extraction benchmark (scripts/fetch_benchmark.py gets it)."""
    return _need_corpus(("extraction-benchmark",))


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "test.db")


def need_redis_server() -> None:
    """Skip without redis-server, saying how to get it; fail instead when CI is set."""
    if not RedisServer.available():
        message = ("redis-server not found: install the Debian package redis-server "
                   "(`apt-get install redis-server`; .ci/run does) for the shared-crawl tests")
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def _redis_server() -> Iterator[RedisServer]:
    need_redis_server()
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(_redis_server: RedisServer) -> str:
    """A real Redis server on 127.0.0.1 (one per session), emptied for each test."""
    import redis
    with redis.Redis.from_url(_redis_server.url) as client:
        client.flushall()
    return _redis_server.url


@pytest.fixture
def mock_site() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server
