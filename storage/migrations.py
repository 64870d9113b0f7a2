"""The database schema as an ordered list of migrations (sqlite-utils Migrations)."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("newsmon")


@MIGRATIONS()
def m001_core_tables(db: sqlite_utils.Database) -> None:
    db.executescript("""
    CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        homepage TEXT,
        languages TEXT,              -- JSON array
        discovery TEXT,              -- JSON array: feed, sitemap, listing
        enabled INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        canonical_url TEXT NOT NULL,
        source TEXT NOT NULL,
        title TEXT,
        description TEXT,
        authors TEXT,                -- JSON array
        published_at TEXT,           -- UTC ISO-8601
        published_from TEXT,         -- evidence: jsonld, meta, feed, sitemap, url, text
        modified_at TEXT,
        modified_from TEXT,
        lang TEXT,
        lang_declared TEXT,
        lang_detected TEXT,
        section TEXT,
        keywords TEXT,               -- JSON array
        image_url TEXT,
        text TEXT NOT NULL,
        word_count INTEGER,
        text_hash TEXT NOT NULL,
        story_id INTEGER,
        duplicate_of INTEGER REFERENCES articles(id),
        discovered_via TEXT,
        encoding TEXT,
        http_status INTEGER,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        fetched_at TEXT
    );
    CREATE INDEX idx_articles_source ON articles(source);
    CREATE INDEX idx_articles_published_at ON articles(published_at);
    CREATE INDEX idx_articles_text_hash ON articles(text_hash);
    CREATE INDEX idx_articles_canonical_url ON articles(canonical_url);
    CREATE INDEX idx_articles_story_id ON articles(story_id);
    CREATE TABLE article_urls (
        url TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        kind TEXT NOT NULL,          -- url, canonical, requested, same_text
        first_seen_at TEXT NOT NULL
    );
    CREATE INDEX idx_article_urls_article ON article_urls(article_id);
    CREATE TABLE crawl_runs (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,        -- running, finished, failed
        finish_reason TEXT,
        new_articles INTEGER DEFAULT 0,
        updated_articles INTEGER DEFAULT 0,
        unchanged_articles INTEGER DEFAULT 0,
        linked_duplicates INTEGER DEFAULT 0,
        dropped INTEGER DEFAULT 0,
        errors INTEGER DEFAULT 0,
        requests INTEGER DEFAULT 0,
        article_requests_skipped INTEGER DEFAULT 0,
        stats TEXT                   -- JSON: the crawl's full Scrapy stats
    );
    CREATE INDEX idx_crawl_runs_source ON crawl_runs(source, started_at);
    CREATE TABLE http_validators (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        last_status INTEGER,
        checked_at TEXT
    );
    """)
    # FTS5 over title and text, kept in sync by triggers; Datasette finds articles_fts itself.
    db.table("articles").enable_fts(["title", "text"], fts_version="FTS5", create_triggers=True,
                              tokenize="unicode61 remove_diacritics 2")


@MIGRATIONS()
def m002_tags(db: sqlite_utils.Database) -> None:
    for column, kind in (("relevant", "INTEGER"), ("relevance_score", "REAL"),
                         ("topics", "TEXT"), ("subtags", "TEXT"), ("tag_evidence", "TEXT"),
                         ("countries", "TEXT"), ("organisations", "TEXT"), ("people", "TEXT"),
                         ("tagged_at", "TEXT"), ("taxonomy_version", "TEXT")):
        db.execute(f"ALTER TABLE articles ADD COLUMN {column} {kind}")
    db.executescript("""
    CREATE INDEX idx_articles_relevant ON articles(relevant, published_at);
    CREATE TABLE article_tags (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        tag TEXT NOT NULL,           -- a topic or a subtag
        kind TEXT NOT NULL,          -- topic, subtag
        score REAL NOT NULL,
        PRIMARY KEY (article_id, tag)
    );
    CREATE INDEX idx_article_tags_tag ON article_tags(tag, score);
    CREATE TABLE article_entities (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        kind TEXT NOT NULL,          -- country, organisation, person
        name TEXT NOT NULL,
        PRIMARY KEY (article_id, kind, name)
    );
    CREATE INDEX idx_article_entities_name ON article_entities(kind, name);
    """)
