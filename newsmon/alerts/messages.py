"""What an alert says: one item per story or event (copies of one story grouped, the first
report first), each with its links and why it matched; rendered as plain text, HTML, JSON,
a Slack/Mattermost payload or a Telegram message."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EVENT_HEADINGS = {
    "new_article": "New story",
    "story_grew": "Story spreading",
    "edited": "Edited after publication",
    "removed": "Taken down",
    "source_failing": "Source failing",
}
TELEGRAM_LIMIT = 4096


@dataclass
class Item:
    """One thing the message is about."""

    event: str
    title: str
    desk_link: str | None = None          # the newsmon article page
    original: str | None = None           # the outlet's page
    source: str | None = None
    published: str | None = None
    lang: str | None = None
    topics: list[str] = field(default_factory=list)
    subtags: list[str] = field(default_factory=list)
    why: str | None = None                # the evidence snippet that counted most
    copies: list[dict[str, Any]] = field(default_factory=list)   # other outlets' copies
    note: str | None = None               # edited: what changed; removed: why; failing: error
    outbox_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"event": self.event, "title": self.title, "newsmon_url": self.desk_link,
                "original_url": self.original, "source": self.source,
                "published_at": self.published, "lang": self.lang, "topics": self.topics,
                "subtags": self.subtags, "why": self.why, "note": self.note,
                "copies": self.copies}


@dataclass
class Message:
    subscription: str
    subject: str
    items: list[Item]
    overflow: int = 0                     # rows a summary stands for
    overflow_link: str | None = None
    delivery_key: str = ""                # stable id receivers can deduplicate on

    def text(self) -> str:
        lines = [self.subject, ""]
        for item in self.items:
            lines += _item_text(item) + [""]
        if self.overflow:
            lines.append(f"… and {self.overflow} more matching item(s), not sent one by one "
                         f"(rate limit).")
            if self.overflow_link:
                lines.append(f"See them all: {self.overflow_link}")
            lines.append("")
        lines.append(f"— newsmon alert “{self.subscription}”")
        return "\n".join(lines)

    def html(self) -> str:
        parts = [f"<h2>{html.escape(self.subject)}</h2>"]
        for item in self.items:
            parts.append(_item_html(item))
        if self.overflow:
            link = (f' <a href="{html.escape(self.overflow_link)}">See them all</a>.'
                    if self.overflow_link else "")
            parts.append(f"<p><strong>… and {self.overflow} more matching item(s)</strong>, "
                         f"not sent one by one (rate limit).{link}</p>")
        parts.append(f"<p style=\"color:#777\">newsmon alert “{html.escape(self.subscription)}”"
                     f"</p>")
        return "<!DOCTYPE html><html><body>" + "\n".join(parts) + "</body></html>"

    def as_json(self) -> dict[str, Any]:
        return {"subscription": self.subscription, "subject": self.subject,
                "delivery_key": self.delivery_key, "items": [i.as_json() for i in self.items],
                "overflow": self.overflow, "overflow_url": self.overflow_link}

    def slack(self) -> dict[str, Any]:
        """Slack and Mattermost incoming webhooks: `text` in their Markdown (mrkdwn)."""
        lines = [f"*{_slack_escape(self.subject)}*"]
        for item in self.items:
            lines.append(_item_slack(item))
        if self.overflow:
            more = f"… and {self.overflow} more matching item(s) (rate limit)"
            lines.append(f"<{self.overflow_link}|{more}>" if self.overflow_link else more)
        return {"text": "\n\n".join(lines), "username": "newsmon"}

    def telegram(self, chat_id: str) -> dict[str, Any]:
        """Bot API sendMessage with parse_mode HTML (Telegram's small HTML subset), cut to
        Telegram's 4,096 characters at an item boundary."""
        head = f"<b>{html.escape(self.subject)}</b>"
        tail = (f"\n\n… and {self.overflow} more matching item(s) (rate limit)"
                + (f': <a href="{html.escape(self.overflow_link)}">all</a>'
                   if self.overflow_link else "")) if self.overflow else ""
        body = head
        for index, item in enumerate(self.items):
            piece = "\n\n" + _item_telegram(item)
            if len(body) + len(piece) + len(tail) > TELEGRAM_LIMIT - 60:
                rest = len(self.items) - index
                body += f"\n\n… and {rest} more item(s) in this alert"
                break
            body += piece
        return {"chat_id": chat_id, "text": (body + tail)[:TELEGRAM_LIMIT], "parse_mode": "HTML",
                "disable_web_page_preview": True}


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).strftime("%-d %b %Y %H:%M UTC")
    except ValueError:
        return value


