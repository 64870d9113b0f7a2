"""The demo's story data (stories.json as Article objects) and the text/date helpers shared by all outlets."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parents[1]          # tests/demo_site
B = "{{BASE}}"  # origin placeholder, replaced byte-wise by the demo server
MSK = timezone(timedelta(hours=3))
DEMO_NOTE_EN = "Simulated outlet for the newsmon offline demo. All stories, people and quotes are invented."
DEMO_NOTE_RU = "Имитация сайта для офлайн-демо newsmon. Все материалы, люди и цитаты вымышлены."


# --------------------------------------------------------------------------------------------
# Article data
# --------------------------------------------------------------------------------------------

@dataclass
class Article:
    key: str
    outlet: str                      # tmt | meduza | novaya | ovd
    lang: str                        # en | ru
    date: str                        # YYYY-MM-DD (Moscow time)
    time: str                        # HH:MM
    slug: str
    title: str
    authors: list[str]
    body: list[str]                  # paragraphs of plain text
    relevant: bool
    tags: list[str] = field(default_factory=list)
    subtitle: str = ""
    section: str = "news"
    kind: str = "article"            # article | gallery | paywall
    aid: int = 0                     # tmt numeric id
    modified_after: int = 4          # minutes between publication and last edit
    syndicated: bool = False
    amp: bool = False                # meduza: also serve <url>/amp
    no_charset: bool = False         # ovd: cp1251 bytes without any charset declaration
    related: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)   # gallery images

    # ---- derived -------------------------------------------------------------------------
    @property
    def published_dt(self) -> datetime:
        return datetime.fromisoformat(f"{self.date}T{self.time}:00").replace(tzinfo=MSK)

    @property
    def modified_dt(self) -> datetime:
        return self.published_dt + timedelta(minutes=self.modified_after)

    @property
    def published(self) -> str:
        return self.published_dt.isoformat()

    @property
    def modified(self) -> str:
        return self.modified_dt.isoformat()

    @property
    def path(self) -> str:
        y, m, d = self.date.split("-")
        if self.outlet == "tmt":
            return f"tmt/{y}/{m}/{d}/{self.slug}-a{self.aid}"
        if self.outlet == "meduza":
            prefix = "meduza/en/news" if self.lang == "en" else "meduza/news"
            return f"{prefix}/{y}/{m}/{d}/{self.slug}"
        if self.outlet == "novaya":
            return f"novaya/{y}/{m}/{d}/{self.slug}"
        return f"ovd/news/{y}/{m}/{d}/{self.slug}"

    @property
    def url(self) -> str:
        return f"{B}/{self.path}"

    @property
    def amp_path(self) -> str:
        return self.path + "/amp"

    @property
    def encoding(self) -> str:
        return "windows-1251" if self.outlet == "ovd" else "utf-8"

    @property
    def summary(self) -> str:
        return sentences(self.body[0])[0]



# The stories themselves (our own invented text) are data: stories.json, one object per page.
STORIES_FILE = DEMO_DIR / "stories.json"
ARTICLES: list[Article] = [Article(**entry) for entry in
                           json.loads(STORIES_FILE.read_text(encoding="utf-8"))]


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…][»\"”’)]*(?=\s+[«\"“„‘A-ZА-ЯЁ0-9])")
EN_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
             "Nov.", "Dec."]
RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря"]


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (the texts are written so that this is unambiguous)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start:m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def t(text: str) -> str:
    """Escape text content."""
    return html.escape(text, quote=False)


def a_(text: str) -> str:
    """Escape an attribute value."""
    return html.escape(text, quote=True)


def en_date(dt: datetime) -> str:
    return f"{EN_MONTHS[dt.month - 1]} {dt.day}, {dt.year}"


def ru_date(dt: datetime, with_time: bool = True) -> str:
    day = f"{dt.day} {RU_MONTHS[dt.month - 1]} {dt.year}"
    return f"{day}, {dt:%H:%M}" if with_time else day


def rfc822(dt: datetime) -> str:
    return format_datetime(dt)


def joined_names(names: list[str], conj: str) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {conj} " + names[-1]


def translit_slug(name: str) -> str:
    table = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "",
                      "e", "yu", "ya"], strict=True))
    out = "".join(table.get(c, c) for c in name.lower())
    return re.sub(r"[^a-z0-9]+", "-", out).strip("-")


# --------------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------------

def by_key(key: str) -> Article:
    return next(a for a in ARTICLES if a.key == key)


def outlet_articles(outlet: str, lang: str | None = None,
                    kinds: tuple[str, ...] = ("article",)) -> list[Article]:
    items = [a for a in ARTICLES if a.outlet == outlet and a.kind in kinds
             and (lang is None or a.lang == lang)]
    return sorted(items, key=lambda a: a.published_dt, reverse=True)
