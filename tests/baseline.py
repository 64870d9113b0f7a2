"""Quality floors: one file (tests/quality_baseline.json), one way to check against it.

Each metric records the figure last measured, the floor a gate enforces, the data it was
measured on and whether rules or thresholds were tuned on that data. A gate fails when the
figure falls below its floor, and also when it moved away from the recorded measurement by
more than the metric's tolerance, so the file keeps saying what the code does (raise the
floor with it). Floors are only lowered with an entry in "lowered" saying why:
tests/test_baselines.py compares every floor with the highest it has had in the file's git
history.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BASELINE = Path(__file__).resolve().parent / "quality_baseline.json"


def load(text: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text if text is not None
                                      else BASELINE.read_text(encoding="utf-8"))
    return data


def metric(name: str) -> dict[str, Any]:
    metrics = load()["metrics"]
    if name not in metrics:
        raise KeyError(f"{name} is not in {BASELINE.name}: add it with its floor, the figure "
                       f"measured, the data and whether it was tuned on")
    entry: dict[str, Any] = metrics[name]
    return entry


def check(name: str, actual: float) -> None:
    """Assert a measured figure against its floor (or ceiling) and recorded measurement."""
    entry = metric(name)
    higher_is_better = entry.get("direction", "higher") == "higher"
    floor, recorded, tolerance = entry["floor"], entry["measured"], entry["tolerance"]
    print(f"{name}: {actual:.4f} (floor {floor}, recorded {recorded}; {entry['data']})")
    if higher_is_better:
        assert actual >= floor, f"{name} fell to {actual:.4f}, below its floor {floor}"
    else:
        assert actual <= floor, f"{name} rose to {actual:.4f}, above its ceiling {floor}"
    assert abs(actual - recorded) <= tolerance, (
        f"{name} is now {actual:.4f} but {BASELINE.name} records {recorded}: update "
        f"'measured' (and raise the floor when it improved)")
