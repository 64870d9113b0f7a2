"""`newsmon schedule`: APScheduler runs each source's crawl in its own process on its rhythm."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import (EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED,
                                JobEvent, JobExecutionEvent)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from crawler.sources import Source
from schedules.plan import AlertBatch, JobPlan, plan_jobs
from schedules.process import CrawlCommand, RunOutcome, Stopper, run_crawl, run_function
from schedules.state import (job_rows, last_success, record_next_run, record_outcome,
                             start_times)
from storage.db import open_db
from storage.locks import FileLock
from storage.paths import Paths

logger = logging.getLogger(__name__)


class _Scheduler(BackgroundScheduler):
    """BackgroundScheduler that does nothing once stopped.

    APScheduler 3 wakes its thread on shutdown and processes due jobs once more, after the
    executors are gone: due jobs would then log submit errors on every stop.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        return result


class SchedulerBusy(RuntimeError):
    """Another `newsmon schedule` already runs on this database."""


@dataclass(frozen=True)
class Maintenance:
    """The maintenance jobs as functions (given by the CLI, which may import every layer).

    recheck(db_path, sources_path, days, settings) crawls, so it runs in a child process;
    digest(db_path, since, out_dir) -> stories only reads the database and writes files.
    """

    recheck: Callable[..., Any] | None = None
    digest: Callable[..., Any] | None = None
    # alerts(db_path, only=NAME | None, immediate_only=bool) -> (messages sent, failed) sends
    # what is due: after every crawl (immediate subscriptions) and per batched subscription.
    alerts: Callable[..., Any] | None = None


