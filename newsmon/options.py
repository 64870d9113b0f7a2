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


def open_db_or_fail(db_path: str, readonly: bool = False) -> Any:
    from storage.db import StorageError, open_db
    try:
        return open_db(db_path, readonly=readonly)
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None


def record_sources(db: Any, sources: list[Source]) -> None:
    from crawler.dates import utc_now_iso
    from storage.articles import upsert_sources
    upsert_sources(db, [{"id": s.id, "name": s.name, "homepage": s.homepage,
                         "languages": list(s.languages), "discovery": s.discovery_methods(),
                         "enabled": int(s.enabled), "updated_at": utc_now_iso()}
                        for s in sources])


def make_tagger(taxonomy_path: str | None, morphology: str = "stem") -> Any:
    from pipelines.morphology import Normaliser
    from pipelines.tagging import Tagger
    from pipelines.taxonomy import TaxonomyError, load_taxonomy
    try:
        return Tagger(load_taxonomy(taxonomy_path, normaliser=Normaliser(morphology)))
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
                     quiet: bool = False) -> dict[str, Any]:
    """Run crawls in this process (one reactor), print one summary line per crawl; return
    each crawl's (outcome, spider)."""
    from newsmon.runner import crawl_settings, format_outcome, run_crawls, stderr_progress
    settings = crawl_settings(db_path, sources_path, {"LOG_LEVEL": "WARNING",
                                                     **(overrides or {})})
    open_db_or_fail(db_path).close()   # create and migrate before crawlers open it concurrently
    results = run_crawls(jobs, settings, progress=None if quiet else stderr_progress)
    for outcome, _ in results.values():
        click.echo(format_outcome(outcome))
    return results


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
