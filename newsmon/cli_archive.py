"""Archive commands: import JSON Lines, recheck for edits and takedowns, reprocess, WARC."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from newsmon.options import (DB_OPTION, SOURCES_OPTION, TAXONOMY_OPTION, load_sources_or_fail,
                             make_tagger, open_db_or_fail)


def _threshold(value: float | None) -> float:
    if value is not None:
        return value
    from crawler.settings import NEWSMON_NEAR_DUP_THRESHOLD
    return float(NEWSMON_NEAR_DUP_THRESHOLD)


def _open_captures(db_path: str, readonly: bool = True) -> Any:
    from storage.captures import open_captures
    from storage.db import StorageError
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
    through normalise -> dedupe -> tag -> store like a crawled article. A bad line is reported
    with its line number on stderr and skipped; the other lines are stored. Exit status 1 when
    any line was skipped.

    Example: newsmon import archive.jsonl --source my-archive
    """
    from newsmon.maintenance import Stages, import_jsonl
    tagger = make_tagger(taxonomy_path)
    open_db_or_fail(db_path).close()
    with Stages(db_path, tagger, run_name="import", near_dup_threshold=_threshold(None)) as st:
        stored, problems = import_jsonl(jsonl_file, st, default_source,
                                        errors=sys.stderr)
    counts = st.counts()                      # after the last batch was written
    name = getattr(jsonl_file, "name", "input")
    click.echo(f"imported {stored} record(s) from {name}: {counts.get('new', 0)} new, "
               f"{counts.get('updated', 0)} updated, {counts.get('unchanged', 0)} unchanged, "
               f"{counts.get('linked', 0)} linked; {len(problems)} line(s) skipped")
    if problems:
        raise click.ClickException(f"{len(problems)} line(s) of {name} were not imported "
                                   f"(see above)")


@click.command()
@DB_OPTION
@TAXONOMY_OPTION
@click.option("--since", "since", help="Only captures fetched since this date (2025-11-01).")
def reprocess(db_path: str, taxonomy_path: str | None, since: str | None) -> None:
    """Re-run extraction and tagging on stored captures, without touching the network.

    Uses each URL's latest capture in <db>-captures.db; changed texts become new versions.

    Example: newsmon reprocess --db newsmon.db
    """
    from newsmon.maintenance import Stages, backfill_fingerprints, reprocess_captures
    from pipelines.extraction import ArticleExtractor
    from storage.captures import iter_captures
    tagger = make_tagger(taxonomy_path)
    captures = _open_captures(db_path)
    open_db_or_fail(db_path).close()
    with Stages(db_path, tagger, run_name="reprocess",
                near_dup_threshold=_threshold(None)) as stages:
        outcome = reprocess_captures(iter_captures(captures, since=since, latest_only=True),
                                     stages, ArticleExtractor())
    counts = stages.counts()
    captures.close()
    db = open_db_or_fail(db_path)
    indexed = backfill_fingerprints(db)
    db.close()
    dropped = ", ".join(f"{k.split('/', 1)[1]} {v}" for k, v in sorted(outcome.items())
                        if k.startswith("dropped/")) or "none"
    click.echo(f"reprocessed {outcome['reprocessed']} capture(s): {counts.get('new', 0)} new, "
               f"{counts.get('updated', 0)} updated, {counts.get('unchanged', 0)} unchanged; "
               f"dropped: {dropped}; {outcome['skipped_status']} non-200 capture(s) skipped; "
               f"{indexed} article(s) added to the near-duplicate index")


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
    from newsmon.maintenance import recheck_since
    from newsmon.options import crawl_and_report
    from storage.summary import articles_to_recheck
    sources = {s.id: s for s in load_sources_or_fail(sources_path)}
    db = open_db_or_fail(db_path)
    due = articles_to_recheck(db, recheck_since(days))
    db.close()
    by_source: dict[str, list[str]] = {}
    for source, url in due:
        if source in sources:
            by_source.setdefault(source, []).append(url)
    if not by_source:
        click.echo(f"nothing to recheck: no stored article from a configured source was "
                   f"first seen in the last {days:g} days")
        return
    overrides = dict(item.split("=", 1) for item in settings if "=" in item)
    with tempfile.TemporaryDirectory(prefix="newsmon-recheck-") as tmp:
        per_source: dict[str, dict[str, Any]] = {}
        for source, urls in by_source.items():
            path = Path(tmp) / f"{source}.jsonl"
            path.write_text("".join(json.dumps({"url": u}) + "\n" for u in urls),
                            encoding="utf-8")
            per_source[source] = {"recheck_file": str(path)}
            click.echo(f"rechecking {len(urls)} article(s) of {source}", err=True)
        # One process for all sources: Twisted's reactor cannot be started twice.
        outcomes = crawl_and_report(db_path, sources_path, list(per_source), {}, overrides,
                                    per_source_args=per_source)
    edited = sum(o.updated for o in outcomes.values())
    removed = sum(o.removed for o in outcomes.values())
    click.echo(f"rechecked {sum(len(u) for u in by_source.values())} article(s): "
               f"{edited} edited, {removed} removed")
