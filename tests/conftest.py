"""Shared fixtures: the ../shared corpus (skipped when absent), tmp databases, the mock site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsmon.quality import SHARED_CORPUS
from tests.mockserver import MockServer

REPO = Path(__file__).resolve().parent.parent
# A test that uses one of these runs real crawls, servers or child processes: it is marked
# `slow`, so `pytest -m "not slow"` is the quick loop (modules of end-to-end tests also set
# `pytestmark = pytest.mark.slow` themselves).
SLOW_FIXTURES = frozenset({"mock_site", "demo_db", "crawled_db", "corpus"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {SHARED_CORPUS} (it lives beside the repo "
                    f"as ../shared/corpus)")
    return SHARED_CORPUS


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "test.db")


@pytest.fixture
def mock_site() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server
