"""Background tasks of the uploads app (django-tasks; `manage.py db_worker` runs them), and the functions that
put work on their queue: enqueue a committed job, re-queue jobs whose worker is gone."""

import contextlib
import logging

from django.db import transaction
from django_tasks import task

from gallery.locks import LockBusy
from uploads.jobs import job_abandoned, upload_job_run
from uploads.models import SyncRun, UploadJob
from uploads.sync import SyncOptions, sync_run_create, sync_run_execute

logger = logging.getLogger(__name__)


@task()
def upload_job_process(job_id: int) -> None:
    """Ingest upload job `job_id` (a plain id: the task is enqueued once the job row is committed)."""
    upload_job_run(job_id=job_id)


@task()
def storage_sync_process(run_id: int) -> None:
    """Run queued sync `run_id`; a run refused because another one is running is recorded as failed."""
    run = SyncRun.objects.get(pk=run_id)
    if run.status != SyncRun.Status.QUEUED:
        return  # already picked up by another worker
    with contextlib.suppress(LockBusy):  # the run is recorded as failed: another sync was running
        sync_run_execute(run=run)


def upload_job_enqueue(job_id: int) -> None:
    """Hand the job to the task worker (called once the job row is committed)."""
    result = upload_job_process.enqueue(job_id)
    UploadJob.objects.filter(pk=job_id).update(task_id=str(result.id))


def upload_jobs_recover() -> list[int]:
    """Re-queue running jobs whose worker is gone; returns their ids. Safe to call at any time."""
    recovered = []
    for job in UploadJob.objects.filter(status=UploadJob.Status.RUNNING):
        if job_abandoned(job) and UploadJob.objects.filter(
            pk=job.pk, status=UploadJob.Status.RUNNING, worker=job.worker
        ).update(status=UploadJob.Status.QUEUED, worker=""):
            logger.warning("upload job %s lost its worker %s; queued again", job.pk, job.worker)
            upload_job_enqueue(job.pk)
            recovered.append(job.pk)
    return recovered


def sync_run_enqueue(*, options: SyncOptions, user) -> SyncRun:
    """Queue a sync for the task worker (the API); it starts once this transaction commits."""
    run = sync_run_create(options=options, trigger=SyncRun.Trigger.API, user=user)
    transaction.on_commit(lambda: storage_sync_process.enqueue(run.pk))
    return run
