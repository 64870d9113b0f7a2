"""The local mock server for tests: the demo snapshot on 127.0.0.1 with fault injection.

Built on newsmon.demo.server.SnapshotServer (random port, ETag/304, request log); tests add
faults (`server.fail(path, status=503, times=2)`), edit pages (`server.replace(path, body)`)
and write sources files pointing at it (`server.write_sources(tmp_path)`).
"""

from __future__ import annotations

from pathlib import Path

from newsmon.demo.server import SITE_DIR, Fault, SnapshotServer


class MockServer(SnapshotServer):
    def __init__(self, site_dir: Path = SITE_DIR) -> None:
        super().__init__(site_dir=site_dir, port=0)

    def fail(self, path: str, status: int = 500, times: int | None = None,
             delay: float = 0.0, body: bytes = b"injected fault",
             headers: dict[str, str] | None = None) -> None:
        self.faults[path.lstrip("/")] = Fault(status=status, body=body, delay=delay,
                                              times=times, headers=headers or {})

    def replace(self, path: str, body: bytes) -> None:
        self.overrides[path.lstrip("/")] = body

    def write_sources(self, directory: Path, name: str = "sources.yaml") -> Path:
        path = Path(directory) / name
        path.write_text(self.render_sources(), encoding="utf-8")
        return path

    def article_requests(self) -> list[str]:
        """Paths requested that are not robots.txt, feeds, sitemaps or listings."""
        discovery = ("robots.txt", "/rss/", "sitemap", "/news/page/", "index.html")
        return [p for p in self.requested_paths()
                if not any(d in p for d in discovery) and not p.rstrip("/").endswith("/news")]
