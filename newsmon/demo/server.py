"""A small HTTP server for the demo snapshot: templated URLs, gzip, ETag/304, request log.

`newsmon demo` serves the snapshot with it; the tests' mock server (tests/mockserver/)
subclasses it to inject faults and serve generated outlets.
"""

from __future__ import annotations

import email.utils
import gzip
from datetime import date, timedelta
import hashlib
import json
import logging
import mimetypes
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).with_name("site")
SOURCES_TEMPLATE = Path(__file__).with_name("sources.yaml.tmpl")
# One fixed modification time for the whole snapshot, so Last-Modified is stable across runs.
SNAPSHOT_MTIME = email.utils.formatdate(1763726400, usegmt=True)   # 2025-11-21T12:00:00Z


# The newest day of the snapshot's news: `newsmon demo` moves every date by the days from
# then to yesterday, so the demo's news is always recent (feeds, "last 7 days", exports).
SNAPSHOT_NEWEST = date(2025, 11, 21)
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_MONTHS_RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]
_DAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_EN = "|".join(_MONTHS_EN)
_DATES = re.compile(
    r"(?<!\d)(?P<iy>20\d\d)-(?P<im>\d\d)-(?P<id>\d\d)(?!\d)"
    r"|(?<!\d)(?P<py>20\d\d)/(?P<pm>\d\d)/(?P<pd>\d\d)(?=/)"
    r"|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<rd>\d{1,2}) (?P<rm>" + _EN + r") (?P<ry>20\d\d)"
    r"|\b(?P<ud>\d{1,2}) (?P<um>" + "|".join(_MONTHS_RU) + r") (?P<uy>20\d\d)"
    r"|\b(?P<em>" + _EN + r")\. (?P<ed>\d{1,2}), (?P<ey>20\d\d)"
    r"|\b(?P<fd>\d{1,2}) (?P<fm>" + _EN + r") (?P<fy>20\d\d)"
    r"|\b(?P<dd>\d\d)\.(?P<dm>\d\d)\.(?P<dy>20\d\d)\b")


def days_to_recent(today: date | None = None) -> int:
    """The shift that makes the snapshot's newest day yesterday."""
    return ((today or date.today()) - timedelta(days=1) - SNAPSHOT_NEWEST).days


class DateShift:
    """Moves every date of the snapshot by `days`: ISO dates, /YYYY/MM/DD/ URL paths, RFC 822
    feed dates (weekday recomputed) and the pages' printed dates in Russian and English."""

    def __init__(self, days: int) -> None:
        self.days = days

    def _d(self, y: str, m: int, d: str, sign: int = 1) -> date:
        return date(int(y), m, int(d)) + timedelta(days=sign * self.days)

    def text(self, text: str) -> str:
        """Every date moved once (one pass: a moved date is not matched again)."""
        if not self.days:
            return text
        return _DATES.sub(self._one, text)

    def _one(self, m: re.Match[str]) -> str:
        g = m.groupdict()
        if g["iy"]:
            return self._d(g["iy"], int(g["im"]), g["id"]).isoformat()
        if g["py"]:
            return self._d(g["py"], int(g["pm"]), g["pd"]).strftime("%Y/%m/%d")
        if g["ry"]:
            day = self._d(g["ry"], _MONTHS_EN.index(g["rm"]) + 1, g["rd"])
            return f"{_DAYS_EN[day.weekday()]}, {day.day:02d} {_MONTHS_EN[day.month - 1]} " \
                f"{day.year}"
        if g["uy"]:
            day = self._d(g["uy"], _MONTHS_RU.index(g["um"]) + 1, g["ud"])
            return f"{day.day} {_MONTHS_RU[day.month - 1]} {day.year}"
        if g["ey"]:
            day = self._d(g["ey"], _MONTHS_EN.index(g["em"]) + 1, g["ed"])
            return f"{_MONTHS_EN[day.month - 1]}. {day.day}, {day.year}"
        if g["fy"]:
            day = self._d(g["fy"], _MONTHS_EN.index(g["fm"]) + 1, g["fd"])
            return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
        return self._d(g["dy"], int(g["dm"]), g["dd"]).strftime("%d.%m.%Y")

    def path(self, text: str, sign: int = 1) -> str:
        return re.sub(r"(?<![\d])(20\d\d)/(\d\d)/(\d\d)(?=/)",
                      lambda m: self._d(m[1], int(m[2]), m[3], sign).strftime("%Y/%m/%d"), text)



