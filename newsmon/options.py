"""Options and helpers shared by the newsmon commands: database, sources, taxonomy."""

from __future__ import annotations

from typing import Any

import click

from crawler.sources import Source, SourceConfigError, load_sources

DB_OPTION = click.option("--db", "db_path", envvar="NEWSMON_DB", default="newsmon.db",
                         show_default=True, type=click.Path(dir_okay=False),
                         help="SQLite database (env NEWSMON_DB).")
SOURCES_OPTION = click.option("--sources", "sources_path", envvar="NEWSMON_SOURCES",
                              default=None, type=click.Path(dir_okay=False),
                              help="Sources YAML (env NEWSMON_SOURCES; default: the bundled "
                                   "crawler/sources.yaml).")


def load_sources_or_fail(sources_path: str | None) -> list[Source]:
    try:
        return load_sources(sources_path)
    except SourceConfigError as exc:
        raise click.ClickException(f"{exc}\nFix the sources file; nothing was crawled.") from None


def require_db(db_path: str) -> None:
    """Refuse a --db that does not exist: a typo must not quietly start an empty database."""
    from storage.paths import Paths
    paths = Paths.for_db(db_path)
    if not paths.in_memory and not paths.db.exists():
        raise click.ClickException(
            f"database {db_path} does not exist (check --db or NEWSMON_DB); `newsmon crawl`, "
            f"`newsmon demo` and `newsmon import` create one")


def open_db_or_fail(db_path: str, readonly: bool = False, create: bool = False) -> Any:
    """Open the database; only commands that create one (create=True) may name a new file,
    and they say so."""
    from storage.db import StorageError, open_db
    from storage.paths import Paths
    if create:
        paths = Paths.for_db(db_path)
        if not paths.in_memory and not paths.db.exists():
            click.echo(f"creating a new database at {paths.db}", err=True)
    else:
        require_db(db_path)
    try:
        db = open_db(db_path, readonly=readonly, must_exist=not create)
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    if not readonly:
        from crawler.dates import utc_now_iso
        from storage.runs import close_dead_runs
        closed = close_dead_runs(db, Paths.for_db(db_path), utc_now_iso())
        if closed:
            click.echo(f"closed {closed} run(s) left 'running' by a process that died",
                       err=True)
    return db


def record_sources_if_named(db: Any, sources_path: str | None) -> None:
    """Record the configured sources in the database for health and Datasette, unless
    the database already knows its sources and no sources file was named: a demo
    database keeps its demo outlets instead of gaining the bundled real ones."""
    has_sources = db.execute("SELECT 1 FROM sources LIMIT 1").fetchone() is not None
    if sources_path is not None or not has_sources:
        record_sources(db, load_sources_or_fail(sources_path))


def record_sources(db: Any, sources: list[Source]) -> None:
    from crawler.dates import utc_now_iso
    from storage.sources import upsert_sources
    upsert_sources(db, [{"id": s.id, "name": s.name, "homepage": s.homepage,
                         "languages": list(s.languages), "discovery": s.discovery_methods(),
                         "enabled": int(s.enabled), "updated_at": utc_now_iso()}
                        for s in sources])


def make_tagger(taxonomy_path: str | None, morphology: str = "stem") -> Any:
    from pipelines.morphology import shared_normaliser
    from pipelines.tagging import Tagger
    from pipelines.taxonomy import TaxonomyError, load_taxonomy
    try:
        return Tagger(load_taxonomy(taxonomy_path, normaliser=shared_normaliser(morphology)))
    except TaxonomyError as exc:
        raise click.ClickException(f"{exc}\nFix the taxonomy file; nothing was tagged.") from None


MORPHOLOGY_OPTION = click.option("--morphology", envvar="NEWSMON_MORPHOLOGY", default="stem",
                                 show_default=True, type=click.Choice(["stem", "lemma"]),
                                 help="Word normalisation: Snowball stems or pymorphy3 lemmas "
                                      "(env NEWSMON_MORPHOLOGY; use what the crawl used).")
TAXONOMY_OPTION = click.option("--taxonomy", "taxonomy_path", envvar="NEWSMON_TAXONOMY",
                               default=None, type=click.Path(dir_okay=False),
                               help="Taxonomy YAML (env NEWSMON_TAXONOMY; default: the bundled "
                                    "pipelines/taxonomy.yaml).")


def crawl_and_report(db_path: str, sources_path: str | None, jobs: list[Any],
                     overrides: dict[str, Any] | None = None,
                     quiet: bool = False, create: bool = False) -> dict[str, Any]:
    """Run crawls in this process (one reactor), print one summary line per crawl; return
    each crawl's (outcome, spider)."""
    from newsmon.runner import crawl_settings, format_outcome, run_crawls, stderr_progress
    settings = crawl_settings(db_path, sources_path, {"LOG_LEVEL": "WARNING",
                                                     **(overrides or {})})
    # Create (when allowed) and migrate before the crawlers open it concurrently.
    open_db_or_fail(db_path, create=create).close()
    results = run_crawls(jobs, settings, progress=None if quiet else stderr_progress)
    for outcome, _ in results.values():
        click.echo(format_outcome(outcome))
    return results


def failed_crawls(results: dict[str, Any]) -> list[str]:
    """`key (status)` of each crawl of crawl_and_report's results that failed, timed out or
    ended without an outcome (status still "running": it failed as it started, e.g. on a
    bad -s value, and Scrapy printed why)."""
    return [f"{key} ({'ended without an outcome' if o.status == 'running' else o.status})"
            for key, (o, _) in results.items() if o.status in ("failed", "timeout", "running")]


def source_jobs(source_ids: list[str], spider_args: dict[str, Any]) -> list[Any]:
    """One crawl job per configured source, with the same spider arguments."""
    from newsmon.runner import CrawlJob
    return [CrawlJob(source_id, source_id, dict(spider_args)) for source_id in source_ids]


def since_to_iso(since: str, param_hint: str = "--since") -> str:
    """A --since value (2025-11-01, an ISO time, or 7d / 12h / 2w ago) as a UTC ISO time."""
    from datetime import timezone

    from crawler.dates import WindowBoundError, parse_window_bound
    try:
        bound = parse_window_bound(since, "since")
    except WindowBoundError as exc:
        raise click.BadParameter(str(exc), param_hint=param_hint) from None
    if bound is None:
        raise click.BadParameter("must not be empty", param_hint=param_hint)
    return bound.astimezone(timezone.utc).replace(microsecond=0).isoformat()
