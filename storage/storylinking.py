"""Story linking's side of the store: which stored articles a new one is compared with, and
joining two stories an article copies (the comparisons are pipelines/storylink.py's)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Protocol

import sqlite_utils

from storage.stories import merge_stories, refresh_story


class StoryLink(Protocol):
    article_id: int
    kind: str
    similarity: float


class Linker(Protocol):
    """The second stage of story linking (pipelines/storylink.Linker): given the new
    article's profile and candidate rows (id, title, text, lang), its links, best first."""

    def related(self, new: Any, candidates: list[dict[str, Any]]) -> list[StoryLink]:
        """Every candidate the new article is a copy of, best first."""

    @property
    def joins_stories(self) -> bool:
        """Whether a copy of two stories may join them at all."""

    def bridges(self, link: Any, joined: dict[str, Any], other: dict[str, Any]) -> bool:
        """Whether the new article's link to `other` joins its story to `joined`'s."""

    def remember(self, article_id: int, title: str | None, text: str | None,
                 lang: str | None, found: Any) -> None:
        """Keep the profile of an article just stored (it will be a candidate soon)."""


# Candidates of the second stage: articles published within this many days that share at
# least MIN_SHARED_KEYS names or numbers; the best CANDIDATES of them are compared.
KEY_WINDOW_DAYS = 3
MIN_SHARED_KEYS = 2
CANDIDATES = 8


class StoryCandidates:
    """Mixed into ArticleStore: candidate search and story joining (its db and linker)."""

    db: sqlite_utils.Database
    linker: Linker | None

    def find_story_links(self, entry: Any, day: str,
                         near: list[int] | None = None) -> list[StoryLink]:
        """Second stage: the near-duplicates MinHash found and the articles of the days
        around this one sharing names, numbers or headline words, compared by the linker
        (which also sees rewrites, teasers and translations MinHash does not)."""
        if self.linker is None or entry.profile is None:
            return []
        ids = list(near or [])
        if len(entry.story_keys) >= MIN_SHARED_KEYS:
            ids += [i for i in self._key_candidates(entry.story_keys, day) if i not in ids]
        return self._links(entry, ids)

    def _outlet_bridges(self, entry: Any, day: str, joined: int) -> list[StoryLink]:
        """An outlet's copy of its own story (MinHash found it a copy of `joined`, whose story
        holds an article of the same outlet) that also repeats another of its articles, of
        another story (a channel's full post repeating its flash and its episode page, which
        share no sentence): the links to those, for _bridge."""
        if self.linker is None or entry.profile is None or \
                len(entry.story_keys) < MIN_SHARED_KEYS or not self.linker.joins_stories:
            return []
        source = entry.row["source"]
        found = self.db.execute(
            "SELECT story_id FROM articles WHERE id = ? AND EXISTS (SELECT 1 FROM articles o "
            "WHERE o.story_id = articles.story_id AND o.source = ?)", [joined, source]
        ).fetchone()
        if found is None:
            return []
        return self._links(entry, self._key_candidates(entry.story_keys, day,
                                                       (source, found[0])))

    def _links(self, entry: Any, ids: list[int]) -> list[StoryLink]:
        if not ids or self.linker is None:
            return []
        marks = ",".join("?" * len(ids))
        rows = {r[0]: r for r in self.db.execute(
            f"SELECT id, title, text, lang FROM articles WHERE id IN ({marks})", ids)}
        return self.linker.related(entry.profile, [
            {"id": r[0], "title": r[1], "text": r[2], "lang": r[3]}
            for r in (rows.get(i) for i in ids) if r is not None])

    def _key_candidates(self, keys: list[str], day: str,
                        outlet: tuple[str, int | None] | None = None) -> list[int]:
        """Articles of the days around `day` sharing MIN_SHARED_KEYS story keys, most shared
        first; with `outlet` (source, story), only that source's articles of other stories."""
        try:
            middle = date.fromisoformat(day)
        except ValueError:
            return []
        low = (middle - timedelta(days=KEY_WINDOW_DAYS)).isoformat()
        high = (middle + timedelta(days=KEY_WINDOW_DAYS)).isoformat()
        marks = ",".join("?" * len(keys))
        grouped = (f"SELECT article_id, count(*) AS shared FROM story_keys"
                   f" WHERE key IN ({marks}) AND day BETWEEN ? AND ?"
                   f" GROUP BY article_id HAVING shared >= ?")
        if outlet is None:
            sql, args = f"{grouped} ORDER BY shared DESC LIMIT ?", [
                *keys, low, high, MIN_SHARED_KEYS, CANDIDATES]
        else:       # filtered once per candidate, after the grouping
            sql = (f"SELECT k.article_id, k.shared FROM ({grouped}) k JOIN articles a ON "
                   f"a.id = k.article_id WHERE a.source = ? AND a.story_id IS NOT ? "
                   f"ORDER BY k.shared DESC LIMIT ?")
            args = [*keys, low, high, MIN_SHARED_KEYS, *outlet, CANDIDATES]
        return [int(r[0]) for r in self.db.execute(sql, args)]

    def _bridge(self, story_id: int, new: int, joined: int, links: list[StoryLink]) -> int:
        """The new article joined `joined`'s story; a link of it to an article of another
        story joins that story too when the linker says so. The joined story's first report
        then says how it came in: `story_relation` "joined", `related_to` the new article.
        Returns the story the new article is in."""
        for link in links:
            other = self._story_of(link.article_id)
            rows = {r[0]: {"id": r[0], "title": r[1], "text": r[2], "lang": r[3]}
                    for r in self.db.execute("SELECT id, title, text, lang FROM articles "
                                             "WHERE id IN (?, ?)", [joined, link.article_id])}
            if other != story_id and len(rows) == 2 and self.linker is not None and \
                    self.linker.bridges(link, rows[joined], rows[link.article_id]):
                firsts = [r[0] for r in self.db.execute(
                    "SELECT id FROM articles WHERE story_id IN (?, ?) AND story_relation IS "
                    "NULL AND id != ?", [story_id, other, new])]
                story_id = merge_stories(self.db, story_id, other)
                refresh_story(self.db, story_id)
                if not firsts:
                    continue
                self.db.execute(
                    f"UPDATE articles SET story_relation = 'joined', related_to = ?, "
                    f"similarity = ? WHERE id IN ({','.join('?' * len(firsts))}) AND id != "
                    f"(SELECT first_article_id FROM stories WHERE id = ?)",
                    [new, round(link.similarity, 3), *firsts, story_id])
        return story_id

    def _story_of(self, article_id: int) -> int:
        story = self.db.execute("SELECT story_id FROM articles WHERE id = ?",
                                [article_id]).fetchone()
        return int(story[0]) if story and story[0] else article_id
