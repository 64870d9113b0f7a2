"""mypy over the package (configured in pyproject.toml) stays clean."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_mypy_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
