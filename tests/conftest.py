"""Shared fixtures: the ../shared corpus (skipped when absent), tmp databases, the mock site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsmon.quality import SHARED_CORPUS
from tests.mockserver import MockServer

REPO = Path(__file__).resolve().parent.parent


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
