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


@MIGRATIONS()
def m003_stories_versions_neardup(db: sqlite_utils.Database) -> None:
    for column, kind in (("near_duplicate_of", "INTEGER"), ("similarity", "REAL"),
                         ("edited_at", "TEXT"), ("edit_count", "INTEGER DEFAULT 0"),
                         ("removed_at", "TEXT"), ("removed_reason", "TEXT"),
                         ("checked_at", "TEXT")):
        db.execute(f"ALTER TABLE articles ADD COLUMN {column} {kind}")
    db.executescript("""
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,          -- = articles.story_id
        title TEXT,
        first_article_id INTEGER REFERENCES articles(id),
        first_source TEXT,
        first_published_at TEXT,
        last_published_at TEXT,
        article_count INTEGER NOT NULL,
        outlet_count INTEGER NOT NULL,
        outlets TEXT,                    -- JSON array of source ids, first reporter first
        updated_at TEXT
    );
    CREATE INDEX idx_stories_first_published ON stories(first_published_at);
    CREATE INDEX idx_stories_outlet_count ON stories(outlet_count);
    CREATE TABLE article_fingerprints (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        signature BLOB NOT NULL,         -- 128 MinHash values, uint32 little-endian
        shingles INTEGER NOT NULL
    );
    CREATE TABLE lsh_buckets (
        bucket INTEGER NOT NULL,         -- hash of (band number, band values)
        article_id INTEGER NOT NULL REFERENCES articles(id)
    );
    CREATE INDEX idx_lsh_buckets_bucket ON lsh_buckets(bucket);
    CREATE INDEX idx_lsh_buckets_article ON lsh_buckets(article_id);
    CREATE TABLE article_versions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        fetched_at TEXT,                 -- when this (older) text was fetched
        replaced_at TEXT NOT NULL,       -- when a newer text replaced it
        text_hash TEXT NOT NULL,
        title TEXT,
        text TEXT NOT NULL,
        diff_summary TEXT
    );
    CREATE INDEX idx_article_versions_article ON article_versions(article_id);
    CREATE INDEX idx_articles_removed ON articles(removed_at);
    CREATE INDEX idx_articles_edited ON articles(edited_at);
    """)
    # Stories for the articles stored before this migration.
    db.execute("""
    INSERT INTO stories (id, title, first_article_id, first_source, first_published_at,
                         last_published_at, article_count, outlet_count, outlets, updated_at)
    SELECT story_id, NULL, min(id), NULL, min(published_at), max(published_at), count(*),
           count(DISTINCT source), json_group_array(DISTINCT source), datetime('now')
    FROM articles WHERE story_id IS NOT NULL GROUP BY story_id
    """)
    db.execute("""
    UPDATE stories SET
        title = (SELECT title FROM articles WHERE id = stories.first_article_id),
        first_source = (SELECT source FROM articles WHERE id = stories.first_article_id)
    """)


@MIGRATIONS()
def m004_lsh_buckets_clustered(db: sqlite_utils.Database) -> None:
    # One clustered B-tree keyed (bucket, article_id) instead of a rowid table and two
    # indexes: each new article adds 32 random-position rows, and one tree to touch instead
    # of three keeps that cost flat as the index grows. Buckets of an edited article's old
    # text are left in place: a stale bucket only yields a candidate that the signature
    # comparison then rejects.
    db.executescript("""
    CREATE TABLE lsh_buckets_new (
        bucket INTEGER NOT NULL,
        article_id INTEGER NOT NULL,
        PRIMARY KEY (bucket, article_id)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO lsh_buckets_new (bucket, article_id)
        SELECT bucket, article_id FROM lsh_buckets;
    DROP TABLE lsh_buckets;
    ALTER TABLE lsh_buckets_new RENAME TO lsh_buckets;
    """)


@MIGRATIONS()
def m005_fingerprint_scheme_64x2(db: sqlite_utils.Database) -> None:
    # The LSH scheme changed (32x4 -> 64x2 bands): old buckets can never match new ones.
    # Fingerprints are rebuilt by `newsmon reprocess` (or as articles are seen again).
    db.execute("DELETE FROM lsh_buckets")
    db.execute("DELETE FROM article_fingerprints")


@MIGRATIONS()
def m006_lsh_recent(db: sqlite_utils.Database) -> None:
    # New fingerprints go to a small table first and are merged into lsh_buckets in bucket
    # order in bulk (storage/neardup.py): 64 random-position inserts per article into a large
    # B-tree become a few page writes per article, so inserts stay cheap as the index grows.
    db.executescript("""
    CREATE TABLE lsh_recent (
        bucket INTEGER NOT NULL,
        article_id INTEGER NOT NULL
    );
    CREATE INDEX idx_lsh_recent_bucket ON lsh_recent(bucket);
    """)
