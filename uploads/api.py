"""JSON API of the uploads app: uploads (`POST /api/upload`, `GET /api/uploads/{id}`, appuser) and storage
syncs (`POST /api/sync`, `GET /api/sync/status`, appadmin)."""

import datetime
import logging
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, Path, Query, Router, Schema, Status

from core.access import Capability, error_response, require_capability
from core.api_schemas import ID_MAX, BodyIn, ErrorOut
from core.errors import disk_fault
from uploads.handlers import UPLOAD_FIELD, upload_limit_bytes
from uploads.intake import UploadRejected, storage_refusal, upload_job_create, upload_too_large
from uploads.models import SyncRun
from uploads.selectors import (
    RESULTS_MAX,
    result_article_url,
    upload_job_counts,
    upload_job_for_user,
    upload_results_page,
)
from uploads.sync import SyncOptions
from uploads.tasks import sync_run_enqueue

logger = logging.getLogger(__name__)

router = Router()


class SyncIn(BodyIn):
    dry_run: bool = Field(False, description="Report what would change; change nothing.")
    album: str = Field("", max_length=200, description="Only this album (name or slug); empty = all.")
    delete_missing: bool = Field(False, description="Remove the rows of photos whose file is gone.")
    thumbnails: bool = Field(False, description="Generate missing thumbnails and delete orphan ones.")
    checksum: bool = Field(False, description="Hash every original, not only those whose size changed.")


class SyncQueuedOut(Schema):
    run: int
    status: str
    status_url: str


class SyncRunOut(Schema):
    id: int
    status: str
    trigger: str
    user: str | None
    options: dict
    counts: dict
    problems: list[dict]
    in_sync: bool | None
    error: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None

    @staticmethod
    def resolve_user(run: SyncRun) -> str | None:
        return run.user.get_username() if run.user else None


class SyncStatusOut(Schema):
    in_sync: bool | None = Field(
        description="Did storage and database agree when the last finished run ended? (null: never run)"
    )
    last_finished: SyncRunOut | None
    run: SyncRunOut | None = Field(description="The run asked for with ?run=, else the latest one.")


class StatusQuery(Schema):
    run: int | None = Field(
        None, ge=1, le=ID_MAX, description="A run id, as in the status_url POST /api/sync returned."
    )


@router.post(
    "/sync",
    response={202: SyncQueuedOut},
    summary="Queue a storage sync",
    url_name="sync_start",
    tags=["sync"],
)
@require_capability(Capability.ADMINISTER)
def sync_start(request: HttpRequest, payload: SyncIn) -> Status:
    run = sync_run_enqueue(options=SyncOptions(**payload.dict()), user=request.user)
    status_url = f"{reverse('api:sync_status')}?run={run.pk}"
    return Status(202, {"run": run.pk, "status": run.status, "status_url": status_url})


@router.get(
    "/sync/status",
    response=SyncStatusOut,
    summary="Last sync and agreement",
    url_name="sync_status",
    tags=["sync"],
)
@require_capability(Capability.ADMINISTER)
def sync_status(request: HttpRequest, query: Query[StatusQuery]) -> dict:
    runs = SyncRun.objects.select_related("user")
    run = get_object_or_404(runs, pk=query.run) if query.run is not None else runs.first()
    last_finished = runs.filter(status=SyncRun.Status.DONE).first()
    return {
        "in_sync": last_finished.in_sync if last_finished else None,
        "last_finished": last_finished,
        "run": run,
    }


UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "One ZIP archive, or one or more photos (then album and article "
                            "are required).",
                        },
                        "album": {"type": "string", "description": "Album name (created if missing)."},
                        "article": {"type": "string", "description": "Article (SKU) taking every photo."},
                        "mode": {"type": "string", "enum": ["add", "replace"], "default": "add"},
                    },
                }
            }
        },
    }
}


class UploadAccepted(Schema):
    job: int
    status: str
    status_url: str
    page_url: str


class UploadResultOut(Schema):
    id: int
    index: int
    name: str
    outcome: str
    code: str
    reason: str
    article: str | None
    article_url: str | None = Field(description="The article's gallery page.")
    image: int | None


class LayoutWarningOut(Schema):
    code: str = Field(description="albums_merged or articles_merged")
    message: str


class UploadJobOut(Schema):
    id: int
    status: str
    kind: str
    mode: str
    source_name: str
    album: str | None
    album_id: int | None
    album_url: str | None = Field(description="The album's gallery page.")
    total: int
    processed: int
    added: int
    duplicates: int
    ignored: int
    refused: int
    removed: int
    waiting: str = Field(
        description="Why a queued job waits (another upload, sync or move holds its album); else empty."
    )
    error_code: str
    error: str
    warnings: list[LayoutWarningOut] = Field(
        description="What the ZIP layout rule merged that a person may not expect."
    )
    summary: str = Field(description="E.g. “14 articles, 69 photos added, 2 files refused”, when finished.")
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    results: list[UploadResultOut]
    results_cursor: int


def upload_rejected_response(rejected: UploadRejected) -> HttpResponse:
    return error_response(rejected.status, rejected.code, rejected.message)


