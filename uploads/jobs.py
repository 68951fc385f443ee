"""The life of an upload job in the task worker: claim it, sweep its journal, run its ingest, finish it.

A job survives its worker being killed: before any file of a photo is written, a `pending` UploadResult names
those files (the journal). The job is a lease (`uploads.leases`); when its heartbeat goes stale, any worker's
periodic recovery queues it again, and the job first removes the files of pending entries that have no row,
then carries on with the entries that have no result yet. After `UPLOAD_JOB_MAX_ATTEMPTS` starts it is failed,
cleanly, instead. A database outage is not a start: the same worker resumes the job once the database is back.

A job whose album another job (or a sync, or a move) holds goes back to the queue to wait, without holding a
worker, and is tried again after a delay that doubles from 2 s to 30 s; waiting is not an attempt. It fails
with `album_busy` only once it has waited `UPLOAD_JOB_MAX_WAIT_SECONDS`.
"""

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import audit
from core.errors import DATABASE_UNAVAILABLE, disk_fault
from gallery import files
from gallery.models import Article, Image, Thumbnail
from gallery.services import (
    album_counters_refresh,
    article_counts_refresh,
)
from uploads.ingest import AlbumBusy, images_ingest_files, images_ingest_zip
from uploads.leases import LeaseLost, lease_holder, lease_release, lease_take
from uploads.models import UploadJob, UploadResult
from uploads.spool import spool_delete
from uploads.validation import Refused

logger = logging.getLogger(__name__)

Outcome = UploadResult.Outcome
WAIT_FIRST_SECONDS = 2.0
WAIT_MAX_SECONDS = 30.0


def _job_claim(job_id: int) -> UploadJob | None:
    """Take the job's lease (`uploads.leases`); a start counts as an attempt unless this worker already held
    it (the same worker running it again after a database outage: not the job's fault)."""

    def one_more_attempt(job: UploadJob) -> list[str]:
        if job.worker != lease_holder() and job.waiting_since is None:
            job.attempts += 1
        return ["attempts"]

    return lease_take(UploadJob, job_id, changes=one_more_attempt)


def _storage_names_unreferenced(names: list[str]) -> list[str]:
    referenced = set(Image.all_objects.filter(file__in=names).values_list("file", flat=True))
    referenced |= set(Thumbnail.objects.filter(file__in=names).values_list("file", flat=True))
    return [name for name in names if name not in referenced]


def _journal_sweep(job: UploadJob) -> None:
    """Remove files written for unfinished entries (and replaced-away files) that no row references."""
    pending = list(job.results.filter(outcome=Outcome.PENDING))
    names = [name for result in pending for name in result.files] + list(job.files_to_delete)
    if not names and not pending:
        return
    for name in _storage_names_unreferenced(names):
        files.delete(name)
    job.results.filter(pk__in=[result.pk for result in pending]).delete()
    job.files_to_delete = []
    job.save(update_fields=["files_to_delete"])


def _job_finish(job: UploadJob, status: str, *, refused: Refused | None = None) -> None:
    job.status = status
    if refused is not None:
        job.error_code, job.error, job.error_params = refused.code, refused.template, refused.params
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_code", "error", "error_params", "finished_at"])
    spool_delete(job.spool)
    if job.album_id:
        article_counts_refresh(articles=Article.objects.filter(pk__in=job.results.values("article_id")))
        album_counters_refresh(album_id=job.album_id)
    audit(
        action="upload",
        user=job.user,
        obj=job.album,
        object_type="" if job.album else "uploads.uploadjob",
        object_id="" if job.album else str(job.pk),
        object_repr="" if job.album else job.source_name,
        details={
            "job": job.pk,
            "source": job.source_name,
            "mode": job.mode,
            "status": job.status,
            "total": job.total,
            "added": job.added,
            "duplicates": job.duplicates,
            "ignored": job.ignored,
            "refused": job.refused,
            "removed": job.removed,
            **({"error": refused.message} if refused is not None else {}),
        },
    )


def _job_fail(job: UploadJob, refused: Refused) -> None:
    _journal_sweep(job)
    job.refresh_from_db()
    _job_finish(job, UploadJob.Status.FAILED, refused=refused)
    logger.warning("upload job %s failed: %s", job.pk, refused.message)  # once the row says so


def _job_wait(job: UploadJob) -> float | None:
    """Its album is busy: put the job back in the queue and return the seconds until it is tried again, or
    fail it once it has waited `UPLOAD_JOB_MAX_WAIT_SECONDS` (returns None)."""
    now = timezone.now()
    since = job.waiting_since or now
    waited = (now - since).total_seconds()
    limit = settings.UPLOAD_JOB_MAX_WAIT_SECONDS
    if waited >= limit:
        _job_fail(
            job,
            Refused(
                "album_busy",
                gettext_noop(
                    "the album stayed busy for {minutes} min (another upload, sync or move was working on "
                    "it); gave up: upload again later"
                ),
                minutes=f"{waited / 60:.0f}",
            ),
        )
        return None
    job.waiting_since = since
    lease_release(job, "waiting_since")
    logger.info("upload job %s waits for its album (busy for %.0f s)", job.pk, waited)
    return min(WAIT_MAX_SECONDS, max(WAIT_FIRST_SECONDS, waited), max(0.5, limit - waited))


def _storage_refused(job: UploadJob, fault: str) -> Refused:
    """Why a job stopped on a disk that refused a write, with how many photos it had stored."""
    stored = job.results.filter(outcome=Outcome.ADDED).count()
    if fault == "full":
        template = gettext_noop("storage is full: {stored} photos were stored, the rest were not")
    else:
        template = gettext_noop(
            "storage cannot be written to: {stored} photos were stored, the rest were not"
        )
    return Refused(f"storage_{fault}", template, stored=stored)


def upload_job_run(*, job_id: int) -> float | None:
    """Run (or resume) an upload job to its end; what the task worker calls. Never raises for bad input.

    Returns the seconds after which to run it again when it went back to the queue to wait for its album.
    """
    job = _job_claim(job_id)
    if job is None:
        return None
    try:
        _journal_sweep(job)
        if job.attempts > settings.UPLOAD_JOB_MAX_ATTEMPTS:
            raise Refused(
                "gave_up",
                gettext_noop("the worker stopped {count} times while processing this upload; gave up"),
                count=job.attempts - 1,
            )
        if job.kind == UploadJob.Kind.ARCHIVE:
            images_ingest_zip(job=job)
        else:
            images_ingest_files(job=job)
        _job_finish(job, UploadJob.Status.DONE)
    except AlbumBusy:
        return _job_wait(job)
    except Refused as refused:
        _job_fail(job, refused)
    except LeaseLost:
        logger.warning("upload job %s was taken over by another worker; this one stops", job.pk)
    except DATABASE_UNAVAILABLE:
        raise  # not the job's fault: the worker waits for the database and runs it again (journal)
    except Exception as exc:
        fault = disk_fault(exc)
        if fault is not None:
            logger.error("upload job %s: the media storage refused a write (%s)", job.pk, exc)
            _job_fail(job, _storage_refused(job, fault))
            return None
        logger.exception("upload job %s crashed", job.pk)
        _job_fail(
            job,
            Refused(
                "internal_error", gettext_noop("The upload stopped on an internal error; it was logged.")
            ),
        )
