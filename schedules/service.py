"""`newsmon schedule`: APScheduler runs each source's crawl in its own process on its rhythm."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar

from apscheduler.events import (EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED,
                                JobEvent, JobExecutionEvent)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from crawler.sources import Source
from crawler.locks import FileLock, lock_dir_for
from schedules.plan import JobPlan, first_run_time, plan_jobs
from schedules.polling import after_failure, after_success
from schedules.process import CrawlCommand, RunOutcome, Stopper, run_command, run_crawl
from storage.db import open_db
from storage.runs import last_run_started
from storage.schedule_state import all_states, drop_states, get_state, put_state

logger = logging.getLogger(__name__)

JOB_FUNC = "schedules.service:run_job"
CRON_FAILURE_BASE_S = 900.0
CRON_FAILURE_CAP_S = 86400.0


class _Scheduler(BackgroundScheduler):
    """BackgroundScheduler that does nothing once stopped.

    APScheduler 3 wakes its thread on shutdown and processes due jobs once more, after the
    executors are gone: due jobs then log submit errors and get their next run moved in the
    job store, which would lose their rhythm on every `schedule --list` and every stop.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        return result


class SchedulerBusy(RuntimeError):
    """Another `newsmon schedule` already runs on this database."""


@dataclass(frozen=True)
class ServiceConfig:
    db_path: str
    sources_path: str | None = None
    jobs_db: str | None = None          # default: <db>-schedule.db beside the database
    max_parallel: int = 2
    grace_s: float = 120.0              # on stop, running crawls get this long to finish
    kill_grace_s: float = 30.0          # after interrupting a crawl, wait this long to kill it
    recheck_cron: str | None = "30 */6 * * *"
    recheck_days: float = 2.0
    digest_cron: str | None = "0 6 * * *"
    digest_dir: str | None = None       # default: <db>-digests/ beside the database
    settings: tuple[tuple[str, str], ...] = ()

    @property
    def jobs_db_path(self) -> Path:
        return Path(self.jobs_db) if self.jobs_db else Path(f"{Path(self.db_path)}-schedule.db")

    @property
    def digest_path(self) -> Path:
        return Path(self.digest_dir) if self.digest_dir else Path(f"{Path(self.db_path)}-digests")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat() if moment else None


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _plan_values(plan: JobPlan) -> dict[str, Any]:
    return {"kind": "cron" if plan.cron else "interval", "base_interval_s": plan.interval_s,
            "min_interval_s": plan.min_s, "max_interval_s": plan.max_s, "cron": plan.cron,
            "config": plan.config_json()}


def run_job(job_id: str) -> dict[str, Any]:
    """What the job store calls: the running service carries out the job.

    APScheduler stores jobs by a textual reference to a module-level function, so the
    function finds the one service this process runs (the scheduler lock makes it one).
    """
    service = MonitorService.current()
    if service is None:
        raise RuntimeError(f"job {job_id} fired but no newsmon scheduler runs in this process")
    return service.execute(job_id).__dict__


