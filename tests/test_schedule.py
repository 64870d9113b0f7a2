"""Scheduling: rhythm, restarts, backoff, locks and child crawls, with a controlled clock."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.sources import SourceConfigError, parse_sources
from schedules.plan import first_run_time, plan_for_source, plan_jobs
from schedules.polling import Rhythm, after_failure, after_success
from schedules.process import CrawlCommand, RunOutcome, Stopper, run_crawl
from schedules.service import MonitorService, SchedulerBusy, ServiceConfig
from storage.db import open_db
from storage.locks import FileLock
from storage.paths import Paths
from tests.mockserver import MockServer

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
FAST = (("NEWSMON_RETRY_BACKOFF_BASE", "0.05"), ("RETRY_TIMES", "0"),
        ("DOWNLOAD_TIMEOUT", "20"))


def _sources(schedule: dict[str, Any] | None = None, ids: tuple[str, ...] = ("alpha", "beta"),
             defaults: dict[str, Any] | None = None) -> list[Any]:
    doc: dict[str, Any] = {"sources": [{
        "id": sid, "name": sid, "homepage": f"https://{sid}.example.org/", "languages": ["en"],
        "allowed_domains": [f"{sid}.example.org"], "article_url_pattern": "/news/",
        "discovery": {"feeds": [f"https://{sid}.example.org/rss"]},
        **({"schedule": schedule} if schedule else {})} for sid in ids]}
    if defaults:
        doc["defaults"] = {"schedule": defaults}
    return parse_sources(yaml.safe_dump(doc), "test-sources.yaml")


# -- configuration -------------------------------------------------------------------------

def test_schedule_config_accepts_minutes_bounds_jitter_and_timeout() -> None:
    source = _sources({"interval_minutes": 30, "min_interval_minutes": 10,
                       "max_interval_minutes": 120, "jitter_seconds": 0,
                       "timeout_minutes": 15})[0]
    plan = plan_for_source(source)
    assert (plan.interval_s, plan.min_s, plan.max_s) == (1800, 600, 7200)
    assert plan.jitter_s == 0 and plan.timeout_s == 900
    assert plan.misfire_grace_s == 900


def test_schedule_defaults_give_bounds_around_the_interval() -> None:
    plan = plan_for_source(_sources(defaults={"interval_minutes": 60})[0])
    assert (plan.interval_s, plan.min_s, plan.max_s) == (3600, 900, 14400)
    assert 0 < plan.jitter_s <= 300


@pytest.mark.parametrize("schedule, field", [
    ({"interval_minutes": 30, "min_interval_minutes": 60}, "min_interval_minutes"),
    ({"min_interval_minutes": 90, "max_interval_minutes": 30}, "min_interval_minutes"),
    ({"interval_minutes": 0}, "interval_minutes"),
    ({"interval_minutes": 10, "cron": "*/5 * * * *"}, "cron"),
    ({"cron": "61 * * * *"}, "cron"),
    ({"timeout_minutes": "soon"}, "timeout_minutes"),
    ({"every": 5}, "every"),
])
def test_bad_schedule_config_names_the_source_and_field(schedule: dict[str, Any],
                                                       field: str) -> None:
    with pytest.raises(SourceConfigError) as info:
        _sources(schedule)
    assert "source 'alpha'" in str(info.value) and f"schedule.{field}" in str(info.value)


def test_a_source_cron_overrides_a_default_interval() -> None:
    plan = plan_for_source(_sources({"cron": "15 * * * *"},
                                    defaults={"interval_minutes": 60})[0])
    assert plan.cron == "15 * * * *" and plan.interval_s is None
    assert plan.first_fire_after(T0) == T0 + timedelta(minutes=15)


def test_maintenance_jobs_are_planned_and_cannot_clash_with_a_source() -> None:
    plans = plan_jobs(_sources(), "30 */6 * * *", "0 6 * * *")
    assert set(plans) == {"alpha", "beta", "recheck", "digest"}
    assert plans["digest"].kind == "maintenance"
    assert set(plan_jobs(_sources(), None, None)) == {"alpha", "beta"}
    with pytest.raises(ValueError, match="digest"):
        plan_jobs(_sources(ids=("digest",)), None, "0 6 * * *")


# -- adaptive polling ------------------------------------------------------------------------

def test_news_every_run_polls_faster_down_to_the_minimum() -> None:
    rhythm = Rhythm(600, 300, 2400)
    interval = 600.0
    seen = []
    for _ in range(4):
        interval = after_success(rhythm, interval, new_articles=3).interval_s
        seen.append(interval)
    assert seen[0] < 600 and seen == sorted(seen, reverse=True) and seen[-1] == 300


def test_quiet_runs_poll_slower_up_to_the_maximum() -> None:
    rhythm = Rhythm(600, 300, 2400)
    interval = 600.0
    for _ in range(6):
        decision = after_success(rhythm, interval, new_articles=0)
        assert decision.interval_s >= interval
        interval = decision.interval_s
    assert interval == 2400 and "maximum" in decision.note


def test_failures_back_off_exponentially_and_are_capped() -> None:
    rhythm = Rhythm(600, 300, 2400)
    delays = [after_failure(rhythm, 600, n).delay_s for n in range(1, 7)]
    assert delays[:3] == [1200, 2400, 4800]
    assert max(delays) == 2400 * 4 and delays == sorted(delays)
    assert after_failure(rhythm, 600, 2).interval_s == 600     # the rhythm itself is kept


# -- first run after a (re)start ---------------------------------------------------------------

def test_first_run_time_cases() -> None:
    plan = plan_for_source(_sources({"interval_minutes": 60, "jitter_seconds": 0})[0])
    assert first_run_time(plan, T0, crawled_before=False, kept_next_run=None, last_run_at=None,
                          interval_s=None)[0] == T0
    later = T0 + timedelta(minutes=20)
    assert first_run_time(plan, T0, crawled_before=True, kept_next_run=later, last_run_at=None,
                          interval_s=None) == (later, "resuming its rhythm")
    assert first_run_time(plan, T0, crawled_before=True, kept_next_run=T0 - timedelta(hours=3),
                          last_run_at=None, interval_s=None)[0] == T0
    assert first_run_time(plan, T0, crawled_before=True, kept_next_run=None,
                          last_run_at=T0 - timedelta(minutes=45),
                          interval_s=None)[0] == T0 + timedelta(minutes=15)


def _config(tmp_path: Path, **extra: Any) -> ServiceConfig:
    return ServiceConfig(db_path=str(tmp_path / "t.db"), recheck_cron=None, digest_cron=None,
                         **extra)


def _record_run(db_path: str, source: str, started: datetime, status: str = "finished") -> None:
    db = open_db(db_path)
    db.execute("INSERT INTO crawl_runs (source, started_at, finished_at, status) "
               "VALUES (?, ?, ?, ?)", [source, started.isoformat(), started.isoformat(), status])
    db.close()


def _next_runs(service: MonitorService) -> dict[str, datetime]:
    assert service.scheduler is not None
    return {job.id: job.next_run_time for job in service.scheduler.get_jobs()}


def test_restart_keeps_the_rhythm_and_picks_up_config_changes(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _record_run(config.db_path, "alpha", T0 - timedelta(minutes=10))
    first = MonitorService(config, _sources({"interval_minutes": 60, "jitter_seconds": 0}),
                           clock=lambda: T0)
    first.open_scheduler()
    first.sync_jobs()
    runs = _next_runs(first)
    assert runs["beta"] == T0                                   # never crawled: at start
    assert runs["alpha"] == T0 + timedelta(minutes=50)          # continues from its last run
    first.close_scheduler()

    # Restart 5 minutes later with the same config: nothing is lost, duplicated or moved.
    again = MonitorService(config, _sources({"interval_minutes": 60, "jitter_seconds": 0}),
                           clock=lambda: T0 + timedelta(minutes=5))
    again.open_scheduler()
    again.sync_jobs()
    assert _next_runs(again)["alpha"] == T0 + timedelta(minutes=50)
    assert len(again.scheduler.get_jobs()) == 2                 # type: ignore[union-attr]
    again.close_scheduler()

    # Restart with alpha's interval changed and beta removed from the file.
    changed = MonitorService(config, _sources({"interval_minutes": 20, "jitter_seconds": 0},
                                              ids=("alpha",)),
                             clock=lambda: T0 + timedelta(minutes=6))
    changed.open_scheduler()
    lines = changed.sync_jobs()
    runs = _next_runs(changed)
    assert set(runs) == {"alpha"} and any("beta: removed" in line for line in lines)
    assert runs["alpha"] == T0 + timedelta(minutes=10)         # last run + the new 20 minutes
    assert "every 20 min" in changed.job_rows()[0]["schedule"]
    changed.close_scheduler()
    conn = sqlite3.connect(config.db_path)
    assert [r[0] for r in conn.execute("SELECT source FROM schedule_state")] == ["alpha"]
    conn.close()


def test_after_run_adapts_the_next_run_with_a_controlled_clock(tmp_path: Path) -> None:
    config = _config(tmp_path)
    service = MonitorService(config, _sources({"interval_minutes": 10, "min_interval_minutes": 5,
                                               "max_interval_minutes": 40,
                                               "jitter_seconds": 0}, ids=("alpha",)),
                             clock=lambda: T0)
    service.open_scheduler()
    service.sync_jobs()
    plan = service.plans["alpha"]
    service.after_run(plan, RunOutcome("alpha", "finished", new=4), now=T0)
    assert _next_runs(service)["alpha"] == T0 + timedelta(minutes=7)      # 10 * 0.7
    service.after_run(plan, RunOutcome("alpha", "finished", new=0), now=T0)
    assert _next_runs(service)["alpha"] == T0 + timedelta(minutes=10.5)   # 7 * 1.5
    for failures, minutes in ((1, 21), (2, 42), (3, 84)):
        service.after_run(plan, RunOutcome("alpha", "failed", error="down"), now=T0)
        assert _next_runs(service)["alpha"] == T0 + timedelta(minutes=minutes), failures
    row = service.job_rows()[0]
    assert row["consecutive_failures"] == 3 and "backing off" in row["note"]
    service.after_run(plan, RunOutcome("alpha", "finished", new=1), now=T0)
    row = service.job_rows()[0]
    assert row["consecutive_failures"] == 0
    assert _next_runs(service)["alpha"] == T0 + timedelta(minutes=7.35)  # 10.5 * 0.7
    service.after_run(plan, RunOutcome("alpha", "skipped", error="already running"), now=T0)
    assert "skipped" in service.job_rows()[0]["note"]
    service.close_scheduler()


def test_a_failing_cron_source_waits_for_a_later_crontab_time(tmp_path: Path) -> None:
    service = MonitorService(_config(tmp_path), _sources({"cron": "*/10 * * * *",
                                                          "jitter_seconds": 0}, ids=("alpha",)),
                             clock=lambda: T0)
    service.open_scheduler()
    service.sync_jobs()
    service.after_run(service.plans["alpha"], RunOutcome("alpha", "failed"), now=T0)
    assert _next_runs(service)["alpha"] == T0 + timedelta(minutes=30)     # >= 2 * 15 min
    service.close_scheduler()


# -- locks and child crawls ------------------------------------------------------------------

def test_a_held_source_lock_skips_the_run(tmp_path: Path, mock_site: MockServer) -> None:
    sources = mock_site.write_sources(tmp_path)
    db = str(tmp_path / "t.db")
    holder = FileLock(Paths.for_db(db).lock("demo-ovd"))
    assert holder.acquire("crawl demo-ovd by hand")
    outcome = run_crawl(CrawlCommand("demo-ovd", db, str(sources), settings=FAST))
    assert outcome.status == "skipped" and "crawl demo-ovd by hand" in (outcome.error or "")
    [run] = _crawl_runs(db)                   # the crawl itself recorded that it was skipped
    assert run["status"] == "skipped" and run["id"] == outcome.run_id
    assert mock_site.article_requests() == []
    holder.release()
    again = FileLock(Paths.for_db(db).lock("demo-ovd"))
    assert again.acquire("x")
    again.release()


def test_a_second_scheduler_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    config = _config(tmp_path)
    held = FileLock(Paths.for_db(config.db_path).lock("scheduler"))
    assert held.acquire("newsmon schedule")
    with pytest.raises(SchedulerBusy, match="already runs"):
        MonitorService(config, _sources()).serve()
    held.release()


def _crawl_runs(db: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM crawl_runs ORDER BY id")]
    finally:
        conn.close()


def test_child_crawl_records_its_run_and_stores_articles(tmp_path: Path,
                                                         mock_site: MockServer) -> None:
    sources = mock_site.write_sources(tmp_path)
    db = str(tmp_path / "t.db")
    outcome = run_crawl(CrawlCommand("demo-ovd", db, str(sources), settings=FAST))
    assert outcome.status == "finished" and outcome.new == 6 and outcome.exit_code == 0
    [run] = _crawl_runs(db)
    assert run["id"] == outcome.run_id and run["triggered_by"] == "schedule"
    assert run["new_articles"] == 6 and run["status"] == "finished" and run["finished_at"]
    assert json.loads(run["stats"])["newsmon/run_id"] == run["id"]
    assert Path(run["log_path"]).is_file()


def test_a_crawl_that_cannot_start_is_a_failed_run_with_its_error(tmp_path: Path,
                                                                  mock_site: MockServer) -> None:
    sources = mock_site.write_sources(tmp_path)
    db = str(tmp_path / "t.db")
    outcome = run_crawl(CrawlCommand("no-such-source", db, str(sources)))
    assert outcome.status == "failed" and outcome.exit_code != 0
    assert "before it recorded a run" in (outcome.error or "")
    assert "no-such-source" in (outcome.error or "")
    assert not Path(db).exists() or _crawl_runs(db) == []   # the crawl never started


def test_an_outlet_that_is_down_is_a_failed_run(tmp_path: Path, mock_site: MockServer) -> None:
    sources = mock_site.write_sources(tmp_path)
    mock_site.fail("ovd/news", status=503)           # its only discovery page
    db = str(tmp_path / "t.db")
    outcome = run_crawl(CrawlCommand("demo-ovd", db, str(sources), settings=FAST))
    assert outcome.status == "failed", _crawl_runs(db)
    assert "every feed, sitemap and section page request failed" in (outcome.error or "")


def test_a_hanging_crawl_is_stopped_at_its_timeout(tmp_path: Path,
                                                   mock_site: MockServer) -> None:
    sources = mock_site.write_sources(tmp_path)
    mock_site.fail("ovd/news", status=200, delay=25)
    db = str(tmp_path / "t.db")
    outcome = run_crawl(CrawlCommand("demo-ovd", db, str(sources), timeout_s=4,
                                     kill_grace_s=2, settings=FAST))
    assert outcome.status == "timeout" and outcome.duration_s < 20
    [run] = _crawl_runs(db)
    assert run["status"] == "timeout" and "time limit of 4 s reached" in run["error"]
    assert run["finished_at"] is not None


def test_recheck_runs_as_a_function_in_a_child_holding_its_lock(tmp_path: Path,
                                                                mock_site: MockServer) -> None:
    """The scheduler's recheck job: newsmon.jobs.recheck_job in `python -m schedules.child`,
    which inherits the job's lock; its crawls record recheck runs."""
    import subprocess
    import sys

    from newsmon.jobs import recheck_job
    from schedules.process import run_function
    sources = mock_site.write_sources(tmp_path)
    db = str(tmp_path / "t.db")
    subprocess.run([sys.executable, "-m", "newsmon.cli", "crawl", "demo-ovd", "--db", db,
                    "--sources", str(sources)], check=True, capture_output=True, timeout=300)
    held = FileLock(Paths.for_db(db).lock("job-recheck"))
    assert held.acquire("a recheck already running")
    assert run_function("recheck", recheck_job, (db, str(sources), 9999, dict(FAST)), db,
                        300, 5).status == "skipped"
    held.release()
    outcome = run_function("recheck", recheck_job, (db, str(sources), 9999, dict(FAST)), db,
                           300, 5)
    assert outcome.status == "finished", Path(outcome.extra["log_path"]).read_text()
    runs = [r for r in _crawl_runs(db) if r["triggered_by"] == "recheck"]
    assert len(runs) == 1 and runs[0]["status"] == "finished"
    log = Path(outcome.extra["log_path"]).read_text()
    assert "demo-ovd: 0 new" in log and log.count("demo-ovd: 0 new") == 1   # logged once
    lock = FileLock(Paths.for_db(db).lock("job-recheck"))
    assert lock.acquire("free again")
    lock.release()
    # An article that could not be fetched was not rechecked: the job says so, as `newsmon
    # recheck` does, instead of finishing quietly.
    import sqlite3
    url = sqlite3.connect(db).execute("SELECT url FROM articles LIMIT 1").fetchone()[0]
    mock_site.fail(url.split("/", 3)[3], status=503, times=1)            # FAST: no retry
    down = run_function("recheck", recheck_job, (db, str(sources), 9999, dict(FAST)), db,
                        300, 5)
    assert down.status == "failed" and "1 article(s) could not be fetched" in str(down.error)


