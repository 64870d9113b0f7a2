"""Crontab expressions as cron means them, for APScheduler (whose weekday 0 is Monday)."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class CrontabError(ValueError):
    """Not a valid 5-field crontab expression; the message says why."""


def _weekday(token: str, expr: str) -> int:
    token = token.strip().lower()
    if token[:3] in _NAMES and token.isalpha():
        return _NAMES.index(token[:3])
    if not token.isdigit() or int(token) > 7:
        raise CrontabError(f"{expr!r}: day of week {token!r} is not 0-7 or sun-sat")
    return int(token) % 7                # cron: 0 and 7 are both Sunday


def _weekdays(field: str, expr: str) -> list[int]:
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise CrontabError(f"{expr!r}: bad step {step_text!r} in day of week")
            step = int(step_text)
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, high = base.split("-", 1)
            first = _weekday(low, expr)
            last = 7 if high.strip() == "7" else _weekday(high, expr)
            if last < first:
                raise CrontabError(f"{expr!r}: day-of-week range {base!r} runs backwards")
        else:
            first = last = _weekday(base, expr)
            if step_text:
                last = 6
        days.update(day % 7 for day in range(first, last + 1, step))
    return sorted(days)


def cron_trigger(expr: str, time_zone: str = "UTC") -> CronTrigger:
    """A CronTrigger (UTC unless a zone is named) for a standard crontab line (weekdays 0/7 =
    Sunday, as in cron)."""
    fields = expr.split()
    if len(fields) != 5:
        raise CrontabError(f"{expr!r} is not a 5-field crontab expression "
                           f"(minute hour day month weekday)")
    minute, hour, day, month, weekday = fields
    if weekday != "*":
        weekday = ",".join(_NAMES[d] for d in _weekdays(weekday, expr))
    try:
        trigger = CronTrigger(minute=minute, hour=hour, day=day, month=month,
                              day_of_week=weekday, timezone=time_zone)
    except ValueError as exc:
        raise CrontabError(f"{expr!r}: {exc}") from None
    # A date no calendar has (February 31st) is a valid-looking line that never fires: the
    # scheduler would drop the job after its first run and never crawl the source again.
    from datetime import datetime, timezone
    if trigger.get_next_fire_time(None, datetime.now(timezone.utc)) is None:
        raise CrontabError(f"{expr!r} never fires (no such date)")
    return trigger
