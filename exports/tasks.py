"""Background tasks of the exports app (django-tasks; `manage.py db_worker` runs them)."""

from django_tasks import task

from exports.jobs import export_job_run
from uploads.worker import task_again


@task()
def export_job_process(job_id: int) -> None:
    """Write background export `job_id` (a plain id: the task is enqueued once the job row is committed)."""
    export_job_run(job_id=job_id)


def export_job_requeue(job_id: int) -> None:
    """An export whose worker died (stale heartbeat, `uploads.leases`): written again from the start."""
    task_again(export_job_process, job_id)
