"""Background tasks of the uploads app (django-tasks; `manage.py db_worker` runs them)."""

from django_tasks import task

from uploads.services import upload_job_run


@task()
def upload_job_process(job_id: int) -> None:
    """Ingest upload job `job_id` (a plain id: the task is enqueued once the job row is committed)."""
    upload_job_run(job_id=job_id)