def request_too_large(request: HttpRequest) -> UploadRejected | None:
    """A 413 refusal when the body is over the limit (Content-Length, or counted by UploadLimitHandler)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    length = max(length, getattr(request, "upload_too_large", 0))
    if length > upload_limit_bytes():
        return upload_too_large(length, settings.UPLOAD_MAX_BYTES)
    return None


def _request_files(request: HttpRequest) -> list:
    """The request's `file` parts; when reading the body fails, each upload handler drops the part it was
    receiving at once (a spool write is aborted, a temporary file deleted), not when it is collected."""
    try:
        return request.FILES.getlist(UPLOAD_FIELD)
    except BaseException:
        for handler in request.upload_handlers:
            handler.upload_interrupted()
        raise


def uploaded_files(request: HttpRequest) -> list:
    """The request's `file` parts; raises UploadRejected when the body is refused or over the limit."""
    try:
        files = _request_files(request)
    except TooManyFilesSent as exc:
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        message = gettext("at most {limit} files per request").format(limit=limit)
        raise UploadRejected(400, "too_many_files", message) from exc
    except RequestDataTooBig as exc:
        raise UploadRejected(413, "too_large", str(exc)) from exc
    except OSError as exc:  # the body could not be written to the spool (or a temporary file)
        fault = disk_fault(exc)
        if fault is None:
            raise
        logger.error("upload refused: its body could not be written to storage (%s)", exc)
        raise storage_refusal(fault) from exc
    fault = getattr(request, "upload_disk_fault", None)  # uploads.handlers.SpoolUploadHandler stopped
    if fault is not None:
        logger.error("upload refused: the spool's storage is %s", fault)
        raise storage_refusal(fault)
    too_large = request_too_large(request)
    if too_large is not None:
        raise too_large
    return files


@router.post(
    "/upload",
    tags=["uploads"],
    response={202: UploadAccepted, 400: ErrorOut, 403: ErrorOut, 413: ErrorOut, 507: ErrorOut},
    url_name="upload",
    summary="Upload a ZIP or photos; answers at once with the job to follow",
    openapi_extra=UPLOAD_OPENAPI,
)
@require_capability(Capability.UPLOAD)
def upload(request: HttpRequest) -> Any:
    try:
        too_large = request_too_large(request)
        if too_large is not None:
            raise too_large
        job = upload_job_create(
            user=request.user,
            files=uploaded_files(request),
            album=request.POST.get("album", ""),
            article=request.POST.get("article", ""),
            mode=request.POST.get("mode") or "add",
        )
    except UploadRejected as rejected:
        return upload_rejected_response(rejected)
    return Status(
        202,
        {
            "job": job.pk,
            "status": job.status,
            "status_url": reverse("api:upload_job", args=[job.pk]),
            "page_url": reverse("uploads:job", args=[job.pk]),
        },
    )


@router.get(
    "/uploads/{job_id}",
    tags=["uploads"],
    response=UploadJobOut,
    url_name="upload_job",
    summary="Status, counts and per-file results of an upload job",
)
@require_capability(Capability.UPLOAD)
def upload_job(
    request: HttpRequest,
    job_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    after: Annotated[int, Query(ge=0, le=ID_MAX, description="`results_cursor` of the previous answer.")] = 0,
    limit: Annotated[int, Query(ge=1, le=RESULTS_MAX, description="Results per answer.")] = 500,
) -> Any:
    """Results come in the order files finish; poll with `after=<results_cursor>` to get only new ones."""
    job = upload_job_for_user(job_id=job_id, user=request.user)
    if job is None:
        raise Http404("No such upload job.")
    results = upload_results_page(job=job, after=after, limit=limit)
    counts = upload_job_counts(job=job)  # read after the rows, so the counters never lag them
    return {
        "id": job.pk,
        "status": job.status,
        "kind": job.kind,
        "mode": job.mode,
        "source_name": job.source_name,
        "album": job.album.name if job.album else None,
        "album_id": job.album_id,
        "album_url": reverse("gallery:album", args=[job.album.slug]) if job.album else None,
        "total": job.total,
        "processed": counts.added + counts.duplicates + counts.refused + job.ignored,
        "added": counts.added,
        "duplicates": counts.duplicates,
        "ignored": job.ignored,
        "refused": counts.refused,
        "removed": job.removed,
        "waiting": job.waiting_text,
        "error_code": job.error_code,
        "error": job.error_text,
        "warnings": [
            {"code": warning["code"], "message": text}
            for warning, text in zip(job.layout_warnings, job.layout_warning_texts, strict=True)
        ],
        "summary": counts.summary if job.finished else "",
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "results": [
            {
                "id": result.pk,
                "index": result.entry_index,
                "name": result.name,
                "outcome": result.outcome,
                "code": result.code,
                "reason": result.reason_text,
                "article": result.article.sku if result.article else None,
                "article_url": result_article_url(result),
                "image": result.image_id,
            }
            for result in results
        ],
        "results_cursor": results[-1].pk if results else after,
    }
