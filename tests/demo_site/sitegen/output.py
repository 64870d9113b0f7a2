"""The page registry: URL path -> bytes and Content-Type, written out as the site directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HTML_UTF8 = "text/html; charset=utf-8"
HTML_CP1251 = "text/html; charset=windows-1251"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml"


def file_for(url_path: str, all_paths: dict[str, bytes]) -> str:
    """Map a URL path to a file path; paths that are also directories get an index.html."""
    if url_path == "" or url_path.endswith("/"):
        return url_path + "index.html"
    if any(p.startswith(url_path + "/") for p in all_paths):
        return url_path + "/index.html"
    return url_path


class SiteOutput:
    """The pages of the site by URL path, and the Content-Type of those that declare one."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.ctypes: dict[str, str] = {}

    def emit(self, url_path: str, content: str | bytes, ctype: str | None = None,
             encoding: str = "utf-8") -> None:
        if url_path in self.pages:
            raise ValueError(f"duplicate output {url_path}")
        data = content if isinstance(content, bytes) else content.encode(encoding)
        self.pages[url_path] = data
        if ctype:
            self.ctypes[url_path] = ctype

    def write(self, site: Path) -> dict[str, str]:
        """Write the pages and _headers.json under site (replaced); return URL path -> file path."""
        if site.exists():
            shutil.rmtree(site)
        mapping = {p: file_for(p, self.pages) for p in self.pages}
        for url_path, data in self.pages.items():
            target = site / mapping[url_path]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        headers = {}
        for url_path, ctype in sorted(self.ctypes.items()):
            if url_path:
                headers[url_path] = ctype
            if mapping[url_path] != url_path:
                headers[mapping[url_path]] = ctype
        (site / "_headers.json").write_text(json.dumps(headers, ensure_ascii=False, indent=2) + "\n",
                                            encoding="utf-8")
        return mapping
