"""Views, defined once in their current form and recreated when the definition changes.

Migrations never replay a view: `ensure_views` runs after them (storage/db.py) and replaces a
view whose stored SQL differs from the definition here, as repeatable migrations do.
"""

from __future__ import annotations

import sqlite_utils

_NOW = "strftime('%Y-%m-%dT%H:%M:%S', 'now'"
SOURCE_HEALTH_VIEW = f"""
CREATE VIEW source_health AS
WITH RECURSIVE
days(d, n) AS (
    SELECT date('now', '-1 day'), 1
    UNION ALL SELECT date(d, '-1 day'), n + 1 FROM days WHERE n < 28
),
seen AS (
    SELECT source, min(first_seen_at) AS first_at, max(first_seen_at) AS last_new_at,
           count(*) AS articles
    FROM articles GROUP BY source
),
daily AS (                      -- whole days since the first crawl day (its backlog excluded)
    SELECT s.source, days.d AS day,
           (SELECT count(*) FROM articles a WHERE a.source = s.source
              AND a.first_seen_at >= days.d AND a.first_seen_at < date(days.d, '+1 day')) AS n
    FROM seen s, days WHERE days.d > date(s.first_at)
),
ranked AS (
    SELECT source, n, row_number() OVER (PARTITION BY source ORDER BY n) AS rk,
           count(*) OVER (PARTITION BY source) AS cnt
    FROM daily
),
usual AS (                      -- 10th and 90th percentile of articles per day, last 28 days
    SELECT source, count(*) AS baseline_days, avg(n) AS avg_per_day,
           min(CASE WHEN rk >= 0.1 * cnt THEN n END) AS low,
           max(CASE WHEN rk <= CAST(0.9 * cnt + 0.999 AS INTEGER) THEN n END) AS high
    FROM ranked GROUP BY source
),
recent AS (                     -- extraction quality of the last 7 days ...
    SELECT source, count(*) AS n, avg(published_at IS NULL) AS no_date,
           avg(authors IS NULL OR authors IN ('', '[]')) AS no_author,
           avg(coalesce(word_count, 0) < 80) AS short_text
    FROM articles WHERE first_seen_at >= {_NOW}, '-7 days') GROUP BY source
),
earlier AS (                    -- ... against the 4 weeks before
    SELECT source, count(*) AS n, avg(published_at IS NULL) AS no_date,
           avg(authors IS NULL OR authors IN ('', '[]')) AS no_author,
           avg(coalesce(word_count, 0) < 80) AS short_text
    FROM articles WHERE first_seen_at >= {_NOW}, '-35 days')
                    AND first_seen_at < {_NOW}, '-7 days') GROUP BY source
),
lengths AS (                    -- words per article: last 3 days vs the 4 weeks before
    SELECT source, first_seen_at >= {_NOW}, '-3 days') AS is_recent, word_count,
           row_number() OVER (PARTITION BY source, first_seen_at >= {_NOW}, '-3 days')
                              ORDER BY word_count) AS rk,
           count(*) OVER (PARTITION BY source, first_seen_at >= {_NOW}, '-3 days')) AS cnt
    FROM articles WHERE first_seen_at >= {_NOW}, '-31 days') AND word_count IS NOT NULL
),
medians AS (
    SELECT source,
           max(CASE WHEN is_recent AND rk = (cnt + 1) / 2 THEN word_count END) AS recent_words,
           max(CASE WHEN NOT is_recent AND rk = (cnt + 1) / 2 THEN word_count END) AS usual_words,
           max(CASE WHEN is_recent THEN cnt END) AS recent_n,
           max(CASE WHEN NOT is_recent THEN cnt END) AS usual_n
    FROM lengths GROUP BY source
),
rule_misses AS (                -- how many of the source's extract: rules matched nothing
    SELECT source,
           avg(CASE WHEN first_seen_at >= {_NOW}, '-3 days') THEN extract_rules_missed END)
               AS recent_missed,
           avg(CASE WHEN first_seen_at < {_NOW}, '-3 days') THEN extract_rules_missed END)
               AS usual_missed,
           count(CASE WHEN first_seen_at >= {_NOW}, '-3 days') THEN extract_rules_missed END)
               AS recent_n,
           count(CASE WHEN first_seen_at < {_NOW}, '-3 days') THEN extract_rules_missed END)
               AS usual_n
    FROM articles WHERE first_seen_at >= {_NOW}, '-31 days')
      AND extract_rules_missed IS NOT NULL GROUP BY source
),
runs AS (                       -- recheck runs fetch known articles and skipped runs did
    SELECT source, count(*) AS runs, max(started_at) AS last_run_at,   -- nothing: not health
           max(CASE WHEN status = 'finished' THEN finished_at END) AS last_success_at,
           coalesce(max(CASE WHEN status = 'finished' THEN id END), 0) AS last_success_id
    FROM crawl_runs WHERE coalesce(triggered_by, '') <> 'recheck' AND status <> 'skipped'
    GROUP BY source
),
measured AS (
    SELECT src.id AS source, src.name, src.enabled,
        coalesce(r.runs, 0) AS runs, r.last_run_at,
        (SELECT status FROM crawl_runs c WHERE c.source = src.id AND c.status <> 'skipped'
           AND coalesce(c.triggered_by, '') <> 'recheck' ORDER BY c.id DESC LIMIT 1)
           AS last_run_status,
        r.last_success_at,
        max((SELECT count(*) FROM crawl_runs c WHERE c.source = src.id
               AND c.status IN ('failed', 'timeout') AND coalesce(c.triggered_by, '') <> 'recheck'
               AND c.id > coalesce(r.last_success_id, 0)),
            -- the scheduler also counts crawl processes that failed before recording a
            -- run; its count stands only while nothing succeeded after its last failure
            CASE WHEN st.last_status IN ('failed', 'timeout')
                      AND st.last_run_at > coalesce(r.last_success_at, '')
                 THEN coalesce(st.consecutive_failures, 0) ELSE 0 END) AS consecutive_failures,
        (SELECT count(*) FROM articles a WHERE a.source = src.id
           AND a.first_seen_at >= {_NOW}, '-1 day')) AS articles_last_24h,
        u.low AS usual_per_day_low, u.high AS usual_per_day_high,
        round(u.avg_per_day, 2) AS avg_per_day, coalesce(u.baseline_days, 0) AS baseline_days,
        seen.articles, seen.last_new_at AS last_new_article_at,
        round((julianday('now') - julianday(seen.last_new_at)) * 24, 1)
            AS hours_since_new_article,
        coalesce(rc.n, 0) AS recent_articles,
        round(rc.no_date, 2) AS share_missing_date,
        round(rc.no_author, 2) AS share_missing_author,
        round(rc.short_text, 2) AS share_short_text,
        round(e.no_date, 2) AS usual_share_missing_date,
        round(e.no_author, 2) AS usual_share_missing_author,
        round(e.short_text, 2) AS usual_share_short_text,
        coalesce(e.n, 0) AS earlier_articles,
        md.recent_words AS median_words, md.usual_words AS usual_median_words,
        coalesce(md.recent_n, 0) AS recent_lengths, coalesce(md.usual_n, 0) AS earlier_lengths,
        round(rm.recent_missed, 2) AS rules_missed_per_article,
        round(rm.usual_missed, 2) AS usual_rules_missed_per_article,
        coalesce(rm.recent_n, 0) AS recent_ruled, coalesce(rm.usual_n, 0) AS earlier_ruled,
        round(st.current_interval_s / 60.0, 1) AS poll_interval_minutes,   -- cron: its period
        st.source IS NOT NULL AS scheduled,
        st.next_run_at AS next_run_at, st.note AS schedule_note
    FROM sources src
    LEFT JOIN runs r ON r.source = src.id
    LEFT JOIN seen ON seen.source = src.id
    LEFT JOIN usual u ON u.source = src.id
    LEFT JOIN recent rc ON rc.source = src.id
    LEFT JOIN earlier e ON e.source = src.id
    LEFT JOIN medians md ON md.source = src.id
    LEFT JOIN rule_misses rm ON rm.source = src.id
    LEFT JOIN schedule_state st ON st.source = src.id
),
flagged AS (
    SELECT *, trim(
        CASE WHEN runs = 0 THEN 'never_run ' ELSE '' END ||
        CASE WHEN consecutive_failures >= 3 THEN 'failing ' ELSE '' END ||
        CASE WHEN runs > 0 AND last_success_at IS NULL THEN 'never_succeeded ' ELSE '' END ||
        CASE WHEN hours_since_new_article >
                  max(48, 96 / max(coalesce(avg_per_day, 2.0), 0.1)) THEN 'silent ' ELSE '' END ||
        CASE WHEN runs > 0 AND last_new_article_at IS NULL
                  AND (julianday('now') - julianday(last_run_at)) * 24 < 48
                  AND (SELECT min(started_at) FROM crawl_runs c WHERE c.source = measured.source)
                      < {_NOW}, '-2 days') THEN 'silent ' ELSE '' END ||
        CASE WHEN baseline_days >= 7 AND articles_last_24h < usual_per_day_low
             THEN 'below_usual ' ELSE '' END ||
        CASE WHEN recent_articles >= 5 AND earlier_articles >= 10 AND (
                  (share_missing_date >= 0.5 AND usual_share_missing_date < 0.25)
               OR (share_short_text >= 0.3 AND usual_share_short_text < 0.15)
               OR (share_missing_author >= 0.8 AND usual_share_missing_author < 0.3))
             THEN 'extraction_degraded ' ELSE '' END ||
        -- extraction drift (last 3 days against the 4 weeks before): the site changed
        -- under its rules, or the median text got much shorter
        CASE WHEN recent_ruled >= 5 AND earlier_ruled >= 10
                  AND rules_missed_per_article >= usual_rules_missed_per_article + 0.3
             THEN 'rules_stopped_matching ' ELSE '' END ||
        CASE WHEN recent_lengths >= 5 AND earlier_lengths >= 10
                  AND median_words < 0.5 * usual_median_words
             THEN 'text_shorter ' ELSE '' END ||
        CASE WHEN last_success_at IS NOT NULL AND scheduled
                  AND (julianday('now') - julianday(last_success_at)) * 1440
                      > max(3 * coalesce(poll_interval_minutes, 1440) + 60, 360)
             THEN 'stale ' ELSE '' END
    ) AS flags
    FROM measured
)
SELECT source, name, enabled,
    CASE WHEN flags = '' THEN 'ok'
         WHEN flags LIKE '%failing%' OR flags LIKE '%silent%' OR flags LIKE '%never_succeeded%'
             THEN 'alert'
         ELSE 'warning' END AS status,
    flags, last_run_at, last_run_status, last_success_at, consecutive_failures,
    articles_last_24h, usual_per_day_low, usual_per_day_high, avg_per_day,
    last_new_article_at, hours_since_new_article, articles, recent_articles,
    share_missing_date, share_missing_author, share_short_text,
    usual_share_missing_date, usual_share_missing_author, usual_share_short_text,
    median_words, usual_median_words, rules_missed_per_article, usual_rules_missed_per_article,
    poll_interval_minutes, next_run_at, schedule_note, runs, baseline_days
FROM flagged
ORDER BY CASE WHEN flags = '' THEN 2 WHEN flags LIKE '%failing%' OR flags LIKE '%silent%'
              OR flags LIKE '%never_succeeded%' THEN 0 ELSE 1 END, source;
"""

VIEWS = {"source_health": SOURCE_HEALTH_VIEW}


def _normalised(sql: str | None) -> str:
    return " ".join((sql or "").split()).rstrip(";")


def ensure_views(db: sqlite_utils.Database) -> list[str]:
    """Create missing views and replace changed ones (inside the caller's transaction)."""
    changed = []
    for name, sql in VIEWS.items():
        row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?",
                         [name]).fetchone()
        if row is not None and _normalised(row[0]) == _normalised(sql):
            continue
        db.execute(f"DROP VIEW IF EXISTS {name}")
        db.execute(sql)
        changed.append(name)
    return changed


def views_current(db: sqlite_utils.Database) -> bool:
    for name, sql in VIEWS.items():
        row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?",
                         [name]).fetchone()
        if row is None or _normalised(row[0]) != _normalised(sql):
            return False
    return True
