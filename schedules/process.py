"""Run one crawl (or maintenance function) as a child process with a timeout and a clean stop."""

from __future__ import annotations

import logging
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from storage.db import StorageError, open_db
from storage.locks import FileLock
from storage.paths import Paths
from storage.runs import get_run_by_key

logger = logging.getLogger(__name__)

LOG_RETENTION_DAYS = 14
# A child that outlives its own time limit and stop grace by this much is killed: it should
# have recorded its run and ended itself (pipelines/run.py) long before.
BACKSTOP_S = 15.0


class Stopper:
    """Shared between the scheduler and its running children: when to stop.

    stop(grace) asks running crawls to finish by the deadline; after it they are interrupted
    (SIGINT: Scrapy closes the spider and the crawl records its run).
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
    """Everything a child crawl needs, as plain values."""

    source: str
    db_path: str
    sources_path: str | None = None
    timeout_s: float = 3600.0
    kill_grace_s: float = 30.0
    triggered_by: str = "schedule"
    settings: tuple[tuple[str, str], ...] = ()

    def argv(self, run_key: str, log_path: Path) -> list[str]:
        """`scrapy crawl SOURCE`: the crawl enforces its own time limit and stop grace, so it
        ends on time even if the scheduler that started it dies."""
        args = [sys.executable, "-m", "scrapy", "crawl", self.source,
                "-s", f"NEWSMON_DB={Paths.for_db(self.db_path).db}",
                "-s", f"NEWSMON_RUN_KEY={run_key}",
                "-s", f"NEWSMON_RUN_TRIGGER={self.triggered_by}",
                "-s", f"NEWSMON_RUN_TIMEOUT={self.timeout_s:g}",
                "-s", f"NEWSMON_STOP_GRACE={self.kill_grace_s:g}",
                "-s", f"LOG_FILE={log_path}", "-s", "LOG_LEVEL=INFO"]
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


def _prune_logs(directory: Path) -> None:
    cutoff = time.time() - LOG_RETENTION_DAYS * 86400
    for path in directory.glob("*.log"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def _log_path(paths: Paths, job: str, key: str) -> Path:
    paths.logs.mkdir(parents=True, exist_ok=True)
    _prune_logs(paths.logs)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return paths.logs / f"{job}-{stamp}-{key[:8]}.log"


def _error_tail(log_path: Path, lines: int = 12) -> str:
    """The last error lines of a child's log, for the outcome's error."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    interesting = [line for line in text if "ERROR" in line or "Error" in line
                   or "Traceback" in line]
    return "\n".join((interesting or text)[-lines:])[-2000:]


def _signal(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)             # the child leads its own process group
    except ProcessLookupError:
        pass


def _supervise(child: subprocess.Popen[bytes], limit_s: float, kill_grace_s: float, stopper: Stopper | None,
               label: str) -> str | None:
    """Wait for the child; SIGINT it at the stop deadline, SIGKILL it when it overruns its own
    limits. Return why it was stopped, if it was."""
    started = time.monotonic()
    interrupted_at: float | None = None
    reason: str | None = None
    while child.poll() is None:
        now = time.monotonic()
        if interrupted_at is None and stopper is not None and stopper.past_deadline():
            reason = "stopped by scheduler shutdown"
            logger.warning("%s: %s; interrupting pid %s", label, reason, child.pid)
            _signal(child.pid, signal.SIGINT)
            interrupted_at = now
        overdue = (now - started > limit_s + kill_grace_s + BACKSTOP_S
                   or (interrupted_at is not None
                       and now - interrupted_at > kill_grace_s + BACKSTOP_S))
        if overdue:
            reason = reason or f"timeout after {limit_s:g} s"
            logger.error("%s: pid %s did not end itself in time; killing it", label, child.pid)
            _signal(child.pid, signal.SIGKILL)
            while child.poll() is None:
                time.sleep(0.05)
            break
        time.sleep(0.1)
    return reason


def run_crawl(command: CrawlCommand, stopper: Stopper | None = None) -> RunOutcome:
    """Crawl one source in a child `scrapy crawl`; read the run it recorded.

    The crawl owns its run: it takes the source's lock (or records itself skipped), opens its
    crawl_runs row under the key passed here and closes it. This only reads the row back.
    """
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
    paths = Paths.for_db(command.db_path)
    key = uuid.uuid4().hex
    log_path = _log_path(paths, command.source, key)
    label = f"crawl {command.source}"
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(command.argv(key, log_path), stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
        reason = _supervise(proc, command.timeout_s, command.kill_grace_s, stopper, label)
    code = proc.returncode
    try:
        db = open_db(paths, readonly=True)
    except StorageError:
        row = None
    else:
        try:
            row = get_run_by_key(db, key)
        finally:
            db.close()
    outcome = RunOutcome(command.source, "failed", exit_code=code,
                         duration_s=time.monotonic() - started, started_at=started_at,
                         extra={"log_path": str(log_path)})
    if row is None:
        outcome.error = (f"the crawl process exited with code {code} before it recorded a "
                         f"run: {_error_tail(log_path)}")
        return outcome
    outcome.run_id = int(row["id"])
    outcome.new, outcome.updated = int(row["new_articles"] or 0), int(row["updated_articles"]
                                                                       or 0)
    outcome.errors = int(row["errors"] or 0)
    outcome.status, outcome.error = str(row["status"]), row["error"]
    if outcome.status == "running":
        # Killed before it could record anything: the next crawl of the source closes the
        # row as abandoned; the scheduler reports what it saw.
        outcome.status = ("timeout" if reason and reason.startswith("timeout") else
                          "interrupted" if stopper is not None and stopper.stopping else
                          "failed")
        outcome.error = f"{reason or 'the crawl process died'} (exit code {code})"
    return outcome


def run_function(job: str, function: Callable[..., Any], args: Sequence[Any], db_path: str,
                 timeout_s: float, kill_grace_s: float,
                 stopper: Stopper | None = None) -> RunOutcome:
    """Run a maintenance function (recheck) in a child process, one at a time per job.

    A crawl needs its own process (Twisted's reactor cannot be started twice). The child is
    `python -m schedules.child module:function args`: the function by its import path, not a
    command of the CLI. It inherits the job's lock, which so stays held while it runs even if
    the scheduler dies.
    """
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
    paths = Paths.for_db(db_path)
    lock = FileLock(paths.lock(f"job-{job}"))
    if not lock.acquire(job):
        return RunOutcome(job, "skipped", error=f"{job} is already running ({lock.holder()})")
    try:
        log_path = _log_path(paths, job, uuid.uuid4().hex)
        target = f"{function.__module__}:{function.__qualname__}"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "schedules.child", target, json.dumps(list(args))],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                pass_fds=(lock.fileno,), start_new_session=True)
            lock.note_child(proc.pid, job)
            reason = _supervise(proc, timeout_s, kill_grace_s, stopper, job)
        code = proc.returncode
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
