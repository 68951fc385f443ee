"""Background tasks of the uploads app (django-tasks; `manage.py db_worker` runs them), and the functions that
put work on their queue: enqueue a committed job, re-queue jobs whose heartbeat went stale."""

import contextlib
import logging
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from gallery.locks import LockBusy
from uploads.jobs import upload_job_run
from uploads.leases import leases_recover
from uploads.models import SyncRun, UploadJob
from uploads.sync import SyncOptions, sync_run_create, sync_run_execute
from uploads.worker import task_result_requeue

logger = logging.getLogger(__name__)


@task()
def upload_job_process(job_id: int) -> None:
    """Ingest upload job `job_id` (a plain id: the task is enqueued once the job row is committed); a job
    waiting for its album is queued again with a delay."""
    retry_after = upload_job_run(job_id=job_id)
    if retry_after is not None:
        upload_job_enqueue(job_id, delay=retry_after)


@task()
def storage_sync_process(run_id: int) -> None:
    """Run queued sync `run_id` (unless it is finished or a live worker runs it); a run refused because
    another one is running is recorded as failed."""
    run = SyncRun.objects.get(pk=run_id)
    with contextlib.suppress(LockBusy):  # the run is recorded as failed: another sync was running
        sync_run_execute(run=run)


def upload_job_enqueue(job_id: int, *, delay: float = 0) -> None:
    """Hand the job to the task worker (called once the job row is committed), to run after `delay` s."""
    task = upload_job_process
    if delay and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    elif delay:  # a backend that runs tasks at once (ImmediateBackend, in tests) cannot defer them
        time.sleep(delay)
    result = task.enqueue(job_id)
    UploadJob.objects.filter(pk=job_id).update(task_id=str(result.id))


def upload_job_requeue(job_id: int) -> None:
    """A job whose worker died (stale heartbeat): its task, still `running` under the dead worker, goes back
    to the queue, so no task stays running; a job whose task cannot be put back is queued anew."""
    task_id = UploadJob.objects.filter(pk=job_id).values_list("task_id", flat=True).first()
    if not task_result_requeue(task_id or ""):
        upload_job_enqueue(job_id)


def upload_jobs_recover() -> list[int]:
    """Queue again the running jobs whose heartbeat is stale (`uploads.leases`); returns their ids."""
    return leases_recover().get("uploads.UploadJob", [])


def sync_run_requeue(run_id: int) -> None:
    """A sync whose worker died (stale heartbeat): an API run is queued again (a sync can always run again
    from the start), by its own task when that was left `running`; a `manage.py sync_storage` run is failed,
    not restarted behind its operator's back."""
    run = SyncRun.objects.get(pk=run_id)
    if run.trigger == SyncRun.Trigger.API:
        left_running = DBTaskResult.objects.filter(
            task_path=storage_sync_process.module_path,
            status=TaskResultStatus.RUNNING,
            args_kwargs__args=[run.pk],
        ).values_list("pk", flat=True)
        if not task_result_requeue(str(left_running.first() or "")):
            storage_sync_process.enqueue(run.pk)
        return
    run.status, run.finished_at = SyncRun.Status.FAILED, timezone.now()
    run.error = "the process running it stopped (its heartbeat went stale); run sync_storage again"
    run.save(update_fields=["status", "finished_at", "error"])


def sync_run_enqueue(*, options: SyncOptions, user) -> SyncRun:
    """Queue a sync for the task worker (the API); it starts once this transaction commits."""
    run = sync_run_create(options=options, trigger=SyncRun.Trigger.API, user=user)
    transaction.on_commit(lambda: storage_sync_process.enqueue(run.pk))
    return run
