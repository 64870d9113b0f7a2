"""The quality floors file: complete, floors close to what is measured, never lowered silently."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest

from tests.baseline import BASELINE, load
from tests.conftest import REPO

REQUIRED = ("floor", "measured", "tolerance", "data", "tuned_on")


def _better(direction: str, a: float, b: float) -> bool:
    return a > b if direction == "higher" else a < b


def silent_lowerings(history: list[dict[str, Any]], current: dict[str, Any]) -> list[str]:
    """Metrics whose floor is now worse than the best it had in any earlier version of the
    file (or that disappeared), without an entry in current['lowered'] explaining it."""
    explained = {(e.get("metric"), e.get("to")) for e in current.get("lowered", [])
                 if str(e.get("why", "")).strip()}
    problems = []
    for name in sorted({n for version in history for n in version.get("metrics", {})}):
        past = [v["metrics"][name] for v in history if name in v.get("metrics", {})]
        direction = past[-1].get("direction", "higher")
        best = past[0]["floor"]
        for entry in past[1:]:
            if _better(direction, entry["floor"], best):
                best = entry["floor"]
        now = current["metrics"].get(name)
        if now is None:
            if (name, None) not in explained:
                problems.append(f"{name} was removed")
        elif _better(direction, best, now["floor"]) and (name, now["floor"]) not in explained:
            problems.append(f"{name} floor {now['floor']} is below its best {best}")
    return problems


def _git_history() -> list[dict[str, Any]]:
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        message = "not a git checkout: the floor history cannot be read"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    relative = BASELINE.relative_to(REPO).as_posix()
    commits = subprocess.run([git, "log", "--format=%H", "--", relative], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split()
    versions = []
    for commit in reversed(commits):                   # oldest first
        shown = subprocess.run([git, "show", f"{commit}:{relative}"], cwd=REPO,
                               capture_output=True, text=True)
        if shown.returncode == 0:
            versions.append(load(shown.stdout))
    return versions


def test_every_metric_says_what_it_measured_and_sits_close_to_it() -> None:
    metrics = load()["metrics"]
    assert metrics
    for name, entry in metrics.items():
        missing = [key for key in REQUIRED if key not in entry]
        assert not missing, f"{name} lacks {missing}"
        assert isinstance(entry["tuned_on"], bool) and entry["data"].strip()
        direction = entry.get("direction", "higher")
        assert direction in ("higher", "lower"), name
        gap = entry["measured"] - entry["floor"] if direction == "higher" \
            else entry["floor"] - entry["measured"]
        assert 0 <= gap <= entry["tolerance"], (
            f"{name}: floor {entry['floor']} must sit at or under the measured "
            f"{entry['measured']}, within {entry['tolerance']}")


def test_no_floor_was_lowered_silently() -> None:
    history = _git_history()
    problems = silent_lowerings(history + [load()], load())
    assert not problems, ("floors lowered without an entry in 'lowered' "
                          f"(metric, from, to, why): {problems}")


def test_the_ratchet_catches_a_lowered_or_removed_floor() -> None:
    def version(floor: float | None, lowered: list[dict[str, Any]] | None = None
                ) -> dict[str, Any]:
        metrics = {} if floor is None else {"f1": {"floor": floor}}
        return {"metrics": metrics, "lowered": lowered or []}

    raised = [version(0.90), version(0.93)]
    assert silent_lowerings(raised, raised[-1]) == []
    lowered = version(0.91)
    assert silent_lowerings(raised + [lowered], lowered) == [
        "f1 floor 0.91 is below its best 0.93"]
    why = version(0.91, [{"metric": "f1", "from": 0.93, "to": 0.91,
                          "why": "trafilatura 2.1 keeps captions"}])
    assert silent_lowerings(raised + [why], why) == []
    gone = version(None)
    assert silent_lowerings(raised + [gone], gone) == ["f1 was removed"]
