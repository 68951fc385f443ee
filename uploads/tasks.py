"""Background tasks of the uploads app (django-tasks; `manage.py db_worker` runs them)."""

import contextlib

from django_tasks import task

from gallery.locks import LockBusy
from uploads.models import SyncRun
from uploads.services import upload_job_run
from uploads.sync import sync_run_execute


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
