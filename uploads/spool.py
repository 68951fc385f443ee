"""The upload spool: an upload's files wait for the worker in the media storage, under `spool/<id>/`.

Intake stores the request's files there (a move on the filesystem, a multipart upload on S3) and the job
keeps the key, so a job accepted by one web node runs on any worker. The worker reads them through a local
folder (`gallery.files.local_folder`: a temporary copy it deletes, unless the storage is a folder anyway);
the spool is deleted when the job ends, however it ends. A worker's periodic duty deletes spools older than
`SPOOL_ORPHAN_SECONDS` that no unfinished job refers to (an intake or a cleanup that died half-way).
"""

import contextlib
import datetime
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_noop

from gallery import files
from uploads.models import UploadJob
from uploads.validation import Refused

SPOOL_PREFIX = "spool/"
SPOOL_ORPHAN_SECONDS = 24 * 60 * 60


def spool_store(uploads: Sequence[UploadedFile]) -> str:
    """Store an upload's files under a new spool key (`<key>00000`, `<key>00001` …); returns the key.
    Nothing is left behind when a file cannot be stored."""
    key = f"{SPOOL_PREFIX}{uuid.uuid4().hex}/"
    try:
        for index, upload in enumerate(uploads):
            files.store(f"{key}{index:05d}", upload)
    except BaseException:
        spool_delete(key)
        raise
    return key


def spool_delete(key: str) -> None:
    """Delete a spool (cleanup: a storage failure is logged, and the orphan sweep tries again later)."""
    if key.startswith(SPOOL_PREFIX):
        files.folder_delete(key)


@contextlib.contextmanager
def spool_folder(job: UploadJob) -> Iterator[Path]:
    """The job's spooled files as a local folder; `Refused("spool_missing")` when they are gone."""
    gone = Refused("spool_missing", gettext_noop("the uploaded files are no longer there; upload them again"))
    if not job.spool.startswith(SPOOL_PREFIX):
        raise gone  # a local folder of a version before the spool moved into storage
    with contextlib.ExitStack() as stack:
        try:
            folder = stack.enter_context(files.local_folder(job.spool))
        except FileNotFoundError as exc:
            raise gone from exc
        yield folder


def spool_orphans_sweep() -> list[str]:
    """Delete spools older than `SPOOL_ORPHAN_SECONDS` that no unfinished job names; returns their keys."""
    cutoff = timezone.now() - datetime.timedelta(seconds=SPOOL_ORPHAN_SECONDS)
    unfinished = UploadJob.objects.exclude(status__in=[UploadJob.Status.DONE, UploadJob.Status.FAILED])
    removed = []
    for folder in files.folders(SPOOL_PREFIX):
        key = f"{SPOOL_PREFIX}{folder}/"
        if unfinished.filter(spool=key).exists():
            continue
        names = [name for name, _size in files.walk(key)]
        if not names:  # an emptied prefix an S3 server still lists (SeaweedFS), or an intake's new folder
            continue
        try:
            if any(files.modified_at(name) > cutoff for name in names):
                continue
        except FileNotFoundError:
            continue  # its job ended and deleted it meanwhile
        spool_delete(key)
        removed.append(key)
    return removed
