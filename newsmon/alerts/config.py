"""alerts.yaml: who hears about what, how and when. Validated whole before anything is sent;
every error names the file, the subscription and the field."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import time as clock_time
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from crawler.yamlfile import load_yaml

EVENTS = ("new_article", "story_grew", "edited", "removed", "source_failing")
WEBHOOK_FORMATS = ("json", "slack")
DEFAULT_DESK_URL = "http://127.0.0.1:8001"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class AlertConfigError(ValueError):
    """alerts.yaml is wrong; the message says where."""


@dataclass(frozen=True)
class Filter:
    topics: tuple[str, ...] = ()          # any of them (topics or subtags both accepted)
    subtags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    min_score: float | None = None
    query: str | None = None              # the desk's Russian-aware search
    story_outlets: int | None = None      # only stories carried by at least N outlets
    relevant_only: bool = True


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None       # the password is read from this variable
    sender: str = "newsmon@localhost"
    timeout_s: float = 30.0
    ca_file: str | None = None            # a private CA to trust (the system's otherwise)

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class Channel:
    kind: str                             # email, webhook, telegram
    to: tuple[str, ...] = ()              # e-mail recipients
    url: str | None = None                # webhook URL or Telegram sendMessage URL
    webhook_format: str = "json"          # json (newsmon's) or slack (Slack/Mattermost)
    chat_id: str | None = None            # Telegram
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return "slack" if self.kind == "webhook" and self.webhook_format == "slack" else self.kind


@dataclass(frozen=True)
class Mode:
    kind: str                             # immediate, every, daily
    minutes: int | None = None            # every N minutes
    at: str | None = None                 # daily at HH:MM in the subscription's time zone


@dataclass(frozen=True)
class RateLimit:
    messages: int = 20
    per_minutes: int = 60


@dataclass(frozen=True)
class Subscription:
    name: str
    channel: Channel
    filter: Filter = field(default_factory=Filter)
    events: tuple[str, ...] = ("new_article",)
    mode: Mode = field(default_factory=lambda: Mode("immediate"))
    time_zone: str = "UTC"
    rate_limit: RateLimit = field(default_factory=RateLimit)
    backfill_hours: float = 24.0          # a new subscription first hears of the last day

    def config_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class AlertConfig:
    path: str
    subscriptions: tuple[Subscription, ...]
    desk_url: str = DEFAULT_DESK_URL       # where `newsmon serve` answers, for links
    smtp: Smtp | None = None
    max_attempts: int = 6
    catch_up_days: float = 7.0             # after an outage, events this old still go out

    def get(self, name: str) -> Subscription:
        for sub in self.subscriptions:
            if sub.name == name:
                return sub
        raise AlertConfigError(f"{self.path}: no subscription named {name!r} (there are: "
                               f"{', '.join(s.name for s in self.subscriptions) or 'none'})")


class _Reader:
    """Reads one mapping, remembering where it is for error messages."""

    def __init__(self, path: str, where: str, data: Any) -> None:
        self.path, self.where = path, where
        if not isinstance(data, dict):
            self.fail(f"must be a mapping, not {type(data).__name__}")
        self.data: dict[str, Any] = data

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        place = f"{self.where}.{key}" if key else self.where
        raise AlertConfigError(f"{self.path}: {place}: {message}")

    def known(self, keys: set[str]) -> None:
        for key in self.data:
            if key not in keys:
                self.fail(f"unknown field (known: {', '.join(sorted(keys))})", str(key))

    def text(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.data.get(key, default)
        if value is None:
            if required:
                self.fail("is required", key)
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(f"must be text, not {type(value).__name__}", key)
        return str(value)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail("must be a list of names", key)
        return tuple(value)

    def number(self, key: str, default: float | None, low: float, high: float) -> float | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"must be a number, not {value!r}", key)
        if not low <= value <= high:
            self.fail(f"must be between {low:g} and {high:g}, not {value!r}", key)
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"must be true or false, not {value!r}", key)
        return bool(value)


def _http_url(reader: _Reader, key: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        reader.fail(f"{url!r} is not an http(s) URL", key)
    return url


def _filter(path: str, where: str, data: Any, tags: set[str] | None) -> Filter:
    r = _Reader(path, where, data if data is not None else {})
    r.known({"topics", "subtags", "sources", "languages", "min_score", "query", "story_outlets",
             "relevant_only"})
    topics, subtags = r.texts("topics"), r.texts("subtags")
    if tags is not None:
        for key, values in (("topics", topics), ("subtags", subtags)):
            for value in values:
                if value not in tags:
                    r.fail(f"unknown topic or subtag {value!r} (known: "
                           f"{', '.join(sorted(tags))})", key)
    languages = r.texts("languages")
    for lang in languages:
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            r.fail(f"{lang!r} is not a language code such as ru or en", "languages")
    query = r.text("query")
    story = r.number("story_outlets", None, 1, 1000)
    return Filter(topics=topics, subtags=subtags, sources=r.texts("sources"),
                  languages=languages, min_score=r.number("min_score", None, -1e6, 1e6),
                  query=query.strip() if query and query.strip() else None,
                  story_outlets=int(story) if story is not None else None,
                  relevant_only=r.flag("relevant_only", True))


_VARIABLE = re.compile(r"\$\{(\w+)\}")


def _expanded(r: _Reader, field: str, value: str) -> str:
    """VALUE with ${NAME} (and $NAME, when set) replaced from the environment; an unset
    ${NAME} is an error naming it (it was sent as written: a webhook URL ending in
    ${TOKEN}). A bare $ that names nothing set stays as written (`?$format=json`)."""
    unset = [name for name in _VARIABLE.findall(value) if name not in os.environ]
    if unset:
        r.fail(f"environment variable {unset[0]} is not set", field)
    return os.path.expandvars(value)


def _channel(path: str, where: str, data: Any) -> Channel:
    r = _Reader(path, where, data)
    kinds = [k for k in ("email", "webhook", "telegram") if k in r.data]
    if len(kinds) != 1:
        r.fail("needs exactly one of email, webhook, telegram")
    r.known({"email", "webhook", "telegram", "format", "chat_id", "headers"})
    kind = kinds[0]
    if kind == "email":
        to = r.texts("email")
        for address in to:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
                r.fail(f"{address!r} is not an e-mail address", "email")
        return Channel("email", to=to)
    url = r.text(kind, required=True)
    assert url is not None
    _http_url(r, kind, url)
    headers_data = r.data.get("headers") or {}
    if not isinstance(headers_data, dict):
        r.fail("must be a mapping of header: value", "headers")
    headers = tuple((str(k), _expanded(r, f"headers.{k}", str(v)))
                    for k, v in headers_data.items())
    if kind == "telegram":
        if not re.search(r"/bot[^/]+/sendMessage$", urlsplit(url).path):
            r.fail("must be a Telegram Bot API sendMessage URL "
                   "(https://api.telegram.org/bot<token>/sendMessage)", "telegram")
        chat = r.text("chat_id", required=True)
        return Channel("telegram", url=_expanded(r, kind, url), chat_id=chat, headers=headers)
    fmt = r.text("format", "json")
    if fmt not in WEBHOOK_FORMATS:
        r.fail(f"must be one of {', '.join(WEBHOOK_FORMATS)}, not {fmt!r}", "format")
    return Channel("webhook", url=_expanded(r, kind, url), webhook_format=str(fmt),
                   headers=headers)


def _mode(r: _Reader) -> Mode:
    value = r.data.get("mode", "immediate")
    if value == "immediate":
        return Mode("immediate")
    if isinstance(value, dict):
        m = _Reader(r.path, f"{r.where}.mode", value)
        m.known({"every_minutes", "daily_at"})
        if len(value) != 1:
            m.fail("needs exactly one of every_minutes, daily_at")
        if "every_minutes" in value:
            minutes = m.number("every_minutes", None, 1, 7 * 24 * 60)
            assert minutes is not None
            if minutes != int(minutes):
                m.fail("must be a whole number of minutes", "every_minutes")
            return Mode("every", minutes=int(minutes))
        if isinstance(m.data.get("daily_at"), int):      # YAML reads 18:30 as 1110
            m.fail("write the time in quotes, like '18:30' (unquoted, YAML reads it as a "
                   "number of minutes)", "daily_at")
        at = m.text("daily_at", required=True)
        assert at is not None
        try:
            # fromisoformat alone also takes T08:00 and 0800, which were then cut short.
            if not re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", at):
                raise ValueError(at)
            clock_time.fromisoformat(at)
        except ValueError:
            m.fail(f"{at!r} is not a time of day like 08:30 (HH:MM; the subscription's "
                   f"time_zone sets the zone)", "daily_at")
        return Mode("daily", at=at[:5])
    r.fail(f"must be immediate, {{every_minutes: N}} or {{daily_at: 'HH:MM'}}, not {value!r}",
           "mode")


def _subscription(path: str, index: int, data: Any, tags: set[str] | None) -> Subscription:
    name = data.get("name") if isinstance(data, dict) else None
    where = f"subscriptions[{index}]" + (f" ({name})" if isinstance(name, str) else "")
    r = _Reader(path, where, data)
    r.known({"name", "filter", "events", "channel", "mode", "time_zone", "rate_limit",
             "backfill_hours"})
    name = r.text("name", required=True)
    assert name is not None
    if not _NAME.match(name):
        r.fail(f"{name!r}: use lower-case letters, digits, '-', '_' or '.'", "name")
    events = r.texts("events") or ("new_article",)
    for event in events:
        if event not in EVENTS:
            r.fail(f"unknown event {event!r} (known: {', '.join(EVENTS)})", "events")
    if "channel" not in r.data:
        r.fail("is required", "channel")
    zone = r.text("time_zone", "UTC") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        r.fail(f"unknown time zone {zone!r} (use a name such as Europe/Moscow)", "time_zone")
    rate = RateLimit()
    if "rate_limit" in r.data:
        rl = _Reader(path, f"{where}.rate_limit", r.data["rate_limit"])
        rl.known({"messages", "per_minutes"})
        rate = RateLimit(int(rl.number("messages", 20, 1, 10_000) or 20),
                         int(rl.number("per_minutes", 60, 1, 7 * 24 * 60) or 60))
    return Subscription(
        name=name, channel=_channel(path, f"{where}.channel", r.data["channel"]),
        filter=_filter(path, f"{where}.filter", r.data.get("filter"), tags),
        events=tuple(dict.fromkeys(events)), mode=_mode(r), time_zone=zone, rate_limit=rate,
        backfill_hours=float(r.number("backfill_hours", 24.0, 0, 24 * 365) or 0.0))


def _smtp(path: str, data: Any) -> Smtp:
    r = _Reader(path, "smtp", data)
    r.known({"host", "port", "starttls", "ssl", "username", "password_env", "from", "timeout",
             "ca_file"})
    host = r.text("host", required=True)
    assert host is not None
    ssl = r.flag("ssl", False)
    port = r.number("port", 465 if ssl else 587, 1, 65535)
    password_env = r.text("password_env")
    if r.text("username") and not password_env:
        r.fail("a username needs password_env: the variable that holds the password (never "
               "the password itself in the file)", "password_env")
    return Smtp(host=host, port=int(port or 587), starttls=r.flag("starttls", not ssl), ssl=ssl,
                username=r.text("username"), password_env=password_env,
                sender=r.text("from", "newsmon@localhost") or "newsmon@localhost",
                timeout_s=float(r.number("timeout", 30, 1, 600) or 30),
                ca_file=_ca_file(r))


def _ca_file(r: _Reader) -> str | None:
    value = r.text("ca_file")
    if value is None:
        return None
    path = Path(value) if Path(value).is_absolute() else Path(r.path).parent / value
    if not path.is_file():
        r.fail(f"no such file: {path}", "ca_file")
    return str(path)


def parse_config(text: str, path: str, tags: set[str] | None = None) -> AlertConfig:
    """The configuration in TEXT (read from PATH); `tags`, when given, are the topics and
    subtags a filter may name."""
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        raise AlertConfigError(f"{path}: not valid YAML: {exc}") from None
    top = _Reader(path, "top level", doc if doc is not None else {})
    top.known({"subscriptions", "desk_url", "smtp", "max_attempts", "catch_up_days"})
    subs_data = top.data.get("subscriptions")
    if not isinstance(subs_data, list) or not subs_data:
        top.fail("needs a non-empty list", "subscriptions")
    subs = tuple(_subscription(path, i, d, tags) for i, d in enumerate(subs_data))
    seen: set[str] = set()
    for i, sub in enumerate(subs):
        if sub.name in seen:
            raise AlertConfigError(f"{path}: subscriptions[{i}] ({sub.name}).name: used twice")
        seen.add(sub.name)
    smtp = _smtp(path, top.data["smtp"]) if top.data.get("smtp") is not None else None
    for i, sub in enumerate(subs):
        if sub.channel.kind == "email" and smtp is None:
            raise AlertConfigError(f"{path}: subscriptions[{i}] ({sub.name}).channel.email: "
                                   f"e-mail needs an smtp: section (host, port, ...)")
    desk = top.text("desk_url", DEFAULT_DESK_URL) or DEFAULT_DESK_URL
    _http_url(top, "desk_url", desk)
    attempts = top.number("max_attempts", 6, 1, 50)
    catch_up = top.number("catch_up_days", 7, 0.01, 365)
    return AlertConfig(path=path, subscriptions=subs, desk_url=desk.rstrip("/"), smtp=smtp,
                       max_attempts=int(attempts or 6), catch_up_days=float(catch_up or 7))


def load_config(path: str | Path, tags: set[str] | None = None) -> AlertConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise AlertConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise AlertConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte "
                               f"{exc.start})") from None
    return parse_config(text, str(path), tags)


def load_checked(path: str | Path) -> AlertConfig:
    """The alerts file checked whole, as every command and the scheduler read it: topics and
    subtags against the taxonomy, each query against the search syntax."""
    from newsmon.web.search import NOTHING, fts_query
    from pipelines.taxonomy import load_taxonomy
    taxonomy = load_taxonomy()
    config = load_config(path, set(taxonomy.topics) | set(taxonomy.subtags))
    for index, sub in enumerate(config.subscriptions):
        if sub.filter.query and fts_query(sub.filter.query) == NOTHING:
            raise AlertConfigError(f"{path}: subscriptions[{index}] ({sub.name}).filter.query:"
                                   f" {sub.filter.query!r} has no words to search for")
    return config
