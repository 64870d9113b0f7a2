"""Migration steps of the operations around the store: scheduling and source health,
the review workflow and its log, crawl runs, unstored pages, alerts (registered in order
by storage/migrations/__init__.py)."""

from __future__ import annotations

import sqlite_utils

REVIEW_STATUSES = ("new", "relevant", "irrelevant", "needs_follow_up", "verified")


def m007_scheduling_and_health(db: sqlite_utils.Database) -> None:
    # crawl_runs learns who started a run and how its process ended; schedule_state is the
    # scheduler's per-source rhythm (adaptive interval, failures), readable in Datasette; the
    # source_health view is the one definition of health that `newsmon health` and Datasette
    # both read, computed at query time so a silent source shows even when nothing runs.
    for column, kind in (("triggered_by", "TEXT"), ("exit_code", "INTEGER"), ("error", "TEXT"),
                         ("log_path", "TEXT")):
        db.execute(f"ALTER TABLE crawl_runs ADD COLUMN {column} {kind}")
    db.executescript("""
    CREATE INDEX idx_articles_source_first_seen ON articles(source, first_seen_at);
    CREATE INDEX idx_crawl_runs_source_id ON crawl_runs(source, id);
    CREATE TABLE schedule_state (
        source TEXT PRIMARY KEY,
        kind TEXT NOT NULL,                -- interval or cron
        base_interval_s REAL,              -- from the sources file
        min_interval_s REAL,
        max_interval_s REAL,
        current_interval_s REAL,           -- the adapted interval
        cron TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        consecutive_quiet INTEGER NOT NULL DEFAULT 0,
        last_run_id INTEGER,
        last_run_at TEXT,
        last_status TEXT,
        last_new INTEGER,
        next_run_at TEXT,
        note TEXT,                         -- why the next run is when it is
        config TEXT,                       -- JSON of the schedule config last applied
        updated_at TEXT
    );
    """)
    # The source_health view is defined in storage/views.py (views are recreated from their
    # current definition after the migrations, never replayed from a migration).


def m008_review_workflow(db: sqlite_utils.Database) -> None:
    # Reviewers triage articles in Datasette. Every change of status or note is copied into
    # review_log by a trigger, so the log cannot miss a change whatever wrote it, and the
    # log itself refuses updates and deletes. published_month is a generated column so
    # Datasette can facet by month.
    allowed = ", ".join(f"'{s}'" for s in REVIEW_STATUSES)
    db.execute(f"ALTER TABLE articles ADD COLUMN review_status TEXT NOT NULL DEFAULT 'new' "
               f"CHECK (review_status IN ({allowed}))")
    for column in ("reviewer", "note", "reviewed_at"):
        db.execute(f"ALTER TABLE articles ADD COLUMN {column} TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN published_month TEXT "
               "GENERATED ALWAYS AS (substr(published_at, 1, 7)) VIRTUAL")
    db.executescript("""
    CREATE INDEX idx_articles_review ON articles(review_status, relevant, published_at);
    CREATE INDEX idx_articles_published_month ON articles(published_month);
    CREATE TABLE review_log (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        at TEXT NOT NULL,
        reviewer TEXT,
        old_status TEXT,
        new_status TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX idx_review_log_article ON review_log(article_id, id);
    CREATE TRIGGER articles_review_logged
    AFTER UPDATE OF review_status, note ON articles
    WHEN OLD.review_status IS NOT NEW.review_status OR OLD.note IS NOT NEW.note
    BEGIN
        INSERT INTO review_log (article_id, at, reviewer, old_status, new_status, note)
        VALUES (NEW.id, coalesce(NEW.reviewed_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
                NEW.reviewer, OLD.review_status, NEW.review_status, NEW.note);
    END;
    CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
    BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END;
    CREATE TRIGGER review_log_no_delete BEFORE DELETE ON review_log
    BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END;
    """)


def m009_schedule_last_success_and_health_fixes(db: sqlite_utils.Database) -> None:
    # last_success_at lets the digest cover everything since the last digest that worked;
    # the view stops flagging new sources as degraded and flags stale cron sources too.
    db.execute("ALTER TABLE schedule_state ADD COLUMN last_success_at TEXT")


def m010_review_log_every_reviewer(db: sqlite_utils.Database) -> None:
    # A second reviewer confirming a status (same status, same note) is a review too: log it.
    db.executescript("""
    DROP TRIGGER articles_review_logged;
    CREATE TRIGGER articles_review_logged
    AFTER UPDATE OF review_status, note, reviewer ON articles
    WHEN OLD.review_status IS NOT NEW.review_status OR OLD.note IS NOT NEW.note
         OR OLD.reviewer IS NOT NEW.reviewer OR OLD.reviewed_at IS NOT NEW.reviewed_at
    BEGIN
        INSERT INTO review_log (article_id, at, reviewer, old_status, new_status, note)
        VALUES (NEW.id, coalesce(NEW.reviewed_at, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
                NEW.reviewer, OLD.review_status, NEW.review_status, NEW.note);
    END;
    """)


def m011_health_ignores_skipped_runs(db: sqlite_utils.Database) -> None:
    # A crawl skipped because another held the source's lock is not the source's last run:
    # a change of the source_health view only (storage/views.py), kept as a record.
    return None


