"""Background exports: exports over `EXPORT_BACKGROUND_ROWS` rows are written by the task worker into the
storage (`exports.files`) and downloaded from their job's page once done; files go after
`EXPORT_RETENTION_HOURS`.

A job is checked again when it runs (an album deleted meanwhile fails it with `scope_gone`); a job that fails
keeps no file (`file_streams.Writer` aborts) and says why in the user's language. A job is a lease
(`uploads.leases`), renewed as rows are written and by a heartbeat thread meanwhile: when its worker dies, any
worker queues it again after `UPLOAD_JOB_STALE_SECONDS` and writes it from the start, and the worker that lost
it stops at its next progress write without touching the row.
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
from uploads.leases import LeaseLost, lease_heartbeat, lease_renew, lease_take

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0  # how often a running job records the rows written so far


def export_job_can_download(job: ExportJob, user: AbstractBaseUser) -> bool:
    """Only who asked for the export, or an administrator, may see and download it."""
    return job.user_id == user.pk or user.has_perm(Capability.ADMINISTER.permission)


def _counted(job: ExportJob, rows: Iterator[list]) -> Generator[list, None, None]:
    """`rows`, recording in `job` how many were written about every `PROGRESS_EVERY_SECONDS` (which renews
    its lease; LeaseLost once another worker took it over)."""
    recorded = time.monotonic()
    for written, row in enumerate(rows, start=1):
        yield row
        if time.monotonic() - recorded >= PROGRESS_EVERY_SECONDS:
            job.rows_done = written
            lease_renew(job, "rows_done")
            recorded = time.monotonic()


def _failed(job: ExportJob, error: ExportJob.Error) -> None:
    job.status, job.error_code, job.finished_at = ExportJob.Status.FAILED, error, timezone.now()
    lease_renew(job, "status", "error_code", "finished_at")


def export_job_run(*, job_id: int) -> None:
    """Write job `job_id`'s file into the storage and mark it done, or failed with a reason and no file.
    Does nothing for a finished job or one a live worker writes; takes over one whose worker died."""
    job = lease_take(ExportJob, job_id)
    if job is None:
        return
    try:
        with lease_heartbeat(job):
            _export_write(job)
    except LeaseLost:
        logger.warning("export job %s was taken over by another worker; this one stops", job.pk)


def _export_write(job: ExportJob) -> None:
    try:
        spec = export_spec_clean(**spec_params_load(job.params))
    except ValidationError:
        _failed(job, ExportJob.Error.SCOPE_GONE)
        return
    fmt = ExportFormat(job.file_format)
    sheet = sheet_build(spec)
    sheet.rows = _counted(job, sheet.rows)
    name = export_file_name(job.pk, fmt.value)
    export_files_left_clear(job.pk)  # a run before this one, taken over from a worker that died
    try:
        size = export_file_write(name, export_chunks(spec=spec, fmt=fmt, sheet=sheet))
    except LeaseLost:
        raise  # the file was not kept (the writer aborts); the new holder writes it
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _failed(job, ExportJob.Error.WRITE_FAILED)
        return
    job.status, job.file, job.bytes, job.finished_at = ExportJob.Status.DONE, name, size, timezone.now()
    job.rows_total = job.rows_done = sheet.row_count
    lease_renew(job, "status", "file", "bytes", "finished_at", "rows_total", "rows_done")


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