def _meta(item: Item) -> str:
    bits = [b for b in (item.source, _when(item.published), item.lang) if b]
    return " · ".join(bits)


def _tags(item: Item) -> str:
    tags = item.topics + [t.replace("_", " ") for t in item.subtags]
    return ", ".join(tags)


def _item_text(item: Item) -> list[str]:
    lines = [f"[{EVENT_HEADINGS.get(item.event, item.event)}] {item.title}"]
    if _meta(item):
        lines.append(f"  {_meta(item)}")
    if _tags(item):
        lines.append(f"  Topics: {_tags(item)}")
    if item.why:
        lines.append(f"  Why: {item.why}")
    if item.note:
        lines.append(f"  {item.note}")
    if item.desk_link:
        lines.append(f"  In newsmon: {item.desk_link}")
    if item.original:
        lines.append(f"  Original: {item.original}")
    if item.copies:
        lines.append(f"  Also carried by {len(item.copies)} other copy(ies):")
        lines += [f"    - {c['source']}: {c['title']} ({c['relation']}) {c['url']}"
                  for c in item.copies]
    return lines


def _item_html(item: Item) -> str:
    e = html.escape
    title = (f'<a href="{e(item.desk_link)}">{e(item.title)}</a>' if item.desk_link
             else e(item.title))
    parts = [f"<h3>{e(EVENT_HEADINGS.get(item.event, item.event))}: {title}</h3>"]
    if _meta(item):
        parts.append(f"<p>{e(_meta(item))}</p>")
    if _tags(item):
        parts.append(f"<p>Topics: {e(_tags(item))}</p>")
    if item.why:
        parts.append(f"<p>Why: <em>{e(item.why)}</em></p>")
    if item.note:
        parts.append(f"<p>{e(item.note)}</p>")
    links = []
    if item.desk_link:
        links.append(f'<a href="{e(item.desk_link)}">open in newsmon</a>')
    if item.original:
        links.append(f'<a href="{e(item.original)}">original</a>')
    if links:
        parts.append("<p>" + " · ".join(links) + "</p>")
    if item.copies:
        parts.append("<p>Also carried by:</p><ul>" + "".join(
            f'<li>{e(c["source"])}: <a href="{e(c["url"])}">{e(c["title"])}</a> '
            f'({e(c["relation"])})</li>' for c in item.copies) + "</ul>")
    return "\n".join(parts)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class _Markup:
    """How a chat format writes text, bold, italics and links."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    link: Callable[[str, str], str]          # (url, already escaped text)


_SLACK = _Markup(_slack_escape, lambda t: f"*{t}*", lambda t: f"_{t}_",
                 lambda url, text: f"<{url}|{text}>")
_TELEGRAM = _Markup(html.escape, lambda t: f"<b>{t}</b>", lambda t: f"<i>{t}</i>",
                    lambda url, text: f'<a href="{html.escape(url)}">{text}</a>')


def _item_chat(item: Item, m: _Markup, why_limit: int | None = None) -> str:
    """One item in a chat format (Slack/Mattermost markup or Telegram's HTML)."""
    e = m.escape
    title = m.link(item.desk_link, e(item.title)) if item.desk_link else e(item.title)
    lines = [f"{m.bold(e(EVENT_HEADINGS.get(item.event, item.event)))}: {title}"]
    if _meta(item):
        lines.append(e(_meta(item)))
    if _tags(item):
        lines.append(f"Topics: {e(_tags(item))}")
    if item.why:
        lines.append(f"Why: {m.italic(e(item.why[:why_limit]))}")
    if item.note:
        lines.append(e(item.note))
    if item.original:
        lines.append(m.link(item.original, "original"))
    if item.copies:
        lines.append("Also: " + ", ".join(m.link(c["url"], e(c["source"])) for c in item.copies))
    return "\n".join(lines)


def _item_slack(item: Item) -> str:
    return _item_chat(item, _SLACK)


def _item_telegram(item: Item) -> str:
    return _item_chat(item, _TELEGRAM, why_limit=300)


def strongest_evidence(evidence_json: str | None) -> str | None:
    """The snippet of the evidence that counted most (title before lead before body)."""
    try:
        evidence = json.loads(evidence_json or "[]")
    except ValueError:
        return None
    counted = [e for e in evidence if isinstance(e, dict) and e.get("counted", True)
               and e.get("snippet")]
    if not counted:
        return None
    best = max(counted, key=lambda e: (float(e.get("weight") or 0),
                                       e.get("strength") == "strong"))
    return f"{best.get('matched') or best.get('term')}: {best['snippet']}"