def test_stop_lets_a_crawl_finish_within_the_grace_period(tmp_path: Path,
                                                          mock_site: MockServer) -> None:
    sources = mock_site.write_sources(tmp_path)
    db = str(tmp_path / "t.db")
    stopper = Stopper()
    stopper.stop(60)                 # asked to stop, but the crawl has a minute to finish
    outcome = run_crawl(CrawlCommand("demo-ovd", db, str(sources), settings=FAST), stopper)
    assert outcome.status == "finished" and outcome.new == 6


# -- crontab, abandoned runs, interruptions, skips -------------------------------------------

@pytest.mark.parametrize("expr, weekday", [("0 6 * * 0", "Sun"), ("0 6 * * 7", "Sun"),
                                           ("0 6 * * 1", "Mon"), ("0 6 * * sat", "Sat"),
                                           ("0 6 * * 0-2", "Sun"), ("0 6 * * 6,7", "Sat")])
def test_crontab_weekdays_mean_what_cron_means(expr: str, weekday: str) -> None:
    friday_noon = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    plan = plan_for_source(_sources({"cron": expr})[0])
    assert plan.first_fire_after(friday_noon).strftime("%a %H:%M") == f"{weekday} 06:00"


def test_weekday_ranges_and_bad_crontabs() -> None:
    from crawler.crontab import CrontabError, cron_trigger
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)
    fires = []
    moment = monday
    for _ in range(5):
        fire = cron_trigger("0 6 * * 1-5").get_next_fire_time(None, moment)
        assert fire is not None
        fires.append(fire.strftime("%a"))
        moment = fire + timedelta(minutes=1)
    assert fires == ["Tue", "Wed", "Thu", "Fri", "Mon"]
    for bad in ("61 * * * *", "0 6 * * 8", "0 6 * *", "0 6 * * 5-2"):
        with pytest.raises(CrontabError):
            cron_trigger(bad)
    # February 31st: valid-looking, never fires (the scheduler dropped the job after a run).
    with pytest.raises(CrontabError, match="never fires"):
        cron_trigger("0 0 31 2 *")
    assert cron_trigger("0 0 29 2 *").get_next_fire_time(None, monday) is not None


