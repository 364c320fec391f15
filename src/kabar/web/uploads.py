"""Uploads to `POST /api/ingest`: spooled at once, ingested in turn.

An ingest holds the store's lock for as long as it runs (a `kabar ingest` of an archive
holds it for hours), so an upload does not wait for the lock: the request writes what it
received into a private spool folder and is answered at once (202) with a job id. One
worker thread per app ingests the queued jobs one at a time, each when the lock is free,
and `GET /api/ingest/{job}` tells a job's status and report.

Uploaded file names are labels only: a file is spooled under a generated name, and its
label (`upload:NAME`) is what reports and the API show in place of the spool path.
Jobs live in the server's memory: queued uploads do not outlive the process.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kabar import alerts, guard, pipeline
from kabar.model import QuarantineEntry
from kabar.store import Store, StoreBusy, open_store
from kabar.web.views import upload_name

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# How long one attempt waits for the store's lock; the worker then tries again, so a long
# ingest elsewhere only delays the queue, and a server shutting down is noticed meanwhile.
LOCK_ATTEMPT_SECONDS = 5.0
# Jobs waiting at once. Each holds at most one request body (20 MB) of spool, so the
# spool stays under 2 GB of disk however fast uploads come; beyond it the API answers 503.
MAX_WAITING_JOBS = 100
# Finished jobs whose reports stay readable; older ones are forgotten (a report with its
# listed quarantine entries is at most a few hundred KB).
KEPT_JOBS = 200
# Quarantine entries listed per report; `quarantined_total` counts them all. A JSONL dump
# of broken lines would otherwise hold one entry per line in memory.
LISTED_QUARANTINE = 1000
SPOOL_PREFIX = "kabar-spool-"
_LEGACY_PREFIX = "kabar-upload-"  # the per-request folders of the synchronous uploads before

log = logging.getLogger("kabar.web")


class QueueFull(RuntimeError):
    """MAX_WAITING_JOBS uploads are waiting already."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def shown_source(source: str) -> str:
    """A stored source as the API shows it. Uploads are stored under their labels
    (`upload:NAME`); a store written before that holds spool paths, which become labels
    here (with the record key after `#` kept). Any other source is unchanged."""
    path, sep, key = source.partition("#")
    parts = path.split("/")
    name = parts[-1]
    spooled = len(parts) >= 3 and parts[-3].startswith(SPOOL_PREFIX)
    legacy = len(parts) >= 2 and parts[-2].startswith(_LEGACY_PREFIX)
    if (spooled or legacy) and "-" in name:
        return "upload:" + name.split("-", 1)[1] + sep + key
    return source


@dataclass
class Job:
    """One upload: its spooled files (spool name -> label), then its status and report."""

    id: str
    folder: Path
    labels: dict[str, str] = field(default_factory=dict)
    status: str = QUEUED
    submitted: str = ""
    started: str | None = None
    finished: str | None = None
    seen: int = 0
    stored: int = 0
    already: int = 0
    quarantined: list[dict[str, str]] = field(default_factory=list)
    quarantined_total: int = 0
    error: str | None = None

    def spool(self, filename: str) -> Path:
        """Where to write an uploaded file: a generated name in the job's folder; the
        name given by the client only becomes the label (its extension tells the format)."""
        name = upload_name(filename)
        spooled = f"{len(self.labels):04d}-{name}"
        self.labels[spooled] = f"upload:{name}"
        return self.folder / spooled

    def record(self) -> dict[str, Any]:
        return {
            "job": self.id, "status": self.status, "files": list(self.labels.values()),
            "submitted": self.submitted, "started": self.started, "finished": self.finished,
            "seen": self.seen, "stored": self.stored, "already": self.already,
            "quarantined": list(self.quarantined), "quarantined_total": self.quarantined_total,
            "error": self.error,
        }  # fmt: skip

    def _report(self, report: pipeline.IngestReport) -> None:
        self.seen, self.stored, self.already = report.seen, report.stored, report.already
        self.quarantined_total = len(report.quarantined)
        self.quarantined = [self._entry(q) for q in report.quarantined[:LISTED_QUARANTINE]]

    def _entry(self, entry: QuarantineEntry) -> dict[str, str]:
        return {"source": entry.source, "reason": entry.reason, "detail": entry.detail}


def _alerts(store: Store) -> None:
    """Check the alerts on what an upload stored and post their webhooks, as `kabar ingest`
    does; a failure here is logged and leaves the upload stored."""
    try:
        alerts.check(store)
        alerts.deliver(store)
    except Exception as exc:  # the upload is stored; the next check catches up
        guard.report_traceback(exc)
        log.error("alerts after an upload failed: %s", guard.one_line(exc))


