"""Archive commands: import JSON Lines, recheck for edits and takedowns, reprocess, WARC."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from newsmon.options import (DB_OPTION, SOURCES_OPTION, TAXONOMY_OPTION, crawl_and_report,
                             failed_crawls, load_sources_or_fail, make_tagger,
                             open_db_or_fail, require_db, since_to_iso)


def _open_captures(db_path: str, readonly: bool = True) -> Any:
    from storage.db import StorageError, open_captures
    try:
        return open_captures(db_path, readonly=readonly)
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None


@click.command(name="import")
@click.argument("jsonl_file", type=click.File("rb"))
@DB_OPTION
@SOURCES_OPTION
@TAXONOMY_OPTION
@click.option("--source", "default_source", default="import", show_default=True,
              help="Source id for records without a 'source'.")
def import_cmd(jsonl_file: Any, db_path: str, sources_path: str | None,
               taxonomy_path: str | None, default_source: str) -> None:
    """Import articles from JSON Lines (an external contract) through the crawl's stages.

    Each line {"url", "title", "text", "published_at"?, "source"?, "lang"?, "id"?} goes
    through normalise -> dedupe -> tag -> store like a crawled article, in a run of its own
    (crawl_runs.source = 'import'). A bad line is reported with its line number on stderr and
    skipped; the other lines are stored. Exit status 1 when any line was skipped.

    Example: newsmon import archive.jsonl --source my-archive
    """
    from crawler.spiders.offline import ImportSpider
    from newsmon.runner import CrawlJob
    make_tagger(taxonomy_path)              # a broken taxonomy stops here, before the run
    results = crawl_and_report(
        db_path, sources_path,
        [CrawlJob("import", ImportSpider, {"lines": jsonl_file,
                                           "default_source": default_source})],
        _taxonomy_setting(taxonomy_path), quiet=True, create=True)
    outcome, spider = results["import"]
    assert isinstance(spider, ImportSpider)
    if outcome.status == "skipped":
        raise click.ClickException("another import is running on this database; nothing was "
                                   "imported (try again when it has finished)")
    problems = [str(p) for p in spider.problems]
    for number, article in sorted(spider.articles.items()):
        if article.stored is None:
            problems.append(f"line {number}: not stored (the import was {outcome.status} "
                            f"before it got there)")
        elif article.stored == "dropped":
            problems.append(f"line {number}: dropped ({article.store_error})")
        elif article.stored == "failed":
            problems.append(f"line {number}: the database refused it ({article.store_error})")
    problems.sort(key=lambda p: int(p.split(":")[0].split()[-1]))
    for problem in problems:
        click.echo(problem, err=True)
    stored = sum(1 for a in spider.articles.values() if a.stored not in (None, "failed"))
    name = getattr(jsonl_file, "name", "input")
    click.echo(f"imported {stored} record(s) from {name}: {outcome.new} new, "
               f"{outcome.updated} updated, {outcome.unchanged} unchanged, "
               f"{outcome.linked} linked; {len(problems)} line(s) skipped")
    if problems:
        raise click.ClickException(f"{len(problems)} line(s) of {name} were not imported "
                                   f"(see above)")
    if outcome.status != "finished":
        raise click.ClickException(f"the import run ended {outcome.status}")


def _taxonomy_setting(taxonomy_path: str | None) -> dict[str, Any]:
    return {"NEWSMON_TAXONOMY": str(Path(taxonomy_path).resolve())} if taxonomy_path else {}


@click.command()
@DB_OPTION
@SOURCES_OPTION
@TAXONOMY_OPTION
@click.option("--since", "since", help="Only captures fetched since this date (2025-11-01).")
def reprocess(db_path: str, sources_path: str | None, taxonomy_path: str | None,
              since: str | None) -> None:
    """Re-run extraction and tagging on stored captures, without touching the network.

    Uses each URL's latest capture in <db>-captures.db, in a run of its own
    (crawl_runs.source = 'reprocess'); changed texts become new versions.

    Example: newsmon reprocess --db newsmon.db
    """
    from crawler.spiders.offline import ReprocessSpider
    from newsmon.maintenance import backfill_fingerprints
    from newsmon.runner import CrawlJob
    from storage.captures import iter_captures
    make_tagger(taxonomy_path)
    require_db(db_path)
    since = since_to_iso(since) if since is not None else None
    sources = load_sources_or_fail(sources_path)
    captures = _open_captures(db_path)
    try:
        results = crawl_and_report(
            db_path, sources_path,
            [CrawlJob("reprocess", ReprocessSpider, {
                "captures": iter_captures(captures, since=since, latest_only=True),
                "sources": sources})],
            _taxonomy_setting(taxonomy_path), quiet=True)
    finally:
        captures.close()
    outcome, spider = results["reprocess"]
    db = open_db_or_fail(db_path)
    indexed = backfill_fingerprints(db)
    db.close()
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(outcome.dropped.items())) or "none"
    click.echo(f"reprocessed {outcome.stats.get('newsmon/reprocess/captures', 0)} capture(s): "
               f"{outcome.new} new, {outcome.updated} updated, {outcome.unchanged} unchanged; "
               f"dropped: {dropped}; "
               f"{outcome.stats.get('newsmon/reprocess/skipped_status', 0)} non-200 capture(s) "
               f"skipped; {indexed} article(s) added to the near-duplicate index")
    unknown = int(outcome.stats.get("newsmon/reprocess/skipped_unknown_source", 0))
    if unknown:
        click.echo(f"{unknown} capture(s) of sources the sources file does not configure were "
                   f"left as they are (their site rules are unknown, so an unchanged page "
                   f"would read as an edit): {', '.join(sorted(spider.unknown_sources))}; "
                   f"pass the sources file they were crawled with (--sources)", err=True)
    if outcome.status != "finished":
        raise click.ClickException(f"the reprocess run ended {outcome.status}")


@click.command(name="export-warc")
@DB_OPTION
@click.option("--output", "output", type=click.Path(dir_okay=False), default=None,
              help="WARC file to write (default: newsmon-YYYYMMDD.warc.gz).")
@click.option("--since", help="Only captures fetched since this date.")
def export_warc(db_path: str, output: str | None, since: str | None) -> None:
    """Write the stored captures as a standard WARC file (gzip records, warcio).

    Example: newsmon export-warc --output november.warc.gz --since 2025-11-01
    """
    from newsmon.maintenance import write_warc
    from storage.captures import iter_captures
    require_db(db_path)
    since = since_to_iso(since) if since is not None else None
    captures = _open_captures(db_path)
    target = Path(output or f"newsmon-{datetime.now(timezone.utc):%Y%m%d}.warc.gz")
    count = write_warc(iter_captures(captures, since=since), target)
    captures.close()
    click.echo(f"wrote {count} response record(s) to {target.resolve()}")


@click.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--since", "days", type=click.FloatRange(min=0), default=7.0, show_default=True,
              help="Recheck articles first seen in the last DAYS days.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a setting, e.g. -s DOWNLOAD_DELAY=2.")
def recheck(db_path: str, sources_path: str | None, days: float,
            settings: tuple[str, ...]) -> None:
    """Fetch recent stored articles again to find edits and takedowns.

    A changed text is kept as a version (article_versions) and the article marked edited;
    404/410/451 or a redirect away from the article marks it removed with the date.

    Example: newsmon recheck --since 3
    """
    from newsmon.maintenance import recheck_jobs
    for item in settings:
        if "=" not in item:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--set")
    overrides = dict(item.split("=", 1) for item in settings)
    jobs = recheck_jobs(open_db_or_fail(db_path), load_sources_or_fail(sources_path), days)
    if not jobs:
        click.echo(f"nothing to recheck: no stored article from a configured source was "
                   f"first seen in the last {days:g} days")
        return
    for job in jobs:
        click.echo(f"rechecking {len(job.kwargs['recheck_urls'])} article(s) of {job.key}",
                   err=True)
    results = crawl_and_report(db_path, sources_path, jobs, overrides)
    edited = sum(o.updated for o, _ in results.values())
    removed = sum(o.removed for o, _ in results.values())
    errors = sum(o.errors for o, _ in results.values())
    click.echo(f"rechecked {sum(len(j.kwargs['recheck_urls']) for j in jobs)} article(s): "
               f"{edited} edited, {removed} removed, {errors} could not be fetched")
    failed = failed_crawls(results)
    if failed or errors:
        # An outlet that was down was not rechecked: say so, as a failed crawl does.
        raise click.ClickException(
            f"{errors} article(s) could not be fetched"
            + (f"; failed: {', '.join(failed)}" if failed else "")
            + "; see the log and crawl_runs")


def fill_search_index(db: Any) -> int:
    """Stem the articles the search index does not hold yet (stored before it existed, or
    by another tool); return how many were added."""
    from pipelines.morphology import Normaliser
    from storage.search_index import articles_missing_stems, index_stems
    from storage.db import write_transaction
    stemmer = Normaliser("stem")
    done = 0
    while True:
        batch = articles_missing_stems(db, 500)
        if not batch:
            return done
        with write_transaction(db):
            for article_id, title, text in batch:
                index_stems(db, article_id, stemmer.stem_text(title),
                            stemmer.stem_text(text[:200_000]))
        done += len(batch)


@click.command()
@DB_OPTION
def reindex(db_path: str) -> None:
    """Fill the search index for articles it does not hold (after an upgrade).

    The crawl keeps the index up to date; `newsmon serve` fills what is missing before it
    starts. Example: newsmon reindex --db newsmon.db
    """
    db = open_db_or_fail(db_path)
    try:
        added = fill_search_index(db)
    finally:
        db.close()
    click.echo(f"search index: {added} article(s) added")