def test_a_run_left_running_by_a_dead_crawl_is_closed(tmp_path: Path,
                                                      mock_site: MockServer) -> None:
    sources = mock_site.write_sources(tmp_path)
    db = str(tmp_path / "t.db")
    _record_run(db, "demo-ovd", T0, status="running")
    outcome = run_crawl(CrawlCommand("demo-ovd", db, str(sources), settings=FAST))
    assert outcome.status == "finished"
    old, new = _crawl_runs(db)
    assert old["status"] == "failed" and "abandoned" in old["error"] and old["finished_at"]
    assert new["status"] == "finished"


def test_a_crawl_stopped_by_shutdown_is_interrupted_not_failed(tmp_path: Path,
                                                              mock_site: MockServer) -> None:
    sources = mock_site.write_sources(tmp_path)
    mock_site.fail("ovd/news", status=200, delay=25)
    config = ServiceConfig(db_path=str(tmp_path / "t.db"), sources_path=str(sources),
                           recheck_cron=None, digest_cron=None, kill_grace_s=3, settings=FAST)
    service = MonitorService(config, [s for s in
                                      parse_sources(sources.read_text(), str(sources))
                                      if s.id == "demo-ovd"])
    service.stopper.stop(3)                   # the stop arrives 3 s into the crawl
    stopper_was_set = service.stopper.stopping
    outcome = service._run(service.plans["demo-ovd"], "schedule")
    service.after_run(service.plans["demo-ovd"], outcome)
    assert stopper_was_set and outcome.status == "interrupted", outcome
    [run] = _crawl_runs(config.db_path)
    assert run["status"] == "interrupted" and run["finished_at"]
    state = sqlite3.connect(config.db_path).execute(
        "SELECT consecutive_failures, last_status FROM schedule_state").fetchone()
    assert state == (0, "interrupted")


