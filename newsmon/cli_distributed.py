"""Shared crawls on scrapy-redis: `newsmon crawl --redis URL` workers and `newsmon ingest`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import click

from newsmon.options import DB_OPTION, SOURCES_OPTION, TAXONOMY_OPTION, make_tagger

REDIS_OPTION = click.option(
    "--redis", "redis_url", envvar="NEWSMON_REDIS_URL", required=True, metavar="URL",
    help="The Redis server of the shared crawls, redis://host:6379/0 (env NEWSMON_REDIS_URL).")


def check_redis_or_fail(url: str) -> None:
    """A clear one-line error for a bad URL or a Redis server that does not answer."""
    import redis

    from crawler.shared import RedisSettingError, connect
    try:
        with connect(url) as client:
            client.ping()
    except RedisSettingError as exc:
        raise click.BadParameter(str(exc), param_hint="--redis") from None
    except (redis.RedisError, OSError) as exc:
        raise click.ClickException(f"cannot reach Redis at {url}: {exc}") from None


def crawl_shared(chosen: list[str], sources_path: str | None, redis_url: str,
                 spider_args: dict[str, Any], overrides: dict[str, Any],
                 processes: int, worker_args: list[str]) -> None:
    """Run `processes` workers of the shared crawls of the chosen sources (this process is
    one when processes is 1); exit 1 when a worker's crawl failed."""
    check_redis_or_fail(redis_url)
    if processes > 1:
        import os
        import subprocess
        base = [sys.executable, "-m", "newsmon.cli", "crawl", "--workers", "1",
                "--redis", redis_url]
        if sources_path:
            base += ["--sources", sources_path]
        children = [subprocess.Popen([*base, *worker_args, *chosen], env=dict(os.environ))
                    for _ in range(processes)]
        try:
            codes = [child.wait() for child in children]
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
        if any(codes):
            raise click.ClickException(f"{sum(1 for c in codes if c)} of {processes} worker "
                                       f"process(es) failed (see above)")
        return
    from newsmon.options import source_jobs
    from newsmon.runner import crawl_settings, run_crawls
    settings = crawl_settings(":memory:", sources_path,
                              {"LOG_LEVEL": "WARNING", **overrides,
                               "NEWSMON_REDIS_URL": redis_url})
    results = run_crawls(source_jobs(chosen, spider_args), settings)
    failed = []
    for key, (outcome, _) in results.items():
        stats = outcome.stats
        click.echo(f"{key}: worker {stats.get('newsmon/redis/worker', '?')} "
                   f"({'started' if stats.get('newsmon/redis/started_crawl') else 'joined'} "
                   f"the shared crawl): {int(stats.get('newsmon/redis/articles_pushed', 0))} "
                   f"articles pushed, {outcome.requests} requests, {outcome.errors} errors, "
                   f"{outcome.skipped_known} stored articles skipped, "
                   f"{int(stats.get('newsmon/redis/rescued_requests', 0))} requests of dead "
                   f"workers taken over [{outcome.status}]")
        if outcome.status in ("failed", "timeout"):
            failed.append(f"{key} ({outcome.status})")
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(results)} shared crawl(s) failed: "
                                   f"{', '.join(failed)}; see above (`newsmon ingest` "
                                   f"records in crawl_runs each outcome that reached Redis)")


@click.command()
@REDIS_OPTION
@DB_OPTION
@SOURCES_OPTION
@TAXONOMY_OPTION
@click.option("--until-idle", "until_idle", type=click.FloatRange(min=0), default=None,
              metavar="S", help="Exit once nothing has come for S seconds (default: run "
                                "until stopped).")
def ingest(redis_url: str, db_path: str, sources_path: str | None, taxonomy_path: str | None,
           until_idle: float | None) -> None:
    """Store what the workers of shared crawls push to Redis: the one SQLite writer.

    Takes the workers' finished articles, raw captures, pages not stored and run outcomes
    from Redis and stores them (linking stories), acknowledging them only once they are
    committed (an ingest killed mid-way loses nothing). One ingest per database (it
    holds <db>-locks/ingest.lock). Exit status 1 when a worker's crawl failed or a message
    could not be read.

    Example: newsmon ingest --redis redis://10.0.0.5:6379/0 --db newsmon.db
    """
    from crawler.spiders.ingest import IngestSpider
    from newsmon.cli_archive import _taxonomy_setting
    from newsmon.options import crawl_and_report
    from newsmon.runner import CrawlJob
    make_tagger(taxonomy_path)
    check_redis_or_fail(redis_url)
    click.echo(f"ingesting from {redis_url} into {db_path}"
               + (f" until idle for {until_idle:g} s" if until_idle is not None else
                  " (Ctrl-C to stop)"), err=True)
    results = crawl_and_report(
        db_path, sources_path,
        [CrawlJob("ingest", IngestSpider, {"redis_url": redis_url, "until_idle": until_idle,
                                           "known_urls": _stored_urls(db_path)})],
        _taxonomy_setting(taxonomy_path), quiet=True, create=True)
    outcome, spider = results["ingest"]
    assert isinstance(spider, IngestSpider)
    failed = [f"{run.source} (worker {run.worker}: {run.status})" for run in spider.worker_runs
              if run.status in ("failed", "timeout")]
    click.echo(f"ingest: {int(outcome.stats.get('newsmon/ingest/messages', 0))} messages, "
               f"{len(spider.worker_runs)} worker run(s) recorded ({len(failed)} failed), "
               f"{spider.bad_messages} unreadable message(s)")
    if outcome.status == "skipped":
        raise click.ClickException("another ingest is running on this database")
    problems = []
    if failed:
        problems.append(f"worker crawl(s) failed: {', '.join(failed)}")
    if spider.bad_messages:
        problems.append(f"{spider.bad_messages} message(s) could not be read; they are kept "
                        f"in the Redis list newsmon:items:bad")
    if outcome.status not in ("finished", "interrupted"):
        problems.append(f"the ingest run ended {outcome.status}"
                        + (f": {outcome.stats.get('newsmon/argument_error')}"
                           if outcome.stats.get("newsmon/argument_error") else ""))
    if problems:
        raise click.ClickException("; ".join(problems))


def _stored_urls(db_path: str) -> Iterator[list[str]]:
    """The URLs of stored articles, read when the ingest starts (the workers skip them)."""
    from storage.crawlstate import stored_url_chunks
    from storage.db import open_db
    db = open_db(db_path, readonly=True)
    try:
        yield from stored_url_chunks(db)
    finally:
        db.close()