@dataclass
class Reply:
    """One response: status, body and headers (the test mock server adds ways to misbehave)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)
    client: tuple[str, int] | None = None    # the client's address: one per TCP connection


class _HTTPServer(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a crawler opening more connections than that
    # at once has the rest of its SYNs dropped, which TCP retries a second later, a stall in
    # every crawl of this server that no production web server causes.
    request_queue_size = 128


class SnapshotServer:
    """Serve a site directory on 127.0.0.1 (random port by default) in a background thread."""

    def __init__(self, site_dir: Path = SITE_DIR, host: str = "127.0.0.1", port: int = 0,
                 shift_days: int = 0) -> None:
        self.site_dir = Path(site_dir)
        self.shift = DateShift(shift_days)
        self.gone: set[str] = set()               # paths answered 404 (a takedown)
        headers_file = self.site_dir / "_headers.json"
        self.content_types: dict[str, str] = (
            json.loads(headers_file.read_text(encoding="utf-8")) if headers_file.exists() else {})
        self.requests: list[LoggedRequest] = []
        self.overrides: dict[str, bytes] = {}     # path -> replacement body (tests edit pages)
        self._lock = threading.Lock()
        self._httpd = _HTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._serving = False                     # serve_forever() runs in the caller's thread

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SnapshotServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="snapshot-server",
                                        daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._serving = True
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._serving or self._thread is not None:   # shutdown() waits for serve_forever
            self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SnapshotServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def requested_paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def render_sources(self) -> str:
        """The demo sources file with this server's address filled in."""
        text = SOURCES_TEMPLATE.read_text(encoding="utf-8")
        return text.replace("{{BASE_RE}}", re.escape(self.base_url)).replace(
            "{{BASE}}", self.base_url)

    # -- request handling ------------------------------------------------------------------

    def _body_for(self, rel: str) -> bytes | None:
        body = self._raw_body(rel)
        if body is None or not self.shift.days or rel.endswith(".gz") or \
                not self._content_type(rel).startswith(("text/", "application/xml",
                                                        "application/rss", "application/atom")):
            return body
        # The snapshot's pages are UTF-8 but for the windows-1251 outlet (some of whose pages
        # declare no charset): try both, keep the bytes' own encoding.
        for encoding in (("cp1251",) if "1251" in self._content_type(rel) else
                         ("utf-8", "cp1251")):
            try:
                return self.shift.text(body.decode(encoding)).encode(encoding)
            except UnicodeError:
                continue
        return body

    def _raw_body(self, rel: str) -> bytes | None:
        if rel in self.overrides:
            return self.overrides[rel].replace(b"{{BASE}}", self.base_url.encode("ascii"))
        path = (self.site_dir / rel).resolve()
        if self.site_dir.resolve() not in path.parents and path != self.site_dir.resolve():
            return None
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            return path.read_bytes().replace(b"{{BASE}}", self.base_url.encode("ascii"))
        if rel.endswith(".gz"):
            plain = self._body_for(rel[:-3])
            return gzip.compress(plain, mtime=0) if plain is not None else None
        return None

    def _content_type(self, rel: str) -> str:
        if rel in self.content_types:
            return self.content_types[rel]
        if rel.endswith(".gz"):
            return "application/x-gzip"
        guessed, _ = mimetypes.guess_type(rel)
        if guessed and guessed.startswith("text/"):
            return f"{guessed}; charset=utf-8"
        return guessed or "text/html; charset=utf-8"

    def respond(self, rel: str, request_headers: dict[str, str]) -> Reply:
        """The reply to GET /rel: the snapshot file (or a 404), with ETag and 304s."""
        rel = self.shift.path(rel, sign=-1)           # a shifted URL names the original file
        body = None if rel in self.gone else self._body_for(rel or "index.html")
        if body is None:
            return Reply(404, b"<html><head><title>404 Not Found</title></head><body>"
                              b"<h1>Not Found</h1></body></html>",
                         {"Content-Type": "text/html; charset=utf-8"})
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"Content-Type": self._content_type(rel), "ETag": etag,
                   "Last-Modified": SNAPSHOT_MTIME}
        if request_headers.get("If-None-Match") == etag or (
                "If-None-Match" not in request_headers
                and request_headers.get("If-Modified-Since") == SNAPSHOT_MTIME):
            return Reply(304, b"", {"ETag": etag, "Last-Modified": SNAPSHOT_MTIME})
        return Reply(200, body, headers)

    def send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        """Write the reply to the client (the mock server overrides this to misbehave)."""
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(reply.body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                logger.debug("demo server: " + format, *args)

            def do_HEAD(self) -> None:  # noqa: N802
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802
                rel = unquote(urlsplit(self.path).path).lstrip("/")
                headers = dict(self.headers.items())
                reply = server.respond(rel, headers)
                with server._lock:
                    server.requests.append(LoggedRequest(
                        self.command, self.path, headers, reply.status,
                        client=(str(self.client_address[0]), int(self.client_address[1]))))
                server.send(self, reply)

        return Handler
