"""Fault suite: every way a server can misbehave -> what the crawl did, stored and recorded.

One generated outlet, one fault per article, crawled twice: the first crawl meets the faults,
the second (faults gone) must fetch and store whatever the first could not, and resolve its
records. Nothing may be stored wrong, and nothing may be lost without a record in
`unstored_pages` (URL, reason, run). `python -m pytest tests/test_faults.py -s` prints the
table the README's fault section reports.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.mockserver import MockServer
from tests.mockserver.synthetic import SyntheticOutlet
from tests.conftest import REPO
from tests.test_crawl_e2e import newsmon, rows

pytestmark = pytest.mark.slow

FAST = ("-s", "NEWSMON_RETRY_BACKOFF_BASE=0.05", "-s", "RETRY_TIMES=2",
        "-s", "DOWNLOAD_TIMEOUT=4", "-s", "NEWSMON_RETRY_BACKOFF_MAX=3",
        "-s", "DOWNLOAD_MAXSIZE=3000000")


@dataclass
class Case:
    name: str
    index: int                     # the synthetic article it breaks
    stored_first: bool             # stored (correctly) by the first crawl
    reason: str | None = None      # the unstored_pages reason the first crawl records
    behaviour: str = ""            # for the README table


CASES = [
    Case("truncated gzip body", 1, False, "truncated",
         "retried, then recorded; never stored cut short; stored next crawl"),
    Case("connection closed mid-body, no Content-Length", 2, False, "truncated",
         "recorded (the page has no end); stored next crawl"),
    Case("connection reset before answering (once)", 3, True, None, "retried and stored"),
    Case("503 every time", 4, False, "http_503", "retried with backoff, recorded"),
    Case("429 with Retry-After as an HTTP date (once)", 5, True, None,
         "waited as told, then stored"),
    Case("response hangs (30 s)", 6, False, "timeout", "timed out, recorded"),
    Case("body drips (64 bytes / 0.3 s)", 7, False, "timeout", "timed out, recorded"),
    Case("redirect to itself", 8, False, "redirect_loop", "recorded"),
    Case("redirect loop A -> B -> A", 9, False, "redirect_loop", "recorded"),
    Case("redirect chain of 7 hops", 10, False, "too_many_redirects", "recorded"),
    Case("redirect to the same host on another port", 11, False, "redirect_refused",
         "not followed, recorded"),
    Case("404", 12, False, "http_404", "recorded"),
    Case("valid UTF-8 with one stray 0xFF byte", 13, True, None,
         "stored as UTF-8 (one replacement character)"),
    Case("control characters in the page", 14, True, None, "stored, characters removed"),
    Case("header says windows-1251, bytes are UTF-8", 15, True, None, "stored as UTF-8"),
    Case("<meta> says windows-1252, bytes are UTF-8", 16, True, None, "stored as UTF-8"),
    Case("page of 6 MB", 17, False, "too_large", "dropped and recorded, extraction skipped"),
    Case("title of 2,000,000 characters", 18, False, "too_large",
         "dropped and recorded (the page is over the size limit)"),
    Case("title of 500,000 characters", 20, True, None, "stored, title cut to 1,000"),
    Case("navigation page (links only)", 19, False, "not_article",
         "dropped and recorded"),
    Case("redirect to file:///etc/passwd", 21, False, "redirect_refused",
         "not followed, recorded"),
    Case("redirect to a data: URL", 22, False, "redirect_refused", "not followed, recorded"),
    Case("response over DOWNLOAD_MAXSIZE (3 MB here)", 23, False, "too_large",
         "download cancelled, recorded"),
    Case("gzip bomb (48 KB that inflate to 50 MB)", 24, False, "too_large",
         "decompression stopped at DOWNLOAD_MAXSIZE, recorded"),
]
SERVED = 24                        # the outlet's articles (the rest are clean)


def _path(outlet: SyntheticOutlet, index: int) -> str:
    return f"{outlet.prefix}/{outlet.article(index).path}"


def _break(server: MockServer, outlet: SyntheticOutlet, other_port: int) -> None:
    p = {case.index: _path(outlet, case.index) for case in CASES}
    server.misbehave(p[1], "gzip_cut", cut=400)
    server.misbehave(p[2], "no_length", cut=900)
    server.misbehave(p[3], "reset", times=1)
    server.fail(p[4], status=503)
    # Far enough ahead that the wait is NEWSMON_RETRY_BACKOFF_MAX (3 s here), however long
    # the crawl takes to start; ignoring the date would wait 0.05 s.
    retry_at = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.fail(p[5], status=429, times=1, headers={"Retry-After": retry_at})
    server.misbehave(p[6], "normal", delay=30)
    server.misbehave(p[7], "drip", delay=0.3, chunk=64)
    base = server.base_url
    server.fail(p[8], status=302, body=b"", headers={"Location": f"{base}/{p[8]}"})
    server.fail(p[9], status=302, body=b"", headers={"Location": f"{base}/{p[9]}-b"})
    server.fail(p[9] + "-b", status=302, body=b"", headers={"Location": f"{base}/{p[9]}"})
    for hop in range(7):
        target = f"{base}/{p[10]}-hop{hop + 1}" if hop < 6 else f"{base}/{p[10]}-end"
        source = p[10] if hop == 0 else f"{p[10]}-hop{hop}"
        server.fail(source, status=302, body=b"", headers={"Location": target})
    server.fail(p[11], status=301, body=b"",
                headers={"Location": f"http://127.0.0.1:{other_port}/{p[11]}"})
    server.fail(p[12], status=404, body=b"<html><title>Not found</title></html>")
    page13 = server.respond(p[13], {}).body
    server.replace(p[13], page13.replace(b"</time></p><p>", b"</time></p><p>\xff ", 1))
    page14 = server.respond(p[14], {}).body
    server.replace(p[14], page14.replace(b"<p>", b"<p>\x08\x0b\x0c\x1b", 3))
    cyrillic = server.respond(p[15], {}).body.replace(
        b"</h1>", "</h1><p>Суд в Казани оштрафовал активиста за пикет.</p>".encode(), 1)
    server.fail(p[15], status=200, body=cyrillic,
                headers={"Content-Type": "text/html; charset=windows-1251"})
    german = server.respond(p[16], {}).body.replace(b'<meta charset="utf-8">',
                                                     b'<meta charset="windows-1252">').replace(
        b"</h1>", "</h1><p>Grüße aus Köln, schöne Straße.</p>".encode(), 1)
    server.fail(p[16], status=200, body=german,
                headers={"Content-Type": "text/html"})
    big = server.respond(p[17], {}).body.replace(
        b"</article>", b"<p>" + b"word " * 1_250_000 + b"</p></article>")
    server.replace(p[17], big)
    page18 = server.respond(p[18], {}).body
    server.replace(p[18], page18.replace(b"<h1>", b"<h1>" + b"T" * 2_000_000, 1))
    page20 = server.respond(p[20], {}).body
    server.replace(p[20], page20.replace(b"<title>", b"<title>" + b"T" * 500_000, 1))
    server.fail(p[21], status=302, body=b"", headers={"Location": "file:///etc/passwd"})
    server.fail(p[22], status=302, body=b"",
                headers={"Location": "data:text/html,<p>injected</p>"})
    huge = server.respond(p[23], {}).body.replace(b"</article>", b"<p>" + b"x" * 4_000_000
                                                    + b"</p></article>")
    server.replace(p[23], huge)
    bomb = gzip.compress(b"\0" * 50_000_000)
    server.fail(p[24], status=200, body=bomb,
                headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    nav = "".join(f'<p><a href="/section-{i}">Section {i}</a></p>' for i in range(60))
    server.replace(p[19], f"<html><head><title>Sections</title></head><body><main>{nav}"
                          f"</main></body></html>".encode())


@pytest.fixture(scope="module")
def faulted(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("faults")
    with MockServer() as server, MockServer() as other:
        outlet = server.add_outlet(SyntheticOutlet("synth", SERVED, seed=11))
        sources = server.write_sources(tmp, demo=False)
        _break(server, outlet, other.port)
        db = str(tmp / "faults.db")
        started = time.monotonic()
        first = newsmon("crawl", "--sources", str(sources), *FAST, db=db, check=False)
        first_s = time.monotonic() - started
        after_first = {r["url"]: dict(r) for r in rows(db, "SELECT * FROM articles")}
        unstored = [dict(r) for r in rows(db, "SELECT * FROM unstored_pages")]
        server.faults.clear()
        server.overrides.clear()
        second = newsmon("crawl", "--sources", str(sources), *FAST, db=db, check=False)
        yield {"server": server, "outlet": outlet, "db": db, "first": first,
               "second": second, "first_s": first_s, "after_first": after_first,
               "unstored": unstored, "other": other}


def _url(data: dict[str, Any], index: int) -> str:
    outlet: SyntheticOutlet = data["outlet"]
    return outlet.url(data["server"].base_url, outlet.article(index))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_fault_is_stored_right_or_recorded(faulted: Any, case: Case) -> None:
    url = _url(faulted, case.index)
    stored = faulted["after_first"].get(url)
    records = [u for u in faulted["unstored"] if url in (u["url"], u["final_url"])]
    if case.stored_first:
        assert stored is not None, (case.name, records)
        assert not records, records
    else:
        assert stored is None, case.name
        assert records, f"{case.name}: not stored and not recorded"
        assert case.reason in {r["reason"] for r in records}, (case.name, records)
        assert all(r["run_id"] and r["source"] == "synth" for r in records)


def test_what_was_stored_is_right(faulted: Any) -> None:
    stored = faulted["after_first"]
    stray = stored[_url(faulted, 13)]
    assert stray["encoding"] == "utf_8" and "\ufffd" in stray["text"]
    assert not any(ch in stray["text"] + stray["title"] for ch in "ÐÑÃ")   # no mojibake
    control = stored[_url(faulted, 14)]
    assert not any(ch in control["text"] for ch in "\x08\x0b\x0c\x1b")
    assert control["word_count"] > 200
    assert "Суд в Казани оштрафовал активиста" in stored[_url(faulted, 15)]["text"]
    assert "Grüße aus Köln" in stored[_url(faulted, 16)]["text"]
    assert len(stored[_url(faulted, 20)]["title"]) <= 1000
    for url, row in stored.items():
        article = faulted["outlet"].article(int(url.rsplit("-", 1)[1]))
        assert row["word_count"] >= article.words * 0.9, url     # nothing stored cut short


def test_the_second_crawl_gets_what_the_first_missed(faulted: Any) -> None:
    db = faulted["db"]
    urls = {r["url"] for r in rows(db, "SELECT url FROM articles")}
    never = {_url(faulted, c.index) for c in CASES if c.reason in ("not_article", "too_large")}
    wanted = {faulted["outlet"].url(faulted["server"].base_url, a)
              for a in faulted["outlet"].articles()} - never
    assert wanted <= urls, sorted(wanted - urls)
    open_errors = rows(db, "SELECT url, reason FROM unstored_pages WHERE kind = 'error' "
                           "AND resolved_at IS NULL")
    assert not open_errors, [dict(r) for r in open_errors]
    counts = rows(db, "SELECT count(*) AS n, count(DISTINCT url) AS u FROM articles")[0]
    assert counts["n"] == counts["u"]


def test_exit_codes_and_error_counts(faulted: Any) -> None:
    first, second = faulted["first"], faulted["second"]
    assert first.returncode == 0, first.stderr       # an outlet with lost pages still ran
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in first.stderr and "Traceback" not in first.stdout
    runs = rows(faulted["db"], "SELECT * FROM crawl_runs ORDER BY id")
    assert [r["status"] for r in runs] == ["finished", "finished"]
    errors = rows(faulted["db"], "SELECT count(*) AS n FROM unstored_pages WHERE kind = "
                                 "'error' AND run_id = ?", (runs[0]["id"],))[0]["n"]
    assert runs[0]["errors"] == errors                 # each failure counted once
    assert faulted["first_s"] < 90


def test_retry_after_date_was_honoured(faulted: Any) -> None:
    server: MockServer = faulted["server"]
    path = "/" + _path(faulted["outlet"], 5)
    times = [r.at for r in server.requests if r.path == path]
    assert len(times) == 2 and times[1] - times[0] >= 2.5, times     # the capped wait


def test_print_fault_table(faulted: Any) -> None:
    lines = ["| fault | behaviour | stored by the 1st crawl | recorded as |",
             "| --- | --- | --- | --- |"]
    for case in CASES:
        stored = _url(faulted, case.index) in faulted["after_first"]
        lines.append(f"| {case.name} | {case.behaviour} | {'yes' if stored else 'no'} | "
                     f"{case.reason or '-'} |")
    print("\n" + "\n".join(lines))
    assert len(lines) == len(CASES) + 2


# -- discovery: hostile XML, loops, an outlet that is down --------------------------------

XXE_FEED = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title>
<item><title>Item &xxe;</title><link>{BASE}/hostile/news/1</link></item>
</channel></rss>"""
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                     .encode() for i in range(1, 10))
          + b']><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;'
          + b"</loc></url></urlset>")


