"""Memory of one crawl process as the crawl grows: `newsmon crawl --workers 1` of one
generated local outlet (tests/mockserver's synthetic outlet on 127.0.0.1) of each size
(1,000, 5,000 and 10,000 articles by default), a fresh database each time.

The crawl process's memory is sampled from /proc every quarter second: resident memory
(VmRSS) and its two parts, anonymous memory (the process's own: Python objects, caches,
SQLite's page caches) and file-backed pages (the libraries and the database file SQLite
maps for reading, pages the OS can drop and share). For each crawl it prints the peak RSS
(VmHWM) and the peak anonymous memory; for the largest, the memory after every tenth of
its articles were stored, and the growth over its second half (flat: a few MB at most).
Run: python benchmarks/crawl_memory.py [--sizes 1000 5000 10000]
"""

from __future__ import annotations

import argparse
import functools
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.mockserver import MockServer  # noqa: E402
from tests.mockserver.synthetic import SyntheticOutlet  # noqa: E402


def memory(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon and RssFile of a process, in KiB (empty once it is gone)."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    found[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def stored(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def crawl(size: int, db: Path, sources: Path, prefix: str, env: dict[str, str]
          ) -> tuple[dict[str, int], list[tuple[int, dict[str, int]]], float, float]:
    """Crawl one outlet; return the last sample, (articles stored, memory) samples, the
    CPU seconds the crawl process used and the wall seconds."""
    start = time.perf_counter()
    log = open(db.with_suffix(".log"), "w+b")       # a pipe could fill and stall the crawl
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsmon.cli", "crawl", "--workers", "1", "--db", str(db),
         "--sources", str(sources), prefix], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=log)
    samples: list[tuple[int, dict[str, int]]] = []
    last: dict[str, int] = {}
    peak_anon = peak_file = 0
    next_count = 0.0
    try:
        while True:
            # wait4 rather than poll(): the exit status comes with the process's CPU time.
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = memory(proc.pid)
            if now:
                last = now
                peak_anon = max(peak_anon, now.get("RssAnon", 0))
                peak_file = max(peak_file, now.get("RssFile", 0))
                if time.perf_counter() >= next_count:     # counting rows costs a little
                    samples.append((stored(db), now))
                    next_count = time.perf_counter() + 1.0
            time.sleep(0.25)
    except BaseException:
        proc.kill()                 # interrupted: the crawl does not outlive the benchmark
        proc.wait()
        raise
    finally:
        log.seek(0)
        stderr = log.read().decode(errors="replace")
        log.close()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode:
        raise SystemExit(f"crawl of {size} failed (exit {proc.returncode}):\n{stderr[-3000:]}")
    last["PeakAnon"], last["PeakFile"] = peak_anon, peak_file
    # The kernel's own peak (VmHWM) also catches what rose and fell between two samples.
    last["VmHWM"] = max(last.get("VmHWM", 0), usage.ru_maxrss)
    return last, samples, cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    args = parser.parse_args()
    server = MockServer()
    outlets = {}
    for size in args.sizes:
        outlet = server.add_outlet(SyntheticOutlet(prefix=f"mem{size}", count=size, seed=size))
        outlet.respond = functools.lru_cache(maxsize=None)(outlet.respond)  # type: ignore
        outlets[size] = outlet
    server.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    mb = 1024
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sources = server.write_sources(Path(tmp), demo=False)
            curve: list[tuple[int, dict[str, int]]] = []
            for size, outlet in sorted(outlets.items()):
                db = Path(tmp) / f"mem-{size}.db"
                last, samples, cpu, wall = crawl(size, db, sources, outlet.prefix, env)
                print(f"{size:>6} articles: peak RSS {last.get('VmHWM', 0) / mb:.0f} MB "
                      f"(sampled peaks: anonymous {last['PeakAnon'] / mb:.0f} MB, "
                      f"file-backed {last['PeakFile'] / mb:.0f} MB), {cpu:.1f} CPU-s, "
                      f"{size / wall:.0f} pages/s wall", flush=True)
                curve = samples
            largest = max(outlets)
            print(f"during the {largest:,}-article crawl (articles stored: RSS, anonymous, "
                  f"file-backed):")
            shown: list[tuple[int, dict[str, int]]] = []
            for tenth in range(1, 11):
                goal = largest * tenth // 10
                # The last sample taken before the store passed each tenth (the store
                # writes in batches, so the counts are those of the batch boundaries).
                before = [s for s in curve if 0 < s[0] <= goal]
                if before and before[-1] not in shown:
                    shown.append(before[-1])
            for count, mem in shown:
                print(f"  {count:>6}: {mem.get('VmRSS', 0) / mb:.0f} MB, "
                      f"{mem.get('RssAnon', 0) / mb:.0f} MB, {mem.get('RssFile', 0) / mb:.0f} MB")
            half = [m for c, m in curve if c >= largest // 2]
            if len(half) < 5:
                print("second half of the crawl: too few samples to tell (a larger --sizes)")
            else:
                growth = {k: (half[-1].get(k, 0) - half[0].get(k, 0)) / mb
                          for k in ("VmRSS", "RssAnon")}
                print(f"second half of the crawl: RSS {growth['VmRSS']:+.0f} MB, anonymous "
                      f"{growth['RssAnon']:+.0f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
