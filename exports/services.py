"""Exports as actions: build the file a spec describes and record it in the action log.

Both formats stream to the client as rows are read: CSV in chunks, XLSX as its ZIP container is written
(`exports.xlsx_stream`), so the first bytes leave at once and memory stays flat. Either way the action log
gets the scope and the row count before the first byte leaves.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest

from core.audit import audit
from exports.metrics import EXPORT_ROWS
from exports.models import ExportJob
from exports.rows import sheet_build
from exports.sheets import (
    CONTENT_TYPES,
    ExportFormat,
    export_file_name,
)
from exports.spec import ExportSpec
from exports.tasks import export_job_process
from exports.writing import export_chunks

logger = logging.getLogger(__name__)

EXPORT_ACTION = "export"
LOGGED_SKUS_MAX = 50


@dataclass
class ExportFile:
    """A streaming export: what to send and how to name it."""

    file_name: str
    content_type: str
    content: Iterator[bytes]
    row_count: int
    unknown_skus: tuple[str, ...]


def _scope_details(spec: ExportSpec) -> dict:
    return {
        "albums": [album.name for album in spec.albums],
        "skus": list(spec.skus[:LOGGED_SKUS_MAX]),
        "skus_count": len(spec.skus),
        "uploaded_from": spec.uploaded_from.date().isoformat() if spec.uploaded_from else None,
        "uploaded_before": spec.uploaded_before.date().isoformat() if spec.uploaded_before else None,
        "preset": spec.preset.key,
        "layout": spec.layout.value,
        "size": spec.size or "original",
        "links": spec.links.value,
        "language": spec.language.value,
    }


def export_log(
    *,
    spec: ExportSpec,
    export: ExportFile,
    fmt: ExportFormat,
    user: AbstractBaseUser | AnonymousUser | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Record one export with its scope, format and row count in the action log."""
    details = _scope_details(spec) | {
        "format": fmt.value,
        "rows": export.row_count,
        "unknown_skus": list(export.unknown_skus[:LOGGED_SKUS_MAX]),
        "unknown_skus_count": len(export.unknown_skus),
    }
    audit(
        action=EXPORT_ACTION,
        user=user,
        request=request,
        object_type="gallery.album",
        object_id=",".join(str(album.pk) for album in spec.albums),
        object_repr=export.file_name,
        details=details,
    )


def export_job_create(
    *, spec: ExportSpec, fmt: ExportFormat, user: AbstractBaseUser, rows: int, file_name: str
) -> ExportJob:
    """Queue the export `spec` describes for the task worker; it starts once this transaction commits."""
    job = ExportJob.objects.create(
        user=user, params=spec.params, file_format=fmt.value, file_name=file_name, rows_total=rows
    )
    transaction.on_commit(lambda: export_job_process.enqueue(job.pk))
    return job


def export_create(
    *,
    spec: ExportSpec,
    fmt: ExportFormat,
    user: AbstractBaseUser | AnonymousUser | None = None,
    request: HttpRequest | None = None,
) -> ExportFile | ExportJob:
    """Start the export `spec` describes in `fmt`: log and count it; a streaming file for the caller to send,
    or, over `EXPORT_BACKGROUND_ROWS` rows, a queued job (`exports.jobs`) for the requester."""
    sheet = sheet_build(spec)
    file_name = export_file_name(
        albums=[album.name for album in spec.albums], skus=spec.skus, extension=fmt.value
    )
    background = sheet.row_count > settings.EXPORT_BACKGROUND_ROWS
    content = iter(()) if background else export_chunks(spec=spec, fmt=fmt, sheet=sheet)
    export = ExportFile(file_name, CONTENT_TYPES[fmt], content, sheet.row_count, sheet.unknown_skus)
    EXPORT_ROWS.labels(fmt.value).inc(export.row_count)
    export_log(spec=spec, export=export, fmt=fmt, user=user, request=request)
    logger.info("export %s: %s rows%s", file_name, export.row_count, " (background)" if background else "")
    if background:
        sheet.rows.close()
        requester = user or (request.user if request else None)
        return export_job_create(
            spec=spec, fmt=fmt, user=requester, rows=sheet.row_count, file_name=file_name
        )
    return export
