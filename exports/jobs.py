"""Background exports: exports over `EXPORT_BACKGROUND_ROWS` rows are written by the task worker into the
storage (`exports.files`) and downloaded from their job's page once done; files go after
`EXPORT_RETENTION_HOURS`.

A job is checked again when it runs (an album deleted meanwhile fails it with `scope_gone`); a job that fails
keeps no file (`file_streams.Writer` aborts) and says why in the user's language. Its task runs under a task
lease (`uploads.worker.LEASED_TASKS`): when its worker dies mid-write, any worker queues the task again after
`UPLOAD_JOB_STALE_SECONDS`, and the job, found `running`, is written again from the start.
"""

import datetime
import logging
import time
from collections.abc import Generator, Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.access import Capability
from exports.files import (
    export_file_name,
    export_file_write,
    export_files_delete_on_commit,
    export_files_left_clear,
)
from exports.models import ExportJob
from exports.rows import sheet_build
from exports.sheets import ExportFormat
from exports.spec import export_spec_clean, spec_params_load
from exports.writing import export_chunks

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0  # how often a running job records the rows written so far


def export_job_can_download(job: ExportJob, user: AbstractBaseUser) -> bool:
    """Only who asked for the export, or an administrator, may see and download it."""
    return job.user_id == user.pk or user.has_perm(Capability.ADMINISTER.permission)


def _counted(job: ExportJob, rows: Iterator[list]) -> Generator[list, None, None]:
    """`rows`, recording in `job` how many were written about every `PROGRESS_EVERY_SECONDS`."""
    recorded = time.monotonic()
    for written, row in enumerate(rows, start=1):
        yield row
        if time.monotonic() - recorded >= PROGRESS_EVERY_SECONDS:
            ExportJob.objects.filter(pk=job.pk).update(rows_done=written)
            recorded = time.monotonic()


def _failed(job: ExportJob, error: ExportJob.Error) -> None:
    job.status, job.error_code, job.finished_at = ExportJob.Status.FAILED, error, timezone.now()
    job.save(update_fields=["status", "error_code", "finished_at"])


def export_job_run(*, job_id: int) -> None:
    """Write job `job_id`'s file into the storage and mark it done, or failed with a reason and no file.

    A `running` job is one whose run was cut off (its worker died, or lost the database): its task runs only
    once at a time (its task lease), so it is written again from the start. A finished job is left alone.
    """
    job = ExportJob.objects.get(pk=job_id)
    if job.finished:
        return
    job.status = ExportJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        spec = export_spec_clean(**spec_params_load(job.params))
    except ValidationError:
        _failed(job, ExportJob.Error.SCOPE_GONE)
        return
    fmt = ExportFormat(job.file_format)
    sheet = sheet_build(spec)
    sheet.rows = _counted(job, sheet.rows)
    name = export_file_name(job.pk, fmt.value)
    export_files_left_clear(job.pk)  # what a cut-off run before this one left
    try:
        size = export_file_write(name, export_chunks(spec=spec, fmt=fmt, sheet=sheet))
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _failed(job, ExportJob.Error.WRITE_FAILED)
        return
    job.status, job.file, job.bytes, job.finished_at = ExportJob.Status.DONE, name, size, timezone.now()
    job.rows_total = job.rows_done = sheet.row_count
    job.save(update_fields=["status", "file", "bytes", "finished_at", "rows_total", "rows_done"])


def export_jobs_expire() -> list[int]:
    """Delete the jobs (and their files) finished more than `EXPORT_RETENTION_HOURS` ago; their ids.

    A periodic duty of the task worker (`uploads.worker.DUTIES`).
    """
    cutoff = timezone.now() - datetime.timedelta(hours=settings.EXPORT_RETENTION_HOURS)
    old = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)  # or never ran
    expired = list(ExportJob.objects.filter(old).values_list("pk", "file"))
    ids = [pk for pk, _ in expired]
    with transaction.atomic():  # files go only once their rows are gone, as everywhere (gallery.files)
        ExportJob.objects.filter(pk__in=ids).delete()
        export_files_delete_on_commit(name for _, name in expired)
    return ids
