"""The `newsmon schedule`, `health` and `digest` commands: monitoring on a rhythm."""

from __future__ import annotations

import json
import logging
from typing import Any

import click

from newsmon.options import DB_OPTION, SOURCES_OPTION, load_sources_or_fail, open_db_or_fail


def _service(db_path: str, sources_path: str | None, alerts_path: str | None = None,
             **options: Any) -> Any:
    from newsmon.jobs import alert_batches, alerts_job, digest_job, recheck_job
    from schedules.service import Maintenance, MonitorService, ServiceConfig
    sources = load_sources_or_fail(sources_path)
    batches: tuple[Any, ...] = ()
    alerts = None
    if alerts_path:
        from newsmon.cli_alerts import load_alerts_or_fail
        batches = alert_batches(load_alerts_or_fail(alerts_path))
        alerts = alerts_job(alerts_path)
    try:
        return MonitorService(ServiceConfig(
            db_path=db_path, sources_path=sources_path, alert_batches=batches,
            maintenance=Maintenance(recheck=recheck_job, digest=digest_job, alerts=alerts),
            **options), sources)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _print_jobs(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no jobs: no enabled source in the sources file")
        return
    click.echo(f"{'JOB':<20} {'SCHEDULE':<34} {'NEXT RUN (UTC)':<26} {'FAIL':>4} "
               f"{'LAST':<9} NOTE")
    for row in rows:
        next_run = row["next_run_at"] or ("not scheduled yet" if row["configured"]
                                          else "not configured")
        click.echo(f"{row['job']:<20} {row['schedule']:<34} {next_run:<26} "
                   f"{row['consecutive_failures'] or 0:>4} {row['last_status'] or '-':<9} "
                   f"{row['note'] or ''}")


@click.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--list", "list_jobs", is_flag=True, help="Show the jobs and their next run; exit.")
@click.option("--run-now", "run_now", metavar="JOB",
              help="Run one job now (a source id, recheck or digest) in the foreground; exit.")
@click.option("--json", "as_json", is_flag=True, help="With --list/--run-now: print JSON.")
@click.option("--max-parallel", default=2, show_default=True, type=click.IntRange(1, 32),
              help="Crawls running at the same time.")
@click.option("--grace", "grace_s", default=120.0, show_default=True,
              type=click.FloatRange(min=0),
              help="On SIGTERM/Ctrl-C, seconds running crawls get to finish (a second signal: "
                   "stop them now).")
@click.option("--kill-grace", "kill_grace_s", default=30.0, show_default=True,
              type=click.FloatRange(min=0),
              help="Seconds an interrupted crawl gets to record its run before it is killed.")
@click.option("--recheck-cron", default="30 */6 * * *", show_default=True,
              help="When to recheck recent articles for edits and takedowns ('' = never).")
@click.option("--recheck-days", default=2.0, show_default=True, type=click.FloatRange(min=0),
              help="Recheck articles first seen in the last DAYS days.")
@click.option("--digest-cron", default="0 6 * * *", show_default=True,
              help="When to write the digest of new relevant stories ('' = never).")
@click.option("--digest-dir", type=click.Path(file_okay=False), default=None,
              help="Where digests go (default: <db>-digests/).")
@click.option("--alerts", "alerts_path", envvar="NEWSMON_ALERTS", type=click.Path(dir_okay=False),
              help="Alerts file: immediate alerts after every crawl, a job per batched "
                   "subscription (env NEWSMON_ALERTS).")
@click.option("-v", "--verbose", is_flag=True, help="Log every run, not just problems.")
def schedule(db_path: str, sources_path: str | None, list_jobs: bool,
             run_now: str | None, as_json: bool, max_parallel: int, grace_s: float,
             kill_grace_s: float, recheck_cron: str, recheck_days: float, digest_cron: str,
             digest_dir: str | None, alerts_path: str | None, verbose: bool) -> None:
    """Crawl every enabled source on its own rhythm until stopped (SIGTERM or Ctrl-C).

    Each run is `scrapy crawl SOURCE` in its own process with the source's timeout, recorded
    in crawl_runs. Sources with news every run are polled more often (down to
    min_interval_minutes), quiet ones less often (up to max_interval_minutes), failing ones
    back off. Their rhythm is kept in the database (schedule_state): a restart resumes it, and
    a changed sources file is applied on restart.

    Example: newsmon schedule --db newsmon.db --max-parallel 3
    """
    from schedules.service import SchedulerBusy
    logging.basicConfig(level=logging.INFO if verbose or run_now else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from crawler.crontab import CrontabError, cron_trigger
    for name, value in (("--recheck-cron", recheck_cron), ("--digest-cron", digest_cron)):
        try:
            if value:
                cron_trigger(value)
        except CrontabError as exc:
            raise click.BadParameter(str(exc), param_hint=name) from None
    # Running the scheduler (or a job now) crawls, so it may start a new database (and says
    # so); listing the jobs of one that does not exist is a mistake.
    open_db_or_fail(db_path, create=not list_jobs).close()
    service = _service(db_path, sources_path, alerts_path, max_parallel=max_parallel,
                       grace_s=grace_s, kill_grace_s=kill_grace_s,
                       recheck_cron=recheck_cron or None, recheck_days=recheck_days,
                       digest_cron=digest_cron or None, digest_dir=digest_dir)
    if list_jobs:
        from storage.locks import FileLock
        probe = FileLock(service.config.paths.lock("scheduler"))
        if probe.acquire("newsmon schedule --list (checking)"):
            probe.release()
            click.echo("no newsmon schedule is running on this database: next runs are when "
                       "it would run them", err=True)
        else:
            click.echo(f"scheduler running: {probe.holder()}", err=True)
        _print_jobs(service.job_rows(), as_json)
        return
    if run_now:
        if run_now not in service.plans:
            raise click.ClickException(
                f"unknown job {run_now!r}; jobs: {', '.join(sorted(service.plans))}")
        service.open_scheduler()
        try:
            outcome = service.run_once(run_now)
        finally:
            service.close_scheduler(wait=False)
        if as_json:
            click.echo(json.dumps(outcome.__dict__, indent=2, ensure_ascii=False, default=str))
        else:
            click.echo(f"{run_now}: {outcome.status}, {outcome.new} new, {outcome.updated} "
                       f"updated, {outcome.errors} errors in {outcome.duration_s:.1f} s"
                       + (f" (run {outcome.run_id})" if outcome.run_id else "")
                       + (f": {outcome.error}" if outcome.error else ""))
        if outcome.status == "skipped":
            raise click.ClickException(outcome.error or "skipped")
        if not outcome.ok:
            raise SystemExit(1)             # failed, timeout or interrupted
        return

    def ready(lines: list[str]) -> None:
        click.echo(f"scheduling {len(service.plans)} job(s) on {db_path}; SIGTERM or Ctrl-C "
                   f"stops", err=True)
        for line in lines:
            click.echo(f"  {line}", err=True)

    try:
        service.serve(on_ready=ready)
    except SchedulerBusy as exc:
        raise click.ClickException(f"{exc}; stop it first, or use --list / --run-now") from None
    click.echo("scheduler stopped", err=True)


@click.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--check", is_flag=True,
              help="Exit with status 1 when a source is flagged (for cron or monitoring).")
def health(db_path: str, sources_path: str | None, as_json: bool, check: bool) -> None:
    """Show each source's health: runs, failures, yield against its usual range, extraction.

    Flags: failing, never_succeeded, silent, below_usual, extraction_degraded, stale,
    never_run. The same table is the source_health view in Datasette.

    Example: newsmon health --check || mail -s "newsmon needs a look" me@example.org
    """
    from newsmon.options import record_sources_if_named
    from storage.health import FLAG_MEANINGS, source_health
    db = open_db_or_fail(db_path)
    record_sources_if_named(db, sources_path)
    rows = source_health(db)
    db.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(f"{'SOURCE':<20} {'STATUS':<8} {'LAST SUCCESS':<26} {'FAIL':>4} "
                   f"{'24H':>4} {'USUAL/DAY':>9} {'SINCE NEW':>9}  FLAGS")
        for row in rows:
            usual = ("-" if row["usual_per_day_low"] is None
                     else f"{row['usual_per_day_low']}-{row['usual_per_day_high']}")
            since = ("-" if row["hours_since_new_article"] is None
                     else f"{row['hours_since_new_article']:.1f} h")
            click.echo(f"{row['source']:<20} {row['status']:<8} "
                       f"{row['last_success_at'] or 'never':<26} {row['consecutive_failures']:>4} "
                       f"{row['articles_last_24h']:>4} {usual:>9} {since:>9}  "
                       f"{' '.join(row['flags']) or '-'}")
        shown = sorted({flag for row in rows for flag in row["flags"]})
        for flag in shown:
            click.echo(f"  {flag}: {FLAG_MEANINGS.get(flag, '')}")
    if check and any(row["flags"] and row["flags"] != ["never_run"] for row in rows
                     if row["enabled"]):
        raise SystemExit(1)


@click.command()
@DB_OPTION
@click.option("--since", default="1d", show_default=True,
              help="Stories with a relevant article first seen since (2025-11-01, 1d, 12h, 1w).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write digest-<date>.md and .json to this directory (default: print Markdown).")
def digest(db_path: str, since: str, out_dir: str | None) -> None:
    """Write the digest of new relevant stories: one entry per story, with every outlet.

    Example: newsmon digest --since 1d --out digests/
    """
    from newsmon.jobs import digest_job, render_digest
    from newsmon.options import since_to_iso
    open_db_or_fail(db_path, readonly=True).close()
    since_iso = since_to_iso(since)
    if out_dir is None:
        _, _, markdown = render_digest(db_path, since_iso)
        click.echo(markdown, nl=False)
        return
    try:
        count = digest_job(db_path, since_iso, out_dir)
    except OSError as exc:
        raise click.ClickException(f"cannot write the digest into --out {out_dir}: "
                                   f"{exc.strerror or exc}") from None
    click.echo(f"{count} stories since {since_iso} -> {out_dir}")
