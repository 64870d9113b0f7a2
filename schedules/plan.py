"""Which jobs the scheduler runs: one per enabled source, plus recheck and digest."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.crontab import cron_trigger
from crawler.sources import Source
from schedules.polling import Rhythm

DEFAULT_INTERVAL_MINUTES = 60.0
DEFAULT_TIMEOUT_MINUTES = 60.0


@dataclass(frozen=True)
class JobPlan:
    """One scheduled job as configured: its id, rhythm or crontab, jitter and timeout."""

    job_id: str
    kind: str                          # crawl or maintenance
    interval_s: float | None = None    # base interval (None for cron jobs)
    min_s: float | None = None
    max_s: float | None = None
    cron: str | None = None
    jitter_s: float = 0.0
    timeout_s: float = DEFAULT_TIMEOUT_MINUTES * 60
    time_zone: str = "UTC"             # of the crontab (alert batches: the subscriber's)

    @property
    def rhythm(self) -> Rhythm | None:
        if self.interval_s is None or self.min_s is None or self.max_s is None:
            return None
        return Rhythm(self.interval_s, self.min_s, self.max_s)

    @property
    def misfire_grace_s(self) -> int:
        """How late a run may still start (after a busy pool or a suspended machine)."""
        period = self.interval_s or 3600.0
        return int(max(30.0, period / 2))

    def config_json(self) -> str:
        """What, when changed in the sources file, resets the job's rhythm on restart."""
        return json.dumps(asdict(self), sort_keys=True)

    def trigger(self, interval_s: float | None = None) -> BaseTrigger:
        if self.cron is not None:
            trigger = cron_trigger(self.cron, self.time_zone)
            trigger.jitter = int(self.jitter_s) or None
            return trigger
        seconds = interval_s or self.interval_s or DEFAULT_INTERVAL_MINUTES * 60
        return IntervalTrigger(seconds=seconds, jitter=int(self.jitter_s) or None,
                               timezone=timezone.utc)

    def describe(self, interval_s: float | None = None) -> str:
        from schedules.polling import format_seconds
        if self.cron is not None:
            return f"cron {self.cron}" + (f" {self.time_zone}" if self.time_zone != "UTC" else "")
        current = interval_s or self.interval_s or 0.0
        assert self.min_s is not None and self.max_s is not None
        return (f"every {format_seconds(current)} ({format_seconds(self.min_s)}"
                f"..{format_seconds(self.max_s)})")

    def first_fire_after(self, moment: datetime) -> datetime:
        """For cron jobs: the first scheduled time at or after the moment."""
        fire = cron_trigger(self.cron or "0 * * * *", self.time_zone).get_next_fire_time(
            None, moment)
        return fire if fire is not None else moment

    def cron_period_s(self, moment: datetime) -> float | None:
        """For cron jobs: the gap between the next two scheduled times (for health)."""
        if self.cron is None:
            return None
        trigger = cron_trigger(self.cron, self.time_zone)
        first = trigger.get_next_fire_time(None, moment)
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
        return (second - first).total_seconds() if first and second else None

    def jittered(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=random.uniform(0, self.jitter_s)) \
            if self.jitter_s else moment


def plan_for_source(source: Source) -> JobPlan:
    schedule = source.schedule
    timeout = (schedule.timeout_minutes or DEFAULT_TIMEOUT_MINUTES) * 60
    if schedule.cron is not None:
        jitter = schedule.jitter_seconds if schedule.jitter_seconds is not None else 60.0
        return JobPlan(source.id, "crawl", cron=schedule.cron, jitter_s=jitter,
                       timeout_s=timeout)
    base = (schedule.interval_minutes or DEFAULT_INTERVAL_MINUTES) * 60
    low = (schedule.min_interval_minutes * 60 if schedule.min_interval_minutes
           else min(base, max(base / 4, 60.0)))
    high = (schedule.max_interval_minutes * 60 if schedule.max_interval_minutes
            else max(base, base * 4))
    jitter = (schedule.jitter_seconds if schedule.jitter_seconds is not None
              else min(base * 0.1, 300.0))
    return JobPlan(source.id, "crawl", interval_s=base, min_s=min(low, base),
                   max_s=max(high, base), jitter_s=jitter, timeout_s=timeout)


@dataclass(frozen=True)
class AlertBatch:
    """A batched alert subscription's rhythm: every N minutes, or a crontab in its zone."""

    name: str
    every_minutes: int | None = None
    cron: str | None = None
    time_zone: str = "UTC"


def plan_jobs(sources: list[Source], recheck_cron: str | None, digest_cron: str | None,
              maintenance_timeout_s: float = 3 * 3600.0,
              alert_batches: tuple[AlertBatch, ...] = ()) -> dict[str, JobPlan]:
    """The jobs to schedule, by id: every enabled source, the maintenance jobs asked for, and
    one job per batched alert subscription (alerts:NAME)."""
    plans = {s.id: plan_for_source(s) for s in sources if s.enabled}
    for batch in alert_batches:
        job_id = f"alerts:{batch.name}"
        if batch.cron is not None:
            plans[job_id] = JobPlan(job_id, "maintenance", cron=batch.cron, jitter_s=0.0,
                                    timeout_s=600.0, time_zone=batch.time_zone)
        else:
            period = float(batch.every_minutes or 60) * 60
            plans[job_id] = JobPlan(job_id, "maintenance", interval_s=period, min_s=period,
                                    max_s=period, timeout_s=600.0)
    for job_id, cron in (("recheck", recheck_cron), ("digest", digest_cron)):
        if cron:
            if job_id in plans:
                raise ValueError(f"source id {job_id!r} clashes with the {job_id} maintenance "
                                 f"job; rename the source")
            plans[job_id] = JobPlan(job_id, "maintenance", cron=cron, jitter_s=0.0,
                                    timeout_s=maintenance_timeout_s)
    return plans


def first_run_time(plan: JobPlan, now: datetime, *, crawled_before: bool,
                   kept_next_run: datetime | None, last_run_at: datetime | None,
                   interval_s: float | None) -> tuple[datetime, str]:
    """When a job runs first after (re)start, and why.

    A source never crawled runs now. A job whose config did not change keeps its stored next
    run time (run now if that passed while the scheduler was down). A new or changed job
    continues from its last run: last run + interval, or now if that is already past.
    """
    if plan.kind == "crawl" and not crawled_before:
        return now, "never crawled: crawling at start"
    if kept_next_run is not None:
        if kept_next_run <= now:
            return plan.jittered(now), "overdue after a restart: running now"
        return kept_next_run, "resuming its rhythm"
    if plan.cron is not None:
        return plan.first_fire_after(now), "next crontab time"
    period = interval_s or plan.interval_s or DEFAULT_INTERVAL_MINUTES * 60
    if last_run_at is not None:
        due = last_run_at + timedelta(seconds=period)
        if due > now:
            return plan.jittered(due), "continuing from the last run"
        return plan.jittered(now), "overdue since the last run: running now"
    return plan.jittered(now + timedelta(seconds=period)), "first interval"
