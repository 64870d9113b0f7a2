"""The installed package is complete: `newsmon demo` runs from a wheel, without this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_demo_runs_from_a_wheel_and_ships_no_generator(tmp_path: Path) -> None:
    # Build from a copy of the files git tracks, so nothing is written into the checkout.
    source = tmp_path / "source"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True)
    for name in listed.stdout.splitlines():
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("newsmon-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(archive.read(n).decode() for n in names
                            if n.endswith("entry_points.txt"))
        archive.extractall(tmp_path / "installed")
    assert not [n for n in names if "sitegen" in n or n.startswith("tests/")
                or n.endswith(("stories.json", "build_site.py"))]
    assert "newsmon/demo/site/tmt/rss/news" in names and "storage/metadata.yml" in names
    assert "[datasette]\nnewsmon = newsmon.web.plugin" in entry_points

    env = {**os.environ, "PYTHONPATH": str(tmp_path / "installed"),
           "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    env.pop("NEWSMON_DB", None)
    where = subprocess.run([sys.executable, "-c", "import newsmon; print(newsmon.__file__)"],
                           env=env, cwd=tmp_path, capture_output=True, text=True)
    assert where.stdout.startswith(str(tmp_path / "installed")), where.stdout
    demo = subprocess.run([sys.executable, "-c", "from newsmon.cli import main; main()",
                           "demo", "--port", "0", "--db", str(tmp_path / "demo.db")],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "35 articles in 34 stories from 4 sources" in demo.stdout
