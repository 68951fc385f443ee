"""Accepting an upload: check it at the door, spool its files and queue its job (`uploads.tasks`)."""

import logging
import zipfile
from collections.abc import Sequence
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from core.errors import disk_fault
from gallery.services import (
    album_name_clean,
    name_clean,
)
from uploads.models import UploadJob
from uploads.spool import spool_delete, spool_store
from uploads.tasks import upload_job_enqueue
from uploads.validation import Limits, zip_signature

logger = logging.getLogger(__name__)


class UploadRejected(Exception):
    """An upload refused at the door; `status` is the HTTP status to answer (400, 413, or 507 when the
    server's disk cannot take it)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def upload_too_large(size: int, limit: int) -> UploadRejected:
    """The 413 refusal of an upload of `size` bytes over `limit`, in the active language."""
    return UploadRejected(
        413,
        "too_large",
        gettext("{size} bytes; the upload limit is {limit} bytes").format(size=size, limit=limit),
    )


def storage_refusal(fault: str) -> UploadRejected:
    """The 507 refusal of an upload that the server's disk could not take (`core.errors.disk_fault`)."""
    if fault == "full":
        message = gettext("The server's storage is full; nothing of this upload was kept. Try again later.")
        return UploadRejected(507, "storage_full", message)
    message = gettext("The server's storage cannot be written to; nothing of this upload was kept.")
    return UploadRejected(507, "storage_unwritable", message)


def _is_zip(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    return zip_signature(head) or (upload.name or "").lower().endswith(".zip")


def upload_job_create(
    *,
    user: AbstractBaseUser | None,
    files: Sequence[UploadedFile],
    album: str = "",
    article: str = "",
    mode: str = UploadJob.Mode.ADD,
) -> UploadJob:
    """Accept an upload: one ZIP, or photos for a given album and article. Queues its job; raises
    `UploadRejected` (413 too large, 400 not a ZIP/no file/bad values, 507 storage full or not writable)
    without keeping anything."""
    limits = Limits.current()
    if not files:
        raise UploadRejected(400, "no_file", gettext("Choose a ZIP archive or one or more photos to upload."))
    if mode not in UploadJob.Mode.values:
        choices = ", ".join(UploadJob.Mode.values)
        raise UploadRejected(
            400, "invalid_mode", gettext("mode must be one of: {choices}").format(choices=choices)
        )
    size = sum(upload.size or 0 for upload in files)
    if size > limits.upload_bytes:
        raise upload_too_large(size, limits.upload_bytes)
    try:
        album = album_name_clean(album) if album.strip() else ""
        article = name_clean(article, field="article") if article.strip() else ""
    except ValidationError as exc:
        raise UploadRejected(400, "invalid_name", "; ".join(exc.messages)) from exc
    archives = [upload for upload in files if _is_zip(upload)]
    if archives:
        if len(files) > 1:
            raise UploadRejected(
                400, "one_archive", gettext("Upload one ZIP archive at a time, without other files.")
            )
        if not zipfile.is_zipfile(files[0]):
            raise UploadRejected(
                400, "not_a_zip", gettext("The file is not a ZIP archive, or it is damaged or cut short.")
            )
        kind = UploadJob.Kind.ARCHIVE
    elif not (album and article):
        raise UploadRejected(
            400,
            "not_a_zip",
            gettext("This is not a ZIP archive. To upload single photos, give the album and the article."),
        )
    else:
        kind = UploadJob.Kind.IMAGES
    spool = ""
    try:
        spool = spool_store(files)
        with transaction.atomic():
            job = UploadJob.objects.create(
                kind=kind,
                mode=mode,
                user=user if user is not None and user.is_authenticated else None,
                source_name=(files[0].name or "upload")[:255],
                album_requested=album,
                article_requested=article,
                spool=spool,
                file_names=[upload.name or "" for upload in files] if kind == UploadJob.Kind.IMAGES else [],
            )
            transaction.on_commit(partial(upload_job_enqueue, job.pk))
    except BaseException as exc:
        spool_delete(spool)
        fault = disk_fault(exc)
        if fault is not None:
            logger.error("upload refused: its files could not be written to the spool in storage (%s)", exc)
            raise storage_refusal(fault) from exc
        raise
    return job
