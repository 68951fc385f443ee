"""The upload spool: an upload's files wait for the worker in the media storage, under `spool/<id>/`.

The request body streams there as it arrives (`uploads.handlers.SpoolUploadHandler`: a multipart upload on
S3, a plain file on the filesystem; nothing on the web node's disk) and the job keeps the key, so a job
accepted by one web node runs on any worker. The worker reads them through a local
folder (`gallery.files.local_folder`: a temporary copy it deletes, unless the storage is a folder anyway);
the spool is deleted when the job ends, however it ends. A worker's periodic duty deletes spools older than
`SPOOL_ORPHAN_SECONDS` that no unfinished job refers to (an intake or a cleanup that died half-way), and
aborts multipart uploads into the spool started before then (a web node killed while a body arrived).
"""

import contextlib
import datetime
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_noop

from gallery import file_streams, files
from uploads.models import UploadJob
from uploads.validation import Refused

SPOOL_PREFIX = "spool/"
SPOOL_ORPHAN_SECONDS = 24 * 60 * 60


def spool_key_new() -> str:
    """A new, unused spool key (a folder in the storage)."""
    return f"{SPOOL_PREFIX}{uuid.uuid4().hex}/"


def spool_file_name(key: str, index: int) -> str:
    """The stored name of an upload's `index`-th file (from 0) in the spool `key`."""
    return f"{key}{index:05d}"


class SpooledUpload(UploadedFile):
    """A request's file already streamed into the spool as `spool_file_name(key, index)`.

    Reads go to the storage (random access: a ZIP's directory costs a few ranged GETs on S3). Closing it, as
    Django does when the request ends, deletes the request's spool unless a job took it (`spool_store`),
    the way Django deletes its temporary upload files.
    """

    def __init__(self, *, key: str, index: int, name: str, size: int, **details) -> None:
        self.key, self.index, self.kept = key, index, False
        self.stored_name = spool_file_name(key, index)
        stored = file_streams.open_random_access(self.stored_name, size)
        super().__init__(stored, name=name, size=size, **details)

    def close(self) -> None:
        super().close()
        if not self.kept:
            self.kept = True  # deleted once
            spool_delete(self.key)


def _streamed_spool(uploads: Sequence[UploadedFile]) -> str | None:
    """The key of the spool `uploads` were streamed into, when they are exactly its files in order."""
    if not uploads or not all(isinstance(upload, SpooledUpload) for upload in uploads):
        return None
    key = uploads[0].key
    if [(upload.key, upload.index) for upload in uploads] != [(key, n) for n in range(len(uploads))]:
        return None
    return key


def spool_store(uploads: Sequence[UploadedFile]) -> str:
    """Store an upload's files under a new spool key (`<key>00000`, `<key>00001` …); returns the key.
    Files the request already streamed into a spool are kept there, not copied. Nothing is left behind when
    a file cannot be stored."""
    streamed = _streamed_spool(uploads)
    if streamed is not None:
        for upload in uploads:
            upload.kept = True
        return streamed
    key = spool_key_new()
    try:
        for index, upload in enumerate(uploads):
            files.store(spool_file_name(key, index), upload)
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
    """Delete spools older than `SPOOL_ORPHAN_SECONDS` that no unfinished job names, and abort multipart
    uploads into the spool started before then; returns the spools' keys and the uploads' names."""
    cutoff = timezone.now() - datetime.timedelta(seconds=SPOOL_ORPHAN_SECONDS)
    unfinished = UploadJob.objects.exclude(status__in=[UploadJob.Status.DONE, UploadJob.Status.FAILED])
    removed = file_streams.unfinished_writes_abort(SPOOL_PREFIX, started_before=cutoff)
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
