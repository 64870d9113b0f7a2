"""The local mock server for tests: the demo snapshot on 127.0.0.1, faults, generated outlets.

Built on newsmon.demo.server.SnapshotServer (random port, ETag/304, request log); tests add
faults (`server.fail(path, status=503, times=2)`, `server.fail(path, mode="cut", cut=300)`),
edit pages (`server.replace(path, body)`), serve generated outlets
(`server.add_outlet(SyntheticOutlet("synth", 500))`) and write sources files pointing at it
(`server.write_sources(tmp_path)`).
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from newsmon.demo.server import SITE_DIR, Reply, SnapshotServer
from tests.mockserver.synthetic import SyntheticOutlet

# How a fault misbehaves on the wire, beyond its status, headers and body:
MODES = (
    "normal",       # send it as it is
    "cut",          # announce the whole body (Content-Length), send `cut` bytes, close
    "no_length",    # no Content-Length: send `cut` bytes and close (truncation looks final)
    "gzip_cut",     # gzip the body, announce Content-Encoding: gzip, send `cut` bytes of it
    "reset",        # close the connection without answering
    "drip",         # send the body `chunk` bytes every `delay` seconds
)


@dataclass
class Fault:
    """A scripted misbehaviour for one path (applied `times` times; None: always)."""

    status: int = 500
    body: bytes = b"injected fault"
    delay: float = 0.0
    times: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "normal"
    cut: int = 0
    chunk: int = 64

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r} (known: {', '.join(MODES)})")


@dataclass
class _FaultReply(Reply):
    fault: Fault | None = None


class MockServer(SnapshotServer):
    def __init__(self, site_dir: Path = SITE_DIR) -> None:
        super().__init__(site_dir=site_dir, port=0)
        self.faults: dict[str, Fault] = {}
        self.outlets: list[SyntheticOutlet] = []

    # -- configuring it -------------------------------------------------------------------

    def fail(self, path: str, status: int = 500, times: int | None = None,
             delay: float = 0.0, body: bytes = b"injected fault",
             headers: dict[str, str] | None = None, mode: str = "normal", cut: int = 0,
             chunk: int = 64) -> None:
        self.faults[path.lstrip("/")] = Fault(status=status, body=body, delay=delay,
                                              times=times, headers=headers or {}, mode=mode,
                                              cut=cut, chunk=chunk)

    def misbehave(self, path: str, mode: str, *, cut: int = 0, delay: float = 0.0,
                  chunk: int = 64, times: int | None = None) -> None:
        """Serve the path's real content, but break it on the wire (see MODES)."""
        reply = self.respond(path.lstrip("/"), {})
        self.fail(path, status=reply.status, body=reply.body,
                  headers={k: v for k, v in reply.headers.items() if k != "ETag"},
                  mode=mode, cut=cut, delay=delay, chunk=chunk, times=times)

    def replace(self, path: str, body: bytes) -> None:
        self.overrides[path.lstrip("/")] = body

    def add_outlet(self, outlet: SyntheticOutlet) -> SyntheticOutlet:
        self.outlets.append(outlet)
        return outlet

    def write_sources(self, directory: Path, name: str = "sources.yaml",
                      demo: bool = True) -> Path:
        """A sources file for the demo outlets (unless demo=False) and the generated ones."""
        text = self.render_sources() if demo else (
            "defaults:\n  politeness:\n    download_delay: 0\n    concurrency_per_domain: 8\n"
            "    autothrottle: false\nsources:\n")
        for outlet in self.outlets:
            text += outlet.source_yaml(self.base_url)
        path = Path(directory) / name
        path.write_text(text, encoding="utf-8")
        return path

    def article_requests(self) -> list[str]:
        """Paths requested that are not robots.txt, feeds, sitemaps or listings."""
        discovery = ("robots.txt", "/rss/", "sitemap", "/news/page/", "index.html", "feed.xml")
        return [p for p in self.requested_paths()
                if not any(d in p for d in discovery) and not p.rstrip("/").endswith("/news")]

    # -- answering --------------------------------------------------------------------------

    def respond(self, rel: str, request_headers: dict[str, str]) -> Reply:
        fault = self.faults.get(rel)
        if fault is not None and (fault.times is None or fault.times > 0):
            if fault.times is not None:
                fault.times -= 1
            return _FaultReply(fault.status, fault.body,
                               {"Content-Type": "text/html", **fault.headers}, fault)
        for outlet in self.outlets if rel not in self.overrides else ():
            made = outlet.respond(self.base_url, rel)
            if made is not None:
                return Reply(200, made[0], {"Content-Type": made[1]})
        return super().respond(rel, request_headers)

    def send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        try:
            self._send_fault(handler, reply)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True       # the client gave up (a timeout): expected

    def _send_fault(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        fault = reply.fault if isinstance(reply, _FaultReply) else None
        if fault is None:
            super().send(handler, reply)
            return
        if fault.delay and fault.mode != "drip":
            threading.Event().wait(fault.delay)
        if fault.mode == "reset":
            handler.close_connection = True
            try:
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                              b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            handler.connection.close()
            return
        body, headers = reply.body, dict(reply.headers)
        if fault.mode == "gzip_cut":
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        handler.send_response(reply.status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if fault.mode == "no_length":
            handler.send_header("Connection", "close")
        else:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if fault.mode in ("cut", "no_length", "gzip_cut"):
            handler.wfile.write(body[:fault.cut])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault.mode == "drip":
            for start in range(0, len(body), fault.chunk):
                handler.wfile.write(body[start:start + fault.chunk])
                handler.wfile.flush()
                time.sleep(fault.delay)
            return
        handler.wfile.write(body)