def _hostile_sources(base: str) -> str:
    pattern = r"^" + base.replace(".", r"\.") + r"/hostile/news/\d+$"
    return f"""defaults:
  politeness: {{download_delay: 0, concurrency_per_domain: 8, autothrottle: false}}
sources:
  - id: hostile
    name: Hostile XML
    homepage: "{base}/hostile/"
    languages: [en]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '{pattern}'
    discovery:
      feeds: ["{base}/hostile/feed.xml"]
      sitemaps: ["{base}/hostile/sitemap.xml"]
      listings:
        - url: "{base}/hostile/list/1"
          max_pages: 50
          next_page_pattern: '/hostile/list/\\d+$'
  - id: down
    name: Down
    homepage: "{base}/down/"
    languages: [en]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{base}/down/news/\\d+$'
    discovery:
      feeds: ["{base}/down/feed.xml"]
"""


def test_hostile_xml_loops_and_a_dead_outlet(tmp_path: Path) -> None:
    with MockServer() as server:
        base = server.base_url
        server.replace("hostile/feed.xml", XXE_FEED)
        server.replace("hostile/sitemap.xml", LAUGHS)
        # Section pages that point at each other: page 1 -> 2 -> 1 -> ...
        for number, other in ((1, 2), (2, 1)):
            server.replace(f"hostile/list/{number}",
                           f'<html><body><a href="/hostile/list/{other}" rel="next">next</a>'
                           f'<a href="/hostile/news/{number}">story</a></body></html>'.encode())
        server.fail("down/feed.xml", status=503)
        sources = tmp_path / "hostile.yaml"
        sources.write_text(_hostile_sources(base), encoding="utf-8")
        db = str(tmp_path / "hostile.db")
        started = time.monotonic()
        result = newsmon("crawl", "--sources", str(sources), *FAST, db=db, check=False)
        elapsed = time.monotonic() - started
        listing_requests = [p for p in server.requested_paths() if "/hostile/list/" in p]
    assert elapsed < 60
    assert result.returncode == 1, result.stdout          # `down` failed: a cron job sees it
    assert "down: " in result.stdout and "[failed]" in result.stdout
    assert "Traceback" not in result.stderr
    assert "root:" not in str(rows(db, "SELECT title FROM articles"))   # no file read
    assert len(listing_requests) == 2                     # each section page once
    runs = {r["source"]: r for r in rows(db, "SELECT * FROM crawl_runs")}
    assert runs["down"]["status"] == "failed" and runs["hostile"]["status"] == "finished"
    recorded = {(r["source"], r["stage"], r["reason"])
                for r in rows(db, "SELECT * FROM unstored_pages")}
    assert ("down", "discovery", "http_503") in recorded
    stats = json.loads(runs["hostile"]["stats"])
    assert stats["newsmon/discovery/sitemap_entries"] == 0      # entities never expanded
    assert stats["newsmon/discovery/listing_loops"] == 1
    assert stats["newsmon/discovery/feed_entries"] == 1         # the feed item, not the file


