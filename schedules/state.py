"""The scheduler's one store of state: each job's rhythm and next run, in schedule_state.

APScheduler keeps its jobs in memory; what must survive a restart (next run, adapted
interval, failures) is written here after every run and read back at start.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from schedules.plan import JobPlan, first_run_time
from schedules.polling import after_failure, after_success
from schedules.process import RunOutcome
from storage.runs import last_run_started
from storage.schedule_state import all_states, drop_states, get_state, put_state

if TYPE_CHECKING:                      # storage makes the connections; this only passes them
    import sqlite_utils

CRON_FAILURE_BASE_S = 900.0
CRON_FAILURE_CAP_S = 86400.0


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat() if moment else None


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def plan_values(plan: JobPlan) -> dict[str, Any]:
    return {"kind": "cron" if plan.cron else "interval", "base_interval_s": plan.interval_s,
            "min_interval_s": plan.min_s, "max_interval_s": plan.max_s, "cron": plan.cron,
            "config": plan.config_json()}


def start_times(db: sqlite_utils.Database, plans: dict[str, JobPlan], now: datetime
                ) -> tuple[dict[str, tuple[datetime, float | None, str]], list[str]]:
    """When each job first runs after a (re)start, with its interval and why; recorded.

    A job whose configuration did not change keeps its stored next run and adapted interval;
    a changed one continues from its last run. Jobs no longer configured are forgotten
    (returned second).
    """
    states = all_states(db)
    starts: dict[str, tuple[datetime, float | None, str]] = {}
    for job_id, plan in plans.items():
        state = states.get(job_id) or {}
        same = bool(state) and state.get("config") == plan.config_json()
        interval = ((state.get("current_interval_s") if same else None)
                    or plan.interval_s or plan.cron_period_s(now))
        last_crawl = parse_iso(last_run_started(db, job_id))
        first, why = first_run_time(
            plan, now, crawled_before=plan.kind != "crawl" or last_crawl is not None,
            kept_next_run=parse_iso(state.get("next_run_at")) if same else None,
            last_run_at=parse_iso(state.get("last_run_at")) or last_crawl,
            interval_s=interval)
        values: dict[str, Any] = {**plan_values(plan), "current_interval_s": interval,
                                  "next_run_at": iso(first), "note": why,
                                  "updated_at": iso(now)}
        if not same:
            values["consecutive_quiet"] = 0
        put_state(db, job_id, values)
        starts[job_id] = (first, interval, why)
    return starts, drop_states(db, set(plans))


def last_success(db: sqlite_utils.Database, job_id: str) -> str | None:
    return (get_state(db, job_id) or {}).get("last_success_at")


def record_outcome(db: sqlite_utils.Database, plan: JobPlan, outcome: RunOutcome,
                   now: datetime) -> tuple[float | None, datetime | None]:
    """Adapt the rhythm after a run (new articles -> sooner, quiet -> later, failures -> back
    off) and record it; return the interval to keep and the next run (None: the trigger's)."""
    state = get_state(db, plan.job_id) or {}
    interval = state.get("current_interval_s") or plan.interval_s
    failures = int(state.get("consecutive_failures") or 0)
    quiet = int(state.get("consecutive_quiet") or 0)
    values: dict[str, Any] = {} if state else plan_values(plan)
    if outcome.status == "skipped":       # nothing ran: keep the last run as it was
        values.update(note=f"skipped: {outcome.error}", updated_at=iso(now))
        put_state(db, plan.job_id, values)
        return interval, None
    values.update({"last_run_at": iso(now), "last_status": outcome.status,
                   "last_new": outcome.new, "last_run_id": outcome.run_id,
                   "updated_at": iso(now)})
    next_run: datetime | None = None
    rhythm = plan.rhythm
    if outcome.status == "interrupted":
        values["note"] = "interrupted by a stop; not counted as a failure"
    elif outcome.ok:
        values["last_success_at"] = iso(outcome.started_at or now)
        failures = 0
        quiet = 0 if outcome.new else quiet + 1
        if rhythm is not None and plan.kind == "crawl":
            decision = after_success(rhythm, interval or rhythm.base_s, outcome.new)
            interval, values["note"] = decision.interval_s, decision.note
            next_run = plan.jittered(now + timedelta(seconds=decision.delay_s))
        else:
            values["note"] = "finished"
    else:
        failures += 1
        if rhythm is not None:
            decision = after_failure(rhythm, interval or rhythm.base_s, failures)
            values["note"] = decision.note
            next_run = now + timedelta(seconds=decision.delay_s)
        else:
            delay = min(CRON_FAILURE_CAP_S, CRON_FAILURE_BASE_S * 2 ** failures)
            next_run = plan.first_fire_after(now + timedelta(seconds=delay))
            values["note"] = (f"{failures} failure(s) in a row: next crontab time after "
                              f"{delay / 60:.0f} min")
        if outcome.error:
            values["note"] += f" ({outcome.error.splitlines()[0][:200]})"
    values.update(consecutive_failures=failures, consecutive_quiet=quiet,
                  current_interval_s=interval)
    put_state(db, plan.job_id, values)
    return interval, next_run


def record_next_run(db: sqlite_utils.Database, job_id: str, next_run: datetime | None) -> None:
    put_state(db, job_id, {"next_run_at": iso(next_run)})


def job_rows(db: sqlite_utils.Database, plans: dict[str, JobPlan]) -> list[dict[str, Any]]:
    """What `schedule --list` shows: every configured or remembered job with its rhythm."""
    states = all_states(db)
    rows = []
    for job_id in sorted(set(plans) | set(states)):
        plan, state = plans.get(job_id), states.get(job_id, {})
        interval = state.get("current_interval_s")
        rows.append({
            "job": job_id,
            "kind": plan.kind if plan else "unknown",
            "schedule": plan.describe(interval) if plan else "",
            "next_run_at": state.get("next_run_at"),
            "scheduled": bool(state.get("next_run_at")),
            "configured": plan is not None,
            "interval_s": interval, "base_interval_s": state.get("base_interval_s"),
            "min_interval_s": state.get("min_interval_s"),
            "max_interval_s": state.get("max_interval_s"),
            "consecutive_failures": state.get("consecutive_failures", 0),
            "last_run_at": state.get("last_run_at"), "last_status": state.get("last_status"),
            "last_new": state.get("last_new"), "note": state.get("note"),
        })
    return rows
