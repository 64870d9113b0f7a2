"""Read `newsmon import` JSON Lines into Articles: one record a line, each line checked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from crawler.dates import to_utc_iso, utc_now_iso
from crawler.items import Article

IMPORT_FIELDS = ("url", "title", "text", "published_at", "source", "lang", "id")


class ImportLineError(ValueError):
    """One line of an import file is unusable; the message names the line. `number` is the
    line, `url` the record's url when it has one (for the record of what was not stored)."""

    number: int = 0
    url: str | None = None


# Control characters (but tab and line breaks), as extraction drops them from crawled pages.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[^\s/:?#\[\]@]+)$")


def _valid_host(url: str) -> bool:
    """A host name or address, and a port that is a number (urlsplit accepts much more)."""
    try:
        parts = urlsplit(url)
        parts.port                         # raises ValueError for a port that is not one
    except ValueError:
        return False
    host = parts.netloc.rsplit("@", 1)[-1]
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if not parts.hostname or not _HOST.match(host):
        return False
    return "." in host or host.startswith("[") or host == "localhost"


def article_from_record(record: object, number: int, default_source: str) -> Article:
    """Validate one import record ({url, title, text, published_at?, source?, lang?, id?})."""
    if not isinstance(record, dict):
        raise ImportLineError(f"line {number}: expected a JSON object")
    missing = [k for k in ("url", "title", "text") if not record.get(k)]
    if missing:
        raise ImportLineError(f"line {number}: missing or empty field(s) {', '.join(missing)}")
    for key in ("url", "title", "text", "published_at", "source", "lang"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise ImportLineError(f"line {number}: field {key} must be a string")
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ImportLineError(f"line {number}: field {key} holds an unpaired "
                                      f"surrogate (not valid Unicode text)") from None
            if "\x00" in value:
                raise ImportLineError(f"line {number}: field {key} holds a NUL character")
    if record.get("id") is not None and (isinstance(record["id"], bool)
                                         or not isinstance(record["id"], (str, int))):
        raise ImportLineError(f"line {number}: field id must be a string or an integer")
    text = _CONTROL.sub("", str(record["text"]))
    title = _CONTROL.sub("", str(record["title"]))
    blank = [k for k, v in (("url", str(record["url"])), ("title", title), ("text", text))
             if not v.strip()]
    if blank:
        raise ImportLineError(f"line {number}: field(s) {', '.join(blank)} hold only "
                              f"whitespace or control characters")
    url = str(record["url"]).strip()
    if not url.startswith(("http://", "https://")) or not _valid_host(url):
        raise ImportLineError(f"line {number}: url {url[:200]!r} is not an absolute http(s) "
                              f"URL with a valid host")
    published = None
    if record.get("published_at"):
        published = to_utc_iso(str(record["published_at"]))
        if published is None:
            raise ImportLineError(f"line {number}: published_at {record['published_at']!r} "
                                  f"is not a date")
    source = str(record.get("source") or "").strip() or default_source
    lang = str(record.get("lang") or "").strip() or None
    return Article(url=url, canonical_url=url, source=source,
                   title=title, text=text, published_at=published,
                   published_from="import" if published else None,
                   lang_declared=lang,
                   word_count=len(text.split()), discovered_via="import",
                   fetched_at=utc_now_iso(), purpose="import")


def read_import_lines(lines: Iterable[bytes], default_source: str
                      ) -> Iterator[tuple[int, Article | ImportLineError]]:
    """(line number, Article or the error that line has) for every non-blank line."""
    for number, raw in enumerate(lines, 1):
        record: object = None
        try:
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ImportLineError(f"line {number}: not UTF-8 ({exc.reason} at byte "
                                      f"{exc.start})") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ImportLineError(f"line {number}: not JSON ({exc})") from None
            except RecursionError:
                raise ImportLineError(f"line {number}: JSON nested too deeply") from None
            try:
                article = article_from_record(record, number, default_source)
            except ImportLineError:
                raise
            except Exception as exc:         # no line may end the import
                raise ImportLineError(f"line {number}: cannot be read "
                                      f"({type(exc).__name__}: {exc})") from None
            yield number, article
        except ImportLineError as exc:
            exc.number = number
            url = record.get("url") if isinstance(record, dict) else None
            exc.url = url.strip()[:2000] if isinstance(url, str) and url.strip() else None
            yield number, exc