def test_extraction_does_not_stall_the_reactor(tmp_path: Path) -> None:
    """A page that takes about a second to extract: the crawl's timers and downloads keep
    running meanwhile (the CPU stages run on their own thread, pipelines/offload.py)."""
    with MockServer() as server:
        outlet = server.add_outlet(SyntheticOutlet("slow", 6, seed=3))
        path = f"slow/{outlet.article(2).path}"
        page = server.respond(path, {}).body
        paragraphs = b"".join(b"<p>" + b" ".join(b"word%d" % (i * 7 + j) for j in range(40))
                              + b".</p>" for i in range(4500))
        server.replace(path, page.replace(b"</article>", paragraphs + b"</article>"))
        sources = server.write_sources(tmp_path, demo=False)
        db = str(tmp_path / "slow.db")
        result = subprocess.run(
            [sys.executable, "-m", "newsmon.cli", "crawl", "slow", "--sources", str(sources),
             "--db", db, "-s", 'EXTENSIONS={"pipelines.run.CrawlRun": 100, "tests.reactor_probe.StallProbe": 0}'],
            cwd=REPO, capture_output=True, text=True, timeout=300,
            env={k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")})
        assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        stats = json.loads(conn.execute("SELECT stats FROM crawl_runs WHERE source = 'slow'"
                                        ).fetchone()[0])
        heavy = conn.execute("SELECT word_count FROM articles WHERE url LIKE ?",
                             [f"%{outlet.article(2).path}"]).fetchone()
    assert heavy is not None and heavy[0] > 100_000       # it was extracted, and is big
    # Relative to the crawl's own length (half of it the heavy page's extraction, about
    # half a second here): extraction on the reactor thread would stall it that long,
    # while a busy shared machine stretches both the ticks' gaps and the crawl alike.
    stall_ms, crawl_ms = stats["newsmon/probe/max_stall_ms"], stats["elapsed_time_seconds"] * 1000
    assert stall_ms < 0.25 * crawl_ms, (stall_ms, crawl_ms)   # blocked: about 0.5