def test_a_skipped_run_leaves_the_last_run_as_it_was(tmp_path: Path) -> None:
    service = MonitorService(_config(tmp_path), _sources({"jitter_seconds": 0}, ids=("alpha",)),
                             clock=lambda: T0)
    service.open_scheduler()
    service.sync_jobs()
    plan = service.plans["alpha"]
    service.after_run(plan, RunOutcome("alpha", "finished", run_id=7, new=2), now=T0)
    later = T0 + timedelta(minutes=5)
    service.after_run(plan, RunOutcome("alpha", "skipped", error="already running"), now=later)
    row = service.job_rows()[0]
    assert row["last_status"] == "finished" and row["last_new"] == 2
    assert row["last_run_at"] == T0.isoformat() and "skipped" in row["note"]
    service.close_scheduler()


def test_a_manual_crawl_of_a_source_being_crawled_is_skipped(tmp_path: Path,
                                                             mock_site: MockServer) -> None:
    import subprocess
    import sys
    sources = mock_site.write_sources(tmp_path)
    db = str(tmp_path / "t.db")
    _record_run(db, "demo-tmt", T0, status="running")      # left by a crawl that died
    held = FileLock(Paths.for_db(db).lock("demo-ovd"))
    assert held.acquire("crawl demo-ovd by the scheduler")
    try:
        result = subprocess.run([sys.executable, "-m", "newsmon.cli", "crawl", "demo-ovd",
                                 "demo-tmt", "demo-ovd", "--db", db, "--sources", str(sources)],
                                capture_output=True, text=True, timeout=300)
    finally:
        held.release()
    assert result.returncode == 0, result.stderr
    abandoned = _crawl_runs(db)[0]
    assert abandoned["status"] == "failed" and "abandoned" in abandoned["error"]
    assert len(_crawl_runs(db)) == 3                         # demo-ovd named twice, run once
    runs = {r["source"]: r for r in _crawl_runs(db)[1:]}
    assert runs["demo-ovd"]["status"] == "skipped" and runs["demo-ovd"]["new_articles"] == 0
    assert "by the scheduler" in runs["demo-ovd"]["error"]
    assert runs["demo-tmt"]["status"] == "finished" and runs["demo-tmt"]["new_articles"] > 0


