"""Migration steps of the article store: articles and their URLs, tags, stories and
versions, fingerprints and LSH buckets, story keys, the search indexes (registered in
order by storage/migrations/__init__.py)."""

from __future__ import annotations

import sqlite_utils


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


def m005_fingerprint_scheme_64x2(db: sqlite_utils.Database) -> None:
    # The LSH scheme changed (32x4 -> 64x2 bands): old buckets can never match new ones.
    # Fingerprints are rebuilt by `newsmon reprocess` (or as articles are seen again).
    db.execute("DELETE FROM lsh_buckets")
    db.execute("DELETE FROM article_fingerprints")


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


def m014_paywall_and_rule_matches(db: sqlite_utils.Database) -> None:
    # A paywall teaser is stored (flagged), not dropped: its headline and lead are news too.
    # extract_rules_missed lets source health notice site rules that stopped matching.
    db.execute("ALTER TABLE articles ADD COLUMN paywalled INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE articles ADD COLUMN extract_rules_missed INTEGER")


def m015_story_links(db: sqlite_utils.Database) -> None:
    # The second stage of story linking: how each copy relates to the story (verbatim,
    # rewrite, teaser, expanded, translation), to which article, and the keys (names,
    # numbers) that find candidates within a few days of publication.
    db.execute("ALTER TABLE articles ADD COLUMN story_relation TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN related_to INTEGER")
    db.execute("ALTER TABLE stories ADD COLUMN languages TEXT")
    db.executescript("""
    CREATE TABLE IF NOT EXISTS story_keys (
        key TEXT NOT NULL,
        day TEXT NOT NULL,
        article_id INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS idx_story_keys ON story_keys(key, day);
    CREATE INDEX IF NOT EXISTS idx_story_keys_article ON story_keys(article_id);
    UPDATE articles SET story_relation = CASE
        WHEN duplicate_of IS NOT NULL THEN 'verbatim'
        WHEN near_duplicate_of IS NOT NULL AND similarity >= 0.8 THEN 'verbatim'
        WHEN near_duplicate_of IS NOT NULL THEN 'rewrite' END,
        related_to = coalesce(duplicate_of, near_duplicate_of);
    """)


def m016_search_stems(db: sqlite_utils.Database) -> None:
    # Search that finds inflected forms: title and text as Snowball stems (written by the
    # store from what the pipeline computed; `newsmon reindex` fills it for older rows). The
    # query side stems the same way (newsmon/web/search.py); rowid = articles.id.
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS articles_stems USING fts5("
               "title, body, tokenize = 'unicode61 remove_diacritics 2')")


def m017_story_size(db: sqlite_utils.Database) -> None:
    # How many articles carry the article's story: shown in the desk's article list.
    db.execute("ALTER TABLE articles ADD COLUMN story_size INTEGER")
    db.execute("UPDATE articles SET story_size = (SELECT article_count FROM stories "
               "WHERE stories.id = articles.story_id)")


def m019_fts_follows_title_and_text(db: sqlite_utils.Database) -> None:
    # sqlite-utils' update trigger re-indexed an article's whole title and text in
    # articles_fts on every UPDATE of any column: each tag write, story join and review
    # mark paid for a full-text re-index. Only title and text are in the index.
    db.executescript("""
    DROP TRIGGER IF EXISTS articles_au;
    CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
      INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
      INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    """)