class MonitorService:
    """The jobs, their rhythm and the stop logic around one APScheduler BackgroundScheduler."""

    _current: ClassVar[MonitorService | None] = None

    def __init__(self, config: ServiceConfig, sources: list[Source],
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self.config = config
        self.clock = clock
        self.plans: dict[str, JobPlan] = plan_jobs(sources, config.recheck_cron,
                                                   config.digest_cron)
        self.stopper = Stopper()
        self.scheduler: BackgroundScheduler | None = None
        self._active = 0
        self._active_lock = threading.Condition()

    @classmethod
    def current(cls) -> MonitorService | None:
        return cls._current

    # -- the APScheduler side -------------------------------------------------------------

    def open_scheduler(self) -> BackgroundScheduler:
        """Start a paused scheduler on the persistent job store (nothing runs until resume)."""
        self.config.jobs_db_path.parent.mkdir(parents=True, exist_ok=True)
        scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(
                url=f"sqlite:///{self.config.jobs_db_path.resolve()}",
                tablename="apscheduler_jobs")},
            executors={"default": ThreadPoolExecutor(self.config.max_parallel)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=timezone.utc)
        scheduler.add_listener(self._on_event,
                               EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        scheduler.start(paused=True)
        self.scheduler = scheduler
        return scheduler

    def close_scheduler(self, wait: bool = True) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=wait)
            self.scheduler = None

    def _on_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_ERROR and isinstance(event, JobExecutionEvent):
            logger.error("job %s raised %r; it stays scheduled", event.job_id, event.exception,
                         exc_info=(type(event.exception), event.exception, event.exception
                                   .__traceback__) if event.exception else None)
        elif event.code == EVENT_JOB_MISSED:
            logger.warning("job %s missed its run time %s (beyond its misfire grace time)",
                           event.job_id, getattr(event, "scheduled_run_time", "?"))
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            logger.warning("job %s: its previous run is still running or waiting for a free "
                           "slot (--max-parallel); this run is skipped", event.job_id)

    def sync_jobs(self, now: datetime | None = None) -> list[str]:
        """Make the job store match the configuration; return one line per job saying when."""
        assert self.scheduler is not None, "open_scheduler() first"
        now = now or self.clock()
        lines: list[str] = []
        db = open_db(self.config.db_path)
        try:
            states = all_states(db)
            for job_id, plan in self.plans.items():
                existing = self.scheduler.get_job(job_id)
                state = states.get(job_id) or {}
                same = existing is not None and state.get("config") == plan.config_json()
                interval = ((state.get("current_interval_s") if same else None)
                            or plan.interval_s or plan.cron_period_s(now))
                last_crawl = _parse(last_run_started(db, job_id))
                first, why = first_run_time(
                    plan, now, crawled_before=plan.kind != "crawl" or last_crawl is not None,
                    kept_next_run=existing.next_run_time if same and existing else None,
                    last_run_at=_parse(state.get("last_run_at")) or last_crawl,
                    interval_s=interval)
                self.scheduler.add_job(
                    JOB_FUNC, trigger=plan.trigger(interval), args=[job_id], id=job_id,
                    name=f"{plan.kind} {job_id}", replace_existing=True, next_run_time=first,
                    coalesce=True, max_instances=1, misfire_grace_time=plan.misfire_grace_s)
                values: dict[str, Any] = {
                    **_plan_values(plan), "current_interval_s": interval,
                    "next_run_at": _iso(first), "note": why, "updated_at": _iso(now)}
                if not same:
                    values["consecutive_quiet"] = 0
                put_state(db, job_id, values)
                lines.append(f"{job_id}: {plan.describe(interval)}; next run {_iso(first)} "
                             f"({why})")
            for job in self.scheduler.get_jobs():
                if job.id not in self.plans:
                    self.scheduler.remove_job(job.id)
                    lines.append(f"{job.id}: removed (no longer an enabled source)")
            drop_states(db, set(self.plans))
        finally:
            db.close()
        return lines

    # -- running a job --------------------------------------------------------------------

    def execute(self, job_id: str, triggered_by: str = "schedule") -> RunOutcome:
        """Run the job now (in this thread), then set its next run from how it went."""
        plan = self.plans.get(job_id)
        if plan is None:
            raise KeyError(job_id)
        if self.stopper.stopping:
            return RunOutcome(job_id, "skipped", error="the scheduler is stopping")
        with self._active_lock:
            self._active += 1
        try:
            outcome = self._run(plan, triggered_by)
            self.after_run(plan, outcome)
        finally:
            with self._active_lock:
                self._active -= 1
                self._active_lock.notify_all()
        level = logging.INFO if outcome.status in ("finished", "skipped") else logging.WARNING
        logger.log(level, "%s: %s (%d new, %d updated, %d errors) in %.1f s%s", job_id,
                   outcome.status, outcome.new, outcome.updated, outcome.errors,
                   outcome.duration_s, f": {outcome.error}" if outcome.error else "")
        return outcome

    def _run(self, plan: JobPlan, triggered_by: str) -> RunOutcome:
        cfg = self.config
        if plan.kind == "crawl":
            return run_crawl(CrawlCommand(plan.job_id, cfg.db_path, cfg.sources_path,
                                          plan.timeout_s, cfg.kill_grace_s, triggered_by,
                                          cfg.settings), self.stopper)
        db = str(Path(cfg.db_path).resolve())
        argv = [sys.executable, "-m", "newsmon.cli", plan.job_id, "--db", db]
        if plan.job_id == "recheck":
            if cfg.sources_path:
                argv += ["--sources", str(Path(cfg.sources_path).resolve())]
            argv += ["--since", f"{cfg.recheck_days:g}"]
        else:
            # Everything since the last digest that worked, so a failed or missed day is
            # caught up rather than lost; the first digest covers a day.
            db_handle = open_db(cfg.db_path)
            try:
                last = (get_state(db_handle, plan.job_id) or {}).get("last_success_at")
            finally:
                db_handle.close()
            argv += ["--since", last or "1d", "--out", str(cfg.digest_path.resolve())]
        return run_command(plan.job_id, argv, cfg.db_path, plan.timeout_s, cfg.kill_grace_s,
                           self.stopper)

    def after_run(self, plan: JobPlan, outcome: RunOutcome, now: datetime | None = None) -> None:
        """Adapt the rhythm: new articles -> sooner, quiet -> later, failures -> back off."""
        now = now or self.clock()
        db = open_db(self.config.db_path)
        try:
            state = get_state(db, plan.job_id) or {}
            interval = state.get("current_interval_s") or plan.interval_s
            failures = int(state.get("consecutive_failures") or 0)
            quiet = int(state.get("consecutive_quiet") or 0)
            values: dict[str, Any] = {} if state else _plan_values(plan)
            if outcome.status == "skipped":       # nothing ran: keep the last run as it was
                values.update(note=f"skipped: {outcome.error}", updated_at=_iso(now))
                put_state(db, plan.job_id, values)
                return
            values.update({"last_run_at": _iso(now), "last_status": outcome.status,
                           "last_new": outcome.new, "last_run_id": outcome.run_id,
                           "updated_at": _iso(now)})
            next_run: datetime | None = None
            if outcome.status == "interrupted":
                values["note"] = "interrupted by a scheduler stop; not counted as a failure"
            elif outcome.ok:
                values["last_success_at"] = _iso(outcome.started_at or now)
                failures = 0
                quiet = 0 if outcome.new else quiet + 1
                rhythm = plan.rhythm
                if rhythm is not None and plan.kind == "crawl":
                    decision = after_success(rhythm, interval or rhythm.base_s, outcome.new)
                    interval, values["note"] = decision.interval_s, decision.note
                    next_run = plan.jittered(now + timedelta(seconds=decision.delay_s))
                else:
                    values["note"] = "finished"
            else:
                failures += 1
                rhythm = plan.rhythm
                if rhythm is not None:
                    decision = after_failure(rhythm, interval or rhythm.base_s, failures)
                    values["note"] = decision.note
                    next_run = now + timedelta(seconds=decision.delay_s)
                else:
                    delay = min(CRON_FAILURE_CAP_S, CRON_FAILURE_BASE_S * 2 ** failures)
                    next_run = plan.first_fire_after(now + timedelta(seconds=delay))
                    values["note"] = f"{failures} failure(s) in a row: next crontab time " \
                                     f"after {delay / 60:.0f} min"
            values.update(consecutive_failures=failures, consecutive_quiet=quiet,
                          current_interval_s=interval)
            job_next = self._reschedule(plan, interval, next_run)
            values["next_run_at"] = _iso(job_next or next_run)
            put_state(db, plan.job_id, values)
        finally:
            db.close()

    def _reschedule(self, plan: JobPlan, interval: float | None,
                    next_run: datetime | None) -> datetime | None:
        if self.scheduler is None:
            return None
        try:
            if next_run is not None:
                job = self.scheduler.modify_job(plan.job_id, trigger=plan.trigger(interval),
                                                next_run_time=next_run)
            else:
                job = self.scheduler.get_job(plan.job_id)
        except JobLookupError:
            return None
        return job.next_run_time if job is not None else None

    # -- the service's life ---------------------------------------------------------------

    def serve(self, on_ready: Callable[[list[str]], None] | None = None) -> None:
        """Run until SIGTERM or Ctrl-C: once to finish running crawls (grace), twice to kill."""
        lock = FileLock(lock_dir_for(self.config.db_path) / "scheduler.lock")
        if not lock.acquire("newsmon schedule"):
            raise SchedulerBusy(f"another newsmon schedule already runs on "
                                f"{self.config.db_path} ({lock.holder()})")
        MonitorService._current = self
        previous = self._install_signals()
        try:
            self.open_scheduler()
            lines = self.sync_jobs()
            if on_ready is not None:
                on_ready(lines)
            assert self.scheduler is not None
            self.scheduler.resume()
            while not self.stopper.wait(1.0):
                pass
            logger.warning("stopping: no new runs; running crawls get %g s to finish",
                           self.config.grace_s)
            self.scheduler.pause()
            self._wait_for_active()
            self.close_scheduler(wait=True)
        finally:
            self._restore_signals(previous)
            MonitorService._current = None
            lock.release()

    def run_once(self, job_id: str, triggered_by: str = "run-now") -> RunOutcome:
        """Run one job in the foreground; SIGINT/SIGTERM interrupt its crawl cleanly."""
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda *_: self.stopper.stop(0))
        try:
            return self.execute(job_id, triggered_by)
        finally:
            self._restore_signals(previous)

    def request_stop(self, grace_s: float | None = None) -> None:
        self.stopper.stop(self.config.grace_s if grace_s is None else grace_s)

    def _wait_for_active(self) -> None:
        with self._active_lock:
            while self._active:
                self._active_lock.wait(0.5)

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous: dict[int, Any] = {}

        def handle(signum: int, frame: FrameType | None) -> None:
            if self.stopper.stopping:
                logger.warning("second stop signal: interrupting running crawls now")
                self.stopper.stop(0)
            else:
                self.request_stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, handle)
        return previous

    @staticmethod
    def _restore_signals(previous: dict[int, Any]) -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    # -- what `schedule --list` shows -------------------------------------------------------

    def job_rows(self) -> list[dict[str, Any]]:
        """Jobs as stored (next run, trigger) with their rhythm; unscheduled plans too."""
        assert self.scheduler is not None, "open_scheduler() first"
        stored = {job.id: job for job in self.scheduler.get_jobs()}
        db = open_db(self.config.db_path)
        try:
            states = all_states(db)
        finally:
            db.close()
        rows = []
        for job_id in sorted(set(self.plans) | set(stored)):
            plan, job, state = self.plans.get(job_id), stored.get(job_id), states.get(job_id, {})
            interval = state.get("current_interval_s")
            rows.append({
                "job": job_id,
                "kind": plan.kind if plan else "unknown",
                "schedule": plan.describe(interval) if plan else str(job.trigger if job else ""),
                "next_run_at": _iso(job.next_run_time) if job else None,
                "scheduled": job is not None,
                "configured": plan is not None,
                "interval_s": interval, "base_interval_s": state.get("base_interval_s"),
                "min_interval_s": state.get("min_interval_s"),
                "max_interval_s": state.get("max_interval_s"),
                "consecutive_failures": state.get("consecutive_failures", 0),
                "last_run_at": state.get("last_run_at"), "last_status": state.get("last_status"),
                "last_new": state.get("last_new"), "note": state.get("note"),
            })
        return rows
