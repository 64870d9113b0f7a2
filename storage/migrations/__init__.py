"""The database schemas as ordered lists of migrations (sqlite-utils Migrations): the main
database's and the raw-captures file's.

Each step is defined with what it is about (articles.py: the article store; operations.py:
scheduling, health, review, runs, alerts; captures.py: the captures file) and registered
here, in the order databases have always applied them: a migration's name is its identity
in `_sqlite_migrations`, and a new database must be built in the same order as the old.
New steps go at the end of their list.
"""

from __future__ import annotations

from sqlite_utils import Migrations

from storage.migrations import articles, captures, operations
from storage.migrations.operations import REVIEW_STATUSES

__all__ = ["CAPTURE_MIGRATIONS", "MIGRATIONS", "REVIEW_STATUSES"]

MIGRATIONS = Migrations("newsmon")
for step in (
        articles.m001_core_tables,
        articles.m002_tags,
        articles.m003_stories_versions_neardup,
        articles.m004_lsh_buckets_clustered,
        articles.m005_fingerprint_scheme_64x2,
        articles.m006_lsh_recent,
        operations.m007_scheduling_and_health,
        operations.m008_review_workflow,
        operations.m009_schedule_last_success_and_health_fixes,
        operations.m010_review_log_every_reviewer,
        operations.m011_health_ignores_skipped_runs,
        operations.m012_run_key,
        operations.m013_unstored_pages,
        articles.m014_paywall_and_rule_matches,
        articles.m015_story_links,
        articles.m016_search_stems,
        articles.m017_story_size,
        operations.m018_alerts,
        articles.m019_fts_follows_title_and_text,
        operations.m020_unstored_record_key,
        operations.m021_validators_per_source,
):
    MIGRATIONS()(step)

CAPTURE_MIGRATIONS = Migrations("newsmon-captures")
CAPTURE_MIGRATIONS()(captures.c001_captures)