def m012_run_key(db: sqlite_utils.Database) -> None:
    # A run is opened by the crawl itself (pipelines/run.py); whoever started the crawl (the
    # scheduler) finds its row again by the key it passed in, and only reads it.
    db.execute("ALTER TABLE crawl_runs ADD COLUMN run_key TEXT")
    db.execute("CREATE UNIQUE INDEX idx_crawl_runs_run_key ON crawl_runs(run_key) "
               "WHERE run_key IS NOT NULL")


def m013_unstored_pages(db: sqlite_utils.Database) -> None:
    # Every page a crawl did not store leaves a row here: an error (the fetch failed, the
    # response was cut short, the database refused it; fetched again by the next crawl) or a
    # drop (not an article, too large; a decision `newsmon reprocess` can revisit). A later
    # crawl that stores the URL resolves its rows.
    db.executescript("""
    CREATE TABLE unstored_pages (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES crawl_runs(id),
        source TEXT NOT NULL,
        url TEXT NOT NULL,               -- the URL asked for (for a redirect: the first one)
        final_url TEXT,                  -- where the response came from, if it came
        kind TEXT NOT NULL,              -- error or dropped
        stage TEXT NOT NULL,             -- discovery, fetch, extract, store
        reason TEXT NOT NULL,            -- a short key: http_503, timeout, truncated, ...
        detail TEXT,
        http_status INTEGER,
        at TEXT NOT NULL,
        resolved_at TEXT,                -- when a later crawl stored the URL
        resolved_run_id INTEGER
    );
    CREATE INDEX idx_unstored_open ON unstored_pages(source, kind, resolved_at);
    CREATE INDEX idx_unstored_url ON unstored_pages(url);
    CREATE INDEX idx_unstored_run ON unstored_pages(run_id);
    """)


def m020_unstored_record_key(db: sqlite_utils.Database) -> None:
    # A worker of a shared crawl names each record it sends: the ingest may store a batch
    # twice (its release went unconfirmed; the next ingest put back a stopped one's batch),
    # and a record kept twice would count as two attempts at the URL.
    db.executescript("""
    ALTER TABLE unstored_pages ADD COLUMN record_key TEXT;
    CREATE UNIQUE INDEX idx_unstored_record_key ON unstored_pages(record_key)
        WHERE record_key IS NOT NULL;
    """)


def m021_validators_per_source(db: sqlite_utils.Database) -> None:
    # A feed's ETag / Last-Modified belong to the source, as configured, that read it whole
    # (scope: Source.validators_scope): keyed by URL alone, a second source sharing the feed,
    # or the same source with a corrected article pattern, got a 304 and never read the
    # entries it would take. Validators saved before have no scope: dropped, so each feed is
    # fetched in full once.
    db.executescript("""
    DROP TABLE http_validators;
    CREATE TABLE http_validators (
        scope TEXT NOT NULL,             -- source id and a hash of how it reads its feeds
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_status INTEGER,
        checked_at TEXT,
        PRIMARY KEY (scope, url)
    );
    """)


def m018_alerts(db: sqlite_utils.Database) -> None:
    # Alerts: the outbox (one row per subscription, event and subject, so each is queued and
    # sent at most once, across restarts and concurrent senders), the delivery log (one row
    # per message tried) and what each subscription has seen.
    db.executescript("""
    CREATE TABLE alert_subscriptions (
        name TEXT PRIMARY KEY,
        first_seen_at TEXT NOT NULL,      -- events from (this - backfill) on are considered
        config_json TEXT,                 -- the subscription as last read
        last_batch_at TEXT                -- when its last batch was sent (batched modes)
    );
    CREATE TABLE alert_outbox (
        id INTEGER PRIMARY KEY,
        subscription TEXT NOT NULL,
        event TEXT NOT NULL,              -- new_article, story_grew, edited, removed, source_failing
        subject TEXT NOT NULL,            -- what the event is about: article:ID, story:ID:outlets, ...
        article_id INTEGER,
        story_id INTEGER,
        source TEXT,
        detail TEXT,                      -- JSON: what the message says about the subject
        queued_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',  -- pending, sending, sent, failed, suppressed, interrupted
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error TEXT,
        claimed_by TEXT,                  -- host:pid of the sender holding it
        claimed_at TEXT,
        delivery_id INTEGER,              -- the message it went out in
        sent_at TEXT,
        UNIQUE (subscription, event, subject)
    );
    CREATE INDEX idx_alert_outbox_due ON alert_outbox(subscription, status, next_attempt_at);
    CREATE TABLE alert_deliveries (
        id INTEGER PRIMARY KEY,
        subscription TEXT NOT NULL,
        channel TEXT NOT NULL,            -- email, webhook, slack, telegram
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,             -- sending, sent, failed, interrupted
        items INTEGER NOT NULL,           -- outbox rows it carries
        overflow INTEGER NOT NULL DEFAULT 0,  -- 1: the summary sent instead of a flood
        subject TEXT,
        error TEXT
    );
    CREATE INDEX idx_alert_deliveries_sub ON alert_deliveries(subscription, started_at);
    CREATE INDEX IF NOT EXISTS idx_articles_first_seen ON articles(first_seen_at);
    """)