class Uploads:
    """The upload queue of one app (one store): spool folders, jobs and the worker thread."""

    def __init__(self, db: str, spool_parent: str | None = None) -> None:
        self.db = db
        self.spool_parent = spool_parent  # None: the system's temporary folder
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._waiting: deque[Job] = deque()
        self._spooling: set[str] = set()  # jobs whose request is still being received
        self._root: Path | None = None
        self._worker: threading.Thread | None = None
        self._closed = threading.Event()

    # --- the request side ---------------------------------------------------------------

    def open_job(self) -> Job:
        """A new job with its own private folder, to spool the request into."""
        with self._lock:
            if self._closed.is_set():
                raise QueueFull("the server is shutting down")
            if len(self._waiting) + len(self._spooling) >= MAX_WAITING_JOBS:
                raise QueueFull(f"{MAX_WAITING_JOBS} uploads are waiting already")
            if self._root is None:
                # mkdtemp makes the folder readable by this user only (mode 0700).
                self._root = Path(tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=self.spool_parent))
            job = Job(secrets.token_hex(8), self._root / secrets.token_hex(8), submitted=_now())
            job.folder.mkdir(mode=0o700)
            self._spooling.add(job.id)
            return job

    def submit(self, job: Job) -> dict[str, Any]:
        """Queue a spooled job; the worker starts if it is not running."""
        with self._lock:
            self._spooling.discard(job.id)
            if self._closed.is_set():
                shutil.rmtree(job.folder, ignore_errors=True)
                raise QueueFull("the server is shutting down")
            self._jobs[job.id] = job
            self._waiting.append(job)
            self._forget_old()
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="kabar-uploads", daemon=True)
                self._worker.start()
            return job.record()

    def discard(self, job: Job) -> None:
        """Drop a job whose request failed (over the size cap, cut off, not a format)."""
        shutil.rmtree(job.folder, ignore_errors=True)
        with self._lock:
            self._spooling.discard(job.id)
            self._tidy()

    def status(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.record() if job else None

    def close(self, wait: float = 10.0) -> None:
        """Stop taking jobs; let the running one finish (up to `wait` seconds), then remove
        the spool. Jobs still queued are dropped: they do not outlive the process."""
        self._closed.set()
        worker = self._worker
        if worker is not None:
            worker.join(wait)
        with self._lock:
            if self._worker is None and self._root is not None:  # nothing reads the spool now
                shutil.rmtree(self._root, ignore_errors=True)
                self._root = None

    # --- the worker ---------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._waiting or self._closed.is_set():
                    self._worker = None
                    self._tidy()
                    return
                job = self._waiting[0]
            try:
                self._ingest(job)
            finally:
                shutil.rmtree(job.folder, ignore_errors=True)
                with self._lock:
                    self._waiting.popleft()

    def _ingest(self, job: Job) -> None:
        labels = {str(job.folder / name): label for name, label in job.labels.items()}
        try:
            while not self._closed.is_set():
                store = open_store(self.db)
                try:
                    # Wait here for the lock to be free, so the job reads "queued" until then;
                    # the run takes the lock itself, and StoreBusy from it (another ingest got
                    # in between) puts the job back to waiting.
                    with store.ingest_lock(LOCK_ATTEMPT_SECONDS):
                        pass
                    with self._lock:
                        job.status, job.started = RUNNING, job.started or _now()
                    report = pipeline.run(list(labels), store, wait=LOCK_ATTEMPT_SECONDS, labels=labels)
                    if report.stored:
                        _alerts(store)
                except StoreBusy:
                    with self._lock:
                        job.status = QUEUED
                    continue
                finally:
                    store.close()
                with self._lock:
                    job._report(report)
                    job.status, job.finished = DONE, _now()
                return
        except Exception as exc:  # one job's failure must not stop the queue
            guard.report_traceback(exc)
            log.error("upload %s failed: %s", job.id, guard.one_line(exc))
            with self._lock:
                job.status, job.finished = FAILED, _now()
                # One line, with the spool folder named by nothing more than the job.
                job.error = guard.one_line(exc).replace(str(job.folder), f"job {job.id}")

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status in (DONE, FAILED)]
        for key in finished[: max(0, len(finished) - KEPT_JOBS)]:
            del self._jobs[key]

    def _tidy(self) -> None:
        """Remove the spool folder when nothing is queued or being received (under the lock)."""
        if self._root is not None and not self._waiting and not self._spooling:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
