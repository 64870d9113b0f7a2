"""Run one crawl (or maintenance command) as a child process with a timeout and a clean stop."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from crawler.dates import utc_now_iso
from crawler.locks import FileLock, lock_dir_for
from storage.db import open_db
from storage.runs import close_abandoned_runs, close_run, start_run

logger = logging.getLogger(__name__)

LOG_RETENTION_DAYS = 14


class Stopper:
    """Shared between the scheduler and its running children: when to stop, when to kill.

    stop(grace) asks running crawls to finish by the deadline; after it they are interrupted
    (Scrapy closes the spider and records the run), and kill_grace later killed.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._deadline: float | None = None

    def stop(self, grace_s: float) -> None:
        deadline = time.monotonic() + max(0.0, grace_s)
        self._deadline = deadline if self._deadline is None else min(self._deadline, deadline)
        self._event.set()

    @property
    def stopping(self) -> bool:
        return self._event.is_set()

    def past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)


@dataclass(frozen=True)
class CrawlCommand:
    """Everything a child crawl needs, as plain values (it is also stored in the job store)."""

    source: str
    db_path: str
    sources_path: str | None = None
    timeout_s: float = 3600.0
    kill_grace_s: float = 30.0
    triggered_by: str = "schedule"
    settings: tuple[tuple[str, str], ...] = ()

    def argv(self, run_id: int) -> list[str]:
        args = [sys.executable, "-m", "scrapy", "crawl", self.source,
                "-s", f"NEWSMON_DB={Path(self.db_path).resolve()}",
                "-s", f"NEWSMON_RUN_ID={run_id}", "-s", "LOG_LEVEL=INFO"]
        if self.sources_path:
            args += ["-s", f"NEWSMON_SOURCES={Path(self.sources_path).resolve()}"]
        for key, value in self.settings:
            args += ["-s", f"{key}={value}"]
        return args


@dataclass
class RunOutcome:
    """What one scheduled run did: its crawl_runs row, or why it did not run."""

    job: str
    status: str                       # finished, failed, timeout, interrupted, skipped
    run_id: int | None = None
    new: int = 0
    updated: int = 0
    errors: int = 0
    exit_code: int | None = None
    error: str | None = None
    duration_s: float = 0.0
    started_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "finished"


def log_dir_for(db_path: str) -> Path:
    return Path(f"{Path(db_path).resolve()}-logs")