@dataclass(frozen=True)
class ServiceConfig:
    db_path: str
    sources_path: str | None = None
    max_parallel: int = 2
    grace_s: float = 120.0              # on stop, running crawls get this long to finish
    kill_grace_s: float = 30.0          # after interrupting a crawl, it gets this long to end
    recheck_cron: str | None = "30 */6 * * *"
    recheck_days: float = 2.0
    digest_cron: str | None = "0 6 * * *"
    digest_dir: str | None = None       # default: <db>-digests/ beside the database
    settings: tuple[tuple[str, str], ...] = ()
    maintenance: Maintenance = field(default_factory=Maintenance)
    alert_batches: tuple[AlertBatch, ...] = ()

    @property
    def paths(self) -> Paths:
        return Paths.for_db(self.db_path)

    @property
    def digest_path(self) -> Path:
        return Path(self.digest_dir) if self.digest_dir else self.paths.digests


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class MonitorService:
    """The jobs, their rhythm and the stop logic around one APScheduler BackgroundScheduler."""

    def __init__(self, config: ServiceConfig, sources: list[Source],
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self.config = config
        self.clock = clock
        self.plans: dict[str, JobPlan] = plan_jobs(sources, config.recheck_cron,
                                                   config.digest_cron,
                                                   alert_batches=config.alert_batches)
        self.stopper = Stopper()
        self.scheduler: BackgroundScheduler | None = None
        self._active = 0
        self._active_lock = threading.Condition()

    # -- the APScheduler side -------------------------------------------------------------

    def open_scheduler(self) -> BackgroundScheduler:
        """Start a paused scheduler (nothing runs until resume); its jobs live in memory and
        their rhythm in schedule_state."""
        scheduler = _Scheduler(
            jobstores={"default": MemoryJobStore()},
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
        """Schedule every planned job from its stored rhythm; one line per job saying when."""
        assert self.scheduler is not None, "open_scheduler() first"
        now = now or self.clock()
        db = open_db(self.config.paths)
        try:
            starts, removed = start_times(db, self.plans, now)
        finally:
            db.close()
        lines = []
        for job_id, (first, interval, why) in starts.items():
            plan = self.plans[job_id]
            self.scheduler.add_job(
                self.execute, trigger=plan.trigger(interval), args=[job_id], id=job_id,
                name=f"{plan.kind} {job_id}", replace_existing=True, next_run_time=first,
                coalesce=True, max_instances=1, misfire_grace_time=plan.misfire_grace_s)
            lines.append(f"{job_id}: {plan.describe(interval)}; next run "
                         f"{first.replace(microsecond=0).isoformat()} ({why})")
        lines += [f"{job_id}: removed (no longer an enabled source)" for job_id in removed]
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
            outcome = run_crawl(CrawlCommand(plan.job_id, cfg.db_path, cfg.sources_path,
                                             plan.timeout_s, cfg.kill_grace_s, triggered_by,
                                             cfg.settings), self.stopper)
            if outcome.status != "skipped" and cfg.maintenance.alerts is not None:
                self._alerts(None, immediate_only=True)
            return outcome
        if plan.job_id.startswith("alerts:"):
            return self._alerts(plan.job_id.split(":", 1)[1], immediate_only=False)
        if plan.job_id == "recheck":
            recheck = cfg.maintenance.recheck
            if recheck is None:
                return RunOutcome("recheck", "failed", error="no recheck function configured")
            settings = dict(cfg.settings, NEWSMON_RUN_TIMEOUT=f"{plan.timeout_s:g}",
                            NEWSMON_STOP_GRACE=f"{cfg.kill_grace_s:g}")
            return run_function("recheck", recheck,
                                (cfg.db_path, cfg.sources_path, cfg.recheck_days, settings),
                                cfg.db_path, plan.timeout_s, cfg.kill_grace_s, self.stopper)
        return self._digest()

    def _alerts(self, only: str | None, immediate_only: bool) -> RunOutcome:
        """Send the alerts now due (one subscription's batch, or the immediate ones after a
        crawl); a failure is logged and recorded, never fatal to the crawl that preceded."""
        job = f"alerts:{only}" if only else "alerts"
        send = self.config.maintenance.alerts
        started_at = self.clock()
        if send is None:
            return RunOutcome(job, "failed", error="no alerts configured")
        try:
            sent, failed = send(self.config.db_path, only=only, immediate_only=immediate_only)
        except Exception as exc:               # recorded, not fatal
            logger.exception("alerts failed")
            return RunOutcome(job, "failed", error=str(exc), started_at=started_at)
        if failed:
            return RunOutcome(job, "failed", new=int(sent), errors=int(failed),
                              error=f"{failed} message(s) failed; retried later",
                              started_at=started_at)
        return RunOutcome(job, "finished", new=int(sent), started_at=started_at)

    def _digest(self) -> RunOutcome:
        """Everything since the start of the last digest that worked, so a failed or missed
        day is caught up rather than lost; the first digest covers a day."""
        digest = self.config.maintenance.digest
        started_at = self.clock()
        if digest is None:
            return RunOutcome("digest", "failed", error="no digest function configured")
        db = open_db(self.config.paths)
        try:
            since = last_success(db, "digest") or "1d"
        finally:
            db.close()
        try:
            stories = digest(self.config.db_path, since, str(self.config.digest_path))
        except Exception as exc:               # a job's failure is recorded, not fatal
            logger.exception("digest failed")
            return RunOutcome("digest", "failed", error=str(exc), started_at=started_at)
        return RunOutcome("digest", "finished", new=int(stories or 0), started_at=started_at)

    def after_run(self, plan: JobPlan, outcome: RunOutcome, now: datetime | None = None) -> None:
        """Record how the run went and move the job's next run accordingly."""
        now = now or self.clock()
        db = open_db(self.config.paths)
        try:
            interval, next_run = record_outcome(db, plan, outcome, now)
            if outcome.status != "skipped":
                record_next_run(db, plan.job_id,
                                self._reschedule(plan, interval, next_run) or next_run)
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
        lock = FileLock(self.config.paths.lock("scheduler"))
        if not lock.acquire("newsmon schedule"):
            raise SchedulerBusy(f"another newsmon schedule already runs on "
                                f"{self.config.db_path} ({lock.holder()})")
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
        db = open_db(self.config.paths)
        try:
            return job_rows(db, self.plans)
        finally:
            db.close()
