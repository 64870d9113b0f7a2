"""Parse the date spellings feeds, sitemaps and pages use into UTC ISO-8601 strings."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

_FRACTION = re.compile(r"(\.\d{6})\d+")
_RELATIVE = re.compile(r"^(\d+)\s*([dhw])$")
# Zone abbreviations dateutil does not know (it warns and drops them, leaving the time as
# if it were UTC): the ones Russian and international outlets print.
_ZONES = {"MSK": 3 * 3600, "MSD": 4 * 3600, "UTC": 0, "GMT": 0, "CET": 3600, "CEST": 7200,
          "EET": 7200, "EEST": 3 * 3600, "EST": -5 * 3600, "EDT": -4 * 3600,
          "PST": -8 * 3600, "PDT": -7 * 3600}
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|[^0-9])")


def to_utc(value: str | datetime | None) -> datetime | None:
    """Parse ISO-8601, RFC 822 or a loose human date; naive times are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed: datetime | None = value
    else:
        text = value.strip()
        if not text:
            return None
        parsed = None
        iso = _FRACTION.sub(r"\1", text.replace("Z", "+00:00").replace("z", "+00:00"))
        try:
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                try:
                    parsed = dateutil_parser.parse(text, tzinfos=_ZONES)
                except (ValueError, OverflowError, TypeError):
                    return None
    assert parsed is not None
    if parsed.tzinfo is None and isinstance(value, str):
        # RFC 822 parsing takes "Mon, 20 Nov 2025 10:00:00 MSK" and drops the zone it does
        # not know: read it from the table.
        zone = _ZONES.get(value.strip().rsplit(None, 1)[-1].upper())
        if zone is not None:
            parsed = parsed.replace(tzinfo=timezone(timedelta(seconds=zone)))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        result = parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):      # year 1 with a positive offset, and the like
        return None
    if not 1990 <= result.year <= 2100:
        return None
    return result


def to_utc_iso(value: str | datetime | None) -> str | None:
    """Like to_utc, as 'YYYY-MM-DDTHH:MM:SS+00:00' (seconds precision)."""
    parsed = to_utc(value)
    return parsed.replace(microsecond=0).isoformat() if parsed else None


def date_from_url(url: str) -> str | None:
    """A /YYYY/MM/DD/ date in an article URL, as midnight UTC ISO-8601."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).isoformat()


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class WindowBoundError(ValueError):
    """A since/until value is neither a date nor a span like 7d."""


def parse_window_bound(value: str | None, name: str, *, end_of_day: bool = False,
                       now: datetime | None = None) -> datetime | None:
    """'2025-11-01', '2025-11-01T12:00+03:00' or a relative '7d' / '12h' / '2w' ago.

    With end_of_day, a bare date means "through that day" (an `until` bound).
    """
    if value is None or not value.strip():
        return None
    match = _RELATIVE.match(value.strip().lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount),
                 "w": timedelta(weeks=amount)}[unit]
        return (now or datetime.now(timezone.utc)) - delta
    parsed = to_utc(value)
    if parsed is None:
        raise WindowBoundError(f"{name}={value!r}: expected a date like 2025-11-01 or a span "
                               f"like 7d, 12h, 2w")
    if end_of_day and len(value.strip()) == 10:
        parsed += timedelta(days=1)
    return parsed
