"""Background tasks of the exports app (django-tasks; `manage.py db_worker` runs them)."""

from django_tasks import task

from exports.jobs import export_job_run


@task()
def export_job_process(job_id: int) -> None:
    """Write background export `job_id` (a plain id: the task is enqueued once the job row is committed)."""
    export_job_run(job_id=job_id)
