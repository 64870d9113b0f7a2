"""scripts/fetch_benchmark.py: fetches the public benchmark (here from a local server)."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO


def test_fetches_ground_truth_and_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "html").mkdir(parents=True)
    truth = {"a1": {"articleBody": "text one", "url": "https://x.org/1"},
             "b2": {"articleBody": "text two", "url": "https://x.org/2"}}
    (site / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    (site / "html" / "a1.html.gz").write_bytes(gzip.compress(b"<p>text one</p>"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dest = tmp_path / "bench"
        result = subprocess.run([sys.executable, str(REPO / "scripts/fetch_benchmark.py"),
                                 "--dest", str(dest), "--base-url",
                                 f"http://127.0.0.1:{server.server_port}"],
                                capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
    assert result.returncode == 1                     # b2 is missing on the server
    assert "not fetched: b2" in result.stderr and "1 of 2 pages" in result.stdout
    assert json.loads((dest / "ground-truth.json").read_text()) == truth
    assert gzip.decompress((dest / "html/a1.html.gz").read_bytes()) == b"<p>text one</p>"


def test_gates_without_the_corpus_skip_with_a_way_to_get_it_and_fail_in_ci(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import conftest
    monkeypatch.setattr(conftest, "SHARED_CORPUS", tmp_path / "corpus")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="scripts/fetch_benchmark.py"):
        conftest._need_corpus(("extraction-benchmark",))
    with pytest.raises(pytest.skip.Exception, match=r"outlets.*\.\./shared/corpus"):
        conftest._need_corpus(conftest.CORPUS_PARTS)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        conftest._need_corpus(("extraction-benchmark",))
    (tmp_path / "corpus" / "extraction-benchmark").mkdir(parents=True)
    assert conftest._need_corpus(("extraction-benchmark",)) == tmp_path / "corpus"