def test_close_reasons_read_as_run_statuses() -> None:
    from pipelines.run import run_outcome
    ok = {"newsmon/discovery/feed_entries": 3, "newsmon/store/new": 2}
    down = {"newsmon/errors/feed": 2}
    assert run_outcome("shutdown", ok, None)[:2] == (
        "interrupted", "interrupted (SIGINT/SIGTERM) before it finished")   # not a failure
    assert run_outcome("finished", ok, None)[0] == "finished"
    assert run_outcome("finished", ok, None)[2]["new_articles"] == 2
    assert run_outcome("finished", down, None)[0] == "failed"          # the outlet is down
    assert run_outcome("timeout", ok, None)[0] == "timeout"
    assert run_outcome("skipped", {}, "pid 7")[1] == ("another crawl of this source is "
                                                      "running (pid 7)")
    assert run_outcome("cancelled", ok, None)[0] == "failed"
    # A part that failed after the pages were done (a worker that could not hand them in).
    unpushed = {**ok, "newsmon/failure": "Redis could not be reached as the worker closed"}
    assert run_outcome("finished", unpushed, None)[:2] == (
        "failed", "Redis could not be reached as the worker closed")
    assert run_outcome("redis_unreachable", unpushed, None)[:2] == (
        "failed", "Redis could not be reached as the worker closed")


def test_serve_work_dirs_of_running_servers_are_kept(tmp_path: Path) -> None:
    import os
    import time as time_module

    from newsmon.web.serve import _work_dir
    db = str(tmp_path / "w.db")
    alive, dead = _work_dir(db), _work_dir(db)
    (dead / "pid").write_text("999999999")
    old = time_module.time() - 3600
    for path in (alive, dead):
        os.utime(path, (old, old))
    fresh = _work_dir(db)
    assert alive.exists() and not dead.exists() and fresh.exists()
