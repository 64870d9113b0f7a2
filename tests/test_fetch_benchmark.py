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
