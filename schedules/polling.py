"""Adaptive polling: how long to wait before a source's next crawl, given how its runs went."""

from __future__ import annotations

from dataclasses import dataclass

# A run that found something new brings the next one closer; a quiet run pushes it away.
FASTER = 0.7
SLOWER = 1.5
# After n failures in a row the next try waits interval * 2**n, at most this many max intervals.
BACKOFF_CAP_FACTOR = 4.0


@dataclass(frozen=True)
class Rhythm:
    """A source's polling interval in seconds: where it starts and the bounds it adapts within."""

    base_s: float
    min_s: float
    max_s: float

    def __post_init__(self) -> None:
        if not 0 < self.min_s <= self.base_s <= self.max_s:
            raise ValueError(f"need 0 < min ({self.min_s}) <= base ({self.base_s}) "
                             f"<= max ({self.max_s})")

    def clamp(self, seconds: float) -> float:
        return min(self.max_s, max(self.min_s, seconds))


@dataclass(frozen=True)
class Decision:
    """The interval to keep, the delay until the next run, and why (shown in the job list)."""

    interval_s: float
    delay_s: float
    note: str


def after_success(rhythm: Rhythm, current_s: float, new_articles: int) -> Decision:
    """A finished run: adapt the interval to whether the source had anything new."""
    current_s = rhythm.clamp(current_s)
    if new_articles > 0:
        interval = rhythm.clamp(current_s * FASTER)
        note = (f"{new_articles} new: polling faster" if interval < current_s
                else f"{new_articles} new: already at the minimum interval")
    else:
        interval = rhythm.clamp(current_s * SLOWER)
        note = ("nothing new: polling slower" if interval > current_s
                else "nothing new: already at the maximum interval")
    return Decision(interval, interval, note)


def after_failure(rhythm: Rhythm, current_s: float, failures: int) -> Decision:
    """The n-th failure in a row: keep the interval, back off exponentially for the next try."""
    current_s = rhythm.clamp(current_s)
    cap = rhythm.max_s * BACKOFF_CAP_FACTOR
    delay = min(cap, current_s * 2.0 ** max(1, failures))
    return Decision(current_s, delay,
                    f"{failures} failure(s) in a row: backing off to {format_seconds(delay)}")


def format_seconds(seconds: float) -> str:
    """3 s, 4.5 min, 2.0 h: short and readable in a job list."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{round(seconds / 60, 1):g} min"
    return f"{round(seconds / 3600, 1):g} h"
