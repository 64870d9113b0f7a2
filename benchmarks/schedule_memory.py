"""Memory of the scheduler over many cycles: `newsmon schedule` against the bundled demo
site (`newsmon demo --serve-only`, four outlets) with every source due every 3 seconds,
until the scheduler has started --runs crawls. Samples the scheduler process's resident
memory (VmRSS) every half second and prints it after 10, 25, 50 and every 25 more runs, the
peak, and the growth from the 10th run to the last (flat: a few MB at most). The crawls run
in child processes, so what grows here is the scheduler's own state.
Run: python benchmarks/schedule_memory.py [--runs 100]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
FAST = {"interval_minutes": 0.05, "min_interval_minutes": 0.05, "max_interval_minutes": 0.05,
        "jitter_seconds": 0, "timeout_minutes": 2}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def runs(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM crawl_runs WHERE status != 'running'"
                                    ).fetchone()[0])
    except sqlite3.OperationalError:
        return 0                                   # not created yet


def newsmon(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    with open(log, "wb") as handle:
        return subprocess.Popen([sys.executable, "-m", "newsmon.cli", *args], cwd=REPO,
                                env=env, stdout=handle, stderr=subprocess.STDOUT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        served = tmp / "demo-sources.yaml"
        demo = newsmon(["demo", "--serve-only", "--port", "0", "--sources", str(served)],
                       tmp / "demo.log")
        scheduler = None
        try:
            deadline = time.monotonic() + 60
            while not (served.exists() and "{{BASE}}" not in served.read_text()):
                if time.monotonic() > deadline:
                    raise SystemExit("the demo site did not start")
                time.sleep(0.2)
            doc = yaml.safe_load(served.read_text(encoding="utf-8"))
            doc.setdefault("defaults", {})["schedule"] = FAST
            sources = tmp / "fast.yaml"
            sources.write_text(yaml.safe_dump(doc), encoding="utf-8")
            db = tmp / "monitor.db"
            scheduler = newsmon(["schedule", "--db", str(db), "--sources", str(sources),
                                 "--recheck-cron", "", "--digest-cron", "",
                                 "--max-parallel", "2"], tmp / "schedule.log")
            marks = [10, 25] + list(range(50, args.runs + 1, 25))
            at: dict[int, float] = {}
            peak, start = 0.0, time.monotonic()
            while (done := runs(db)) < args.runs:
                if scheduler.poll() is not None:
                    raise SystemExit("the scheduler exited:\n"
                                     + (tmp / "schedule.log").read_text()[-3000:])
                if time.monotonic() - start > 3600:
                    raise SystemExit(f"only {done} runs in an hour")
                rss = rss_mb(scheduler.pid)
                peak = max(peak, rss)
                for mark in marks:
                    if done >= mark and mark not in at:
                        at[mark] = rss
                        print(f"after {mark:4} runs ({time.monotonic() - start:5.0f} s): "
                              f"scheduler RSS {rss:6.1f} MB", flush=True)
                time.sleep(0.5)
            rss = rss_mb(scheduler.pid)
            peak = max(peak, rss)
            print(f"after {args.runs:4} runs ({time.monotonic() - start:5.0f} s): scheduler RSS "
                  f"{rss:6.1f} MB; peak {peak:.1f} MB; growth from run 10 to run {args.runs}: "
                  f"{rss - at.get(10, rss):+.1f} MB")
        finally:
            for proc in (scheduler, demo):
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM if proc is scheduler else signal.SIGINT)
                    try:
                        proc.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        proc.kill()


if __name__ == "__main__":
    main()
