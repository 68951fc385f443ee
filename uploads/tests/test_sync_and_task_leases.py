"""Upload jobs, sync runs and thumbnail tasks hold leases (`uploads.leases`), so none (nor its task) stays
`running` after its worker died: a stale heartbeat (the worker's process gone) is found by any worker's
periodic recovery."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult

from gallery.tasks import images_thumbnails_regenerate
from uploads import sync as sync_module
from uploads.leases import lease_heartbeat, lease_holder, lease_take, leases_recover
from uploads.models import SyncRun, TaskLease, UploadJob
from uploads.sync import SyncOptions, sync_run, sync_run_create
from uploads.tasks import storage_sync_process, upload_job_enqueue
from uploads.worker import task_leased

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_locks", "media_root")]


def long_ago(settings):
    return timezone.now() - timedelta(seconds=settings.UPLOAD_JOB_STALE_SECONDS + 1)


def test_a_sync_runs_under_this_workers_lease():
    sync_run(options=SyncOptions())
    run = SyncRun.objects.get()
    assert (run.status, run.worker) == (SyncRun.Status.DONE, lease_holder())
    assert run.heartbeat_at is not None


def test_a_command_sync_whose_process_died_is_failed_not_left_running(settings):
    run = sync_run_create(options=SyncOptions(), trigger=SyncRun.Trigger.COMMAND)
    SyncRun.objects.filter(pk=run.pk).update(
        status="running", worker="killed-host-1", heartbeat_at=long_ago(settings)
    )
    assert leases_recover() == {"uploads.SyncRun": [run.pk]}
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "heartbeat went stale" in run.error


def test_an_api_sync_whose_worker_died_runs_again_to_its_end(settings):
    run = sync_run_create(options=SyncOptions(), trigger=SyncRun.Trigger.API)
    SyncRun.objects.filter(pk=run.pk).update(
        status="running", worker="killed-host-1", heartbeat_at=long_ago(settings)
    )
    leases_recover()  # the test's ImmediateBackend runs the queued task at once
    run.refresh_from_db()
    assert (run.status, run.worker) == (SyncRun.Status.DONE, lease_holder())


def test_a_sync_a_live_worker_runs_is_left_to_it():
    run = sync_run_create(options=SyncOptions(), trigger=SyncRun.Trigger.API)
    SyncRun.objects.filter(pk=run.pk).update(status="running", worker="alive", heartbeat_at=timezone.now())
    assert leases_recover() == {}
    assert sync_module.sync_run_execute(run=run) is None  # a second delivery of its task does nothing
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.RUNNING


def test_an_interrupted_sync_is_recorded_as_failed(monkeypatch):
    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sync_module, "storage_sync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sync_run(options=SyncOptions())
    run = SyncRun.objects.get()
    assert (run.status, run.error) == (SyncRun.Status.FAILED, "interrupted (KeyboardInterrupt)")


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_keeps_a_long_job_fresh_while_its_process_lives():
    run = lease_take(SyncRun, sync_run_create(options=SyncOptions(), trigger=SyncRun.Trigger.API).pk)
    first = run.heartbeat_at
    with lease_heartbeat(run, every=0.05):
        time.sleep(0.5)  # a sync walking one large album: no progress call meanwhile
    assert SyncRun.objects.get(pk=run.pk).heartbeat_at > first


@pytest.fixture
def thumbnail_task(settings) -> DBTaskResult:
    """A thumbnail regeneration task in the database queue, taken by a worker (status running)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert task_backends["default"].supports_defer
    result = images_thumbnails_regenerate.enqueue([1, 2])
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now()
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_a_thumbnail_task_runs_under_a_lease_that_goes_with_it(thumbnail_task):
    with task_leased(thumbnail_task):
        lease = TaskLease.objects.get(task_result=str(thumbnail_task.pk))
        assert (lease.status, lease.worker) == (TaskLease.Status.RUNNING, lease_holder())
    assert not TaskLease.objects.exists()


def test_a_thumbnail_task_whose_worker_died_goes_back_to_the_queue(thumbnail_task, settings):
    TaskLease.objects.create(
        task_result=str(thumbnail_task.pk),
        task_path=thumbnail_task.task_path,
        status=TaskLease.Status.RUNNING,
        worker="killed-host-1",
        heartbeat_at=long_ago(settings),
    )
    assert list(leases_recover()) == ["uploads.TaskLease"]
    thumbnail_task.refresh_from_db()
    assert thumbnail_task.status == TaskResultStatus.READY  # any worker takes it again
    assert not TaskLease.objects.exists()


def test_an_upload_job_whose_worker_died_goes_back_to_the_queue_with_its_own_task(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = UploadJob.objects.create(kind=UploadJob.Kind.ARCHIVE, source_name="a.zip", spool="spool/x/")
    upload_job_enqueue(job.pk)
    job.refresh_from_db()
    DBTaskResult.objects.filter(pk=job.task_id).update(status=TaskResultStatus.RUNNING)
    UploadJob.objects.filter(pk=job.pk).update(
        status="running", worker="killed-host-1", heartbeat_at=long_ago(settings)
    )
    assert leases_recover() == {"uploads.UploadJob": [job.pk]}
    (task,) = DBTaskResult.objects.all()  # the same task, not a second one beside a task left running
    assert (str(task.pk), task.status) == (job.task_id, TaskResultStatus.READY)


def test_an_api_sync_whose_worker_died_goes_back_to_the_queue_with_its_own_task(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run = sync_run_create(options=SyncOptions(), trigger=SyncRun.Trigger.API)
    task = storage_sync_process.enqueue(run.pk)
    DBTaskResult.objects.filter(pk=task.id).update(status=TaskResultStatus.RUNNING)
    SyncRun.objects.filter(pk=run.pk).update(
        status="running", worker="killed-host-1", heartbeat_at=long_ago(settings)
    )
    assert leases_recover() == {"uploads.SyncRun": [run.pk]}
    (result,) = DBTaskResult.objects.all()
    assert (str(result.pk), result.status) == (str(task.id), TaskResultStatus.READY)