def _prune_logs(directory: Path) -> None:
    cutoff = time.time() - LOG_RETENTION_DAYS * 86400
    for path in directory.glob("*.log"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def _error_tail(log_path: Path, lines: int = 12) -> str:
    """The last error lines of a crawl's log, for crawl_runs.error."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    interesting = [line for line in text if "ERROR" in line or "Error" in line
                   or "Traceback" in line]
    return "\n".join((interesting or text)[-lines:])[-2000:]


def _supervise(proc: subprocess.Popen[bytes], timeout_s: float, kill_grace_s: float,
               stopper: Stopper | None, label: str) -> str | None:
    """Wait for the child; interrupt it at its timeout or the stop deadline. Return why, if so."""
    started = time.monotonic()
    interrupted_at: float | None = None
    reason: str | None = None
    while proc.poll() is None:
        now = time.monotonic()
        if interrupted_at is None:
            if now - started > timeout_s:
                reason = f"timeout after {timeout_s:g} s"
            elif stopper is not None and stopper.past_deadline():
                reason = "stopped by scheduler shutdown"
            if reason is not None:
                logger.warning("%s: %s; interrupting pid %s", label, reason, proc.pid)
                # SIGINT: Scrapy closes the spider cleanly and the run records its stats.
                _signal(proc, signal.SIGINT)
                interrupted_at = now
        elif now - interrupted_at > kill_grace_s:
            logger.error("%s: pid %s did not stop within %g s; killing it", label, proc.pid,
                         kill_grace_s)
            _signal(proc, signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.1)
    return reason


def _run_child(argv: Sequence[str], log_path: Path, lock: FileLock, timeout_s: float,
               kill_grace_s: float, stopper: Stopper | None, label: str) -> tuple[int, str | None]:
    """Start the child in its own session (a terminal's Ctrl-C reaches only the scheduler),
    handing it the lock, with its output in the log; return its exit code and why it was
    interrupted, if it was."""
    _prune_logs(log_path.parent)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, pass_fds=(lock.fileno,),
                                start_new_session=True)
        lock.note_child(proc.pid, label)
        reason = _supervise(proc, timeout_s, kill_grace_s, stopper, label)
    return proc.returncode, reason


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)        # the child leads its own process group
    except ProcessLookupError:
        pass


def run_crawl(command: CrawlCommand, stopper: Stopper | None = None) -> RunOutcome:
    """Crawl one source in a child `scrapy crawl`, holding the source's lock throughout."""
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
    lock = FileLock(lock_dir_for(command.db_path) / f"{command.source}.lock")
    if not lock.acquire(f"crawl {command.source}"):
        return RunOutcome(command.source, "skipped",
                          error=f"a crawl of {command.source} is already running "
                                f"({lock.holder()})")
    try:
        logs = log_dir_for(command.db_path)
        logs.mkdir(parents=True, exist_ok=True)
        db = open_db(command.db_path)
        try:
            abandoned = close_abandoned_runs(db, command.source, utc_now_iso())
            if abandoned:
                logger.warning("%s: closed %d run(s) left 'running' by a crawl that died",
                               command.source, abandoned)
            run_id = start_run(db, command.source, utc_now_iso(), command.triggered_by)
            log_path = logs / f"{command.source}-{run_id}.log"
            db.execute("UPDATE crawl_runs SET log_path = ? WHERE id = ?", [str(log_path), run_id])
        finally:
            db.close()
        code, reason = _run_child(command.argv(run_id), log_path, lock, command.timeout_s,
                                  command.kill_grace_s, stopper,
                                  f"crawl {command.source} (run {run_id})")
        error = reason
        if code != 0 and reason is None:
            error = f"scrapy crawl exited with code {code}: {_error_tail(log_path)}"
        db = open_db(command.db_path)
        try:
            timed_out = bool(reason and reason.startswith("timeout"))
            stopping = stopper is not None and stopper.stopping and not timed_out
            # A crawl that closed itself after SIGINT recorded 'interrupted' already; one
            # that never closed its row gets the status from why it was stopped.
            row = close_run(db, run_id, finished_at=utc_now_iso(), exit_code=code,
                            status_if_open="timeout" if timed_out else
                            "interrupted" if stopping else "failed", error=error,
                            force_status="timeout" if timed_out else None)
        finally:
            db.close()
        row = row or {}
        return RunOutcome(command.source, str(row.get("status", "failed")), run_id,
                          new=int(row.get("new_articles") or 0),
                          updated=int(row.get("updated_articles") or 0),
                          errors=int(row.get("errors") or 0), exit_code=code,
                          error=row.get("error") or error,
                          duration_s=time.monotonic() - started, started_at=started_at)
    finally:
        lock.release()


def run_command(job: str, argv: Sequence[str], db_path: str, timeout_s: float,
                kill_grace_s: float, stopper: Stopper | None = None) -> RunOutcome:
    """Run a maintenance command (recheck, digest) as a child process, one at a time per job."""
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
    lock = FileLock(lock_dir_for(db_path) / f"{job}.lock")
    if not lock.acquire(job):
        return RunOutcome(job, "skipped", error=f"{job} is already running ({lock.holder()})")
    try:
        logs = log_dir_for(db_path)
        logs.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        log_path = logs / f"{job}-{stamp}.log"
        code, reason = _run_child(argv, log_path, lock, timeout_s, kill_grace_s, stopper, job)
        status = "finished" if code == 0 and reason is None else (
            "timeout" if reason and reason.startswith("timeout") else
            "interrupted" if stopper is not None and stopper.stopping else "failed")
        error = reason or (None if code == 0 else
                           f"exited with code {code}: {_error_tail(log_path)}")
        return RunOutcome(job, status, exit_code=code, error=error,
                          duration_s=time.monotonic() - started, started_at=started_at,
                          extra={"log_path": str(log_path)})
    finally:
        lock.release()
