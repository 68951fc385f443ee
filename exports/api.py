"""JSON API of exports: link sheets as XLSX or CSV (POST with JSON, or GET with a query string), a preview.

Parameters are checked twice in one way: django-ninja checks types (400 naming the field), then
`exports.spec.export_spec_clean` checks meaning (unknown album, size off the ladder, a layout the preset
cannot write), also answering 400 naming the field.
"""

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, StringConstraints

from core.access import Capability, error_response, require_capability
from core.api_schemas import BodyIn
from exports.jobs import export_job_can_download
from exports.models import ExportJob
from exports.presets import PRESETS, SEPARATORS, Language, Layout
from exports.responses import export_job_file_response, export_response
from exports.rows import sheet_preview
from exports.services import export_create
from exports.sheets import XLSX_CONTENT_TYPE, ExportFormat
from exports.spec import (
    ALBUMS_MAX,
    CSV_DELIMITERS,
    ORIGINAL,
    AlbumUnknown,
    ExportSpec,
    LinkKind,
    export_spec_clean,
)
from gallery.links import public_base_url
from gallery.selectors import FILTER_DATE_MAX, FILTER_DATE_MIN
from gallery.specs import THUMBNAIL_FORMATS, THUMBNAIL_SIZES

router = Router(tags=["exports"])

PresetKey = Literal[tuple(PRESETS)]  # type: ignore[valid-type]
SizeChoice = Literal[tuple([ORIGINAL, *(str(size) for size in THUMBNAIL_SIZES)])]  # type: ignore[valid-type]
ThumbnailFormat = Literal[THUMBNAIL_FORMATS]  # type: ignore[valid-type]
SeparatorName = Literal[tuple(SEPARATORS)]  # type: ignore[valid-type]
DelimiterName = Literal[tuple(CSV_DELIMITERS)]  # type: ignore[valid-type]


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


StringList = Annotated[list[str], BeforeValidator(_as_list)]
# An album name with something left once spaces, NUL and invisible characters are removed (else refused).
_NAMED = r"^[^\u0000]*[^\s\u0000\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff][^\u0000]*$"
AlbumNames = Annotated[list[Annotated[str, StringConstraints(pattern=_NAMED)]], BeforeValidator(_as_list)]


# Days FILTER_DATE_MIN (1970-01-01) … FILTER_DATE_MAX, as a pattern: JSON Schema has no bounds for dates.
DAY_IN_RANGE = {"pattern": r"^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|30)$"}


class ExportIn(BodyIn):
    albums: AlbumNames = Field(
        ..., min_length=1, max_length=ALBUMS_MAX, description="Album names (any case) or slugs; at least one."
    )
    skus: StringList = Field(
        [],
        description="Only these SKUs (a list, or one text with one SKU per line); unknown ones are listed.",
    )
    uploaded_from: datetime.date | None = Field(
        None,
        ge=FILTER_DATE_MIN,
        le=FILTER_DATE_MAX,
        description="Only photos uploaded on or after this day.",
        json_schema_extra=DAY_IN_RANGE,
    )
    uploaded_to: datetime.date | None = Field(
        None,
        ge=FILTER_DATE_MIN,
        le=FILTER_DATE_MAX,
        description="Only photos uploaded on or before this day; not before `uploaded_from` (else 400).",
        json_schema_extra=DAY_IN_RANGE,
    )
    preset: PresetKey = Field("in_row", description="Marketplace preset, or the generic in_row / in_cell.")
    layout: Layout | None = Field(
        None,
        description=(
            "Defaults to the preset's layout; a marketplace preset takes its own or per_image (else 400)."
        ),
    )
    size: SizeChoice = Field(ORIGINAL, description="Link the original or this thumbnail size.")
    thumbnail_format: ThumbnailFormat = Field(
        "jpeg", description="Rendition format (JPEG where WebP is refused)."
    )
    links: LinkKind = Field(
        LinkKind.CONTENT, description="content: exact files; position: n-th photo aliases."
    )
    separator: SeparatorName | None = Field(
        None,
        description=(
            "in_cell separator of the generic preset; a marketplace preset takes only its own (else 400)."
        ),
    )
    language: Language = Field(Language.RU, description="Header language.")


class CsvExportIn(ExportIn):
    delimiter: DelimiterName = Field(";", description="CSV field delimiter.")
    bom: bool = Field(True, description="Start with a UTF-8 BOM so Excel reads Cyrillic right.")


class ExportJobOut(Schema):
    id: int
    status: Literal["queued", "running", "done", "failed"]
    file_name: str
    rows_total: int = Field(description="Rows the sheet will have below its header")
    rows_done: int = Field(description="Rows written so far (updated about every second)")
    bytes: int = Field(description="The file's size once done")
    error: Literal[tuple(ExportJob.Error.values)] | None = Field(  # type: ignore[valid-type]
        description="Why it failed: scope_gone (an album went away), write_failed"
    )
    error_message: str | None = Field(description="The reason in the request's language")
    download_url: str | None = Field(description="GET it for the file once `status` is done")
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


class PreviewOut(Schema):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    unknown_skus: list[str]
    preset_notes: list[str]


ALBUM_UNKNOWN = {
    "description": "An album named in `albums` does not exist (`not_found`).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


JOB_QUEUED = {
    "description": "More rows than `EXPORT_BACKGROUND_ROWS`: the export was queued as a background job; "
    "follow `Location` (`GET /api/export-jobs/{id}`) until it is done, then download its file.",
    "headers": {"Location": {"schema": {"type": "string"}, "description": "The job's status URL"}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExportJobOut"}}},
}


def _binary_response(content_type: str, description: str) -> dict:
    return {
        "responses": {
            404: ALBUM_UNKNOWN,
            202: JOB_QUEUED,
            200: {
                "description": description,
                "headers": {
                    "Content-Disposition": {
                        "schema": {"type": "string"},
                        "description": "RFC 5987 file name",
                    },
                    "X-Export-Rows": {"schema": {"type": "integer"}, "description": "Rows below the header"},
                    "X-Export-Unknown-Skus": {"schema": {"type": "integer"}, "description": "SKUs not found"},
                },
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            },
        }
    }


XLSX_OPENAPI = _binary_response(XLSX_CONTENT_TYPE, "The link sheet as an XLSX workbook.")
CSV_OPENAPI = _binary_response("text/csv", "The link sheet as CSV (UTF-8, BOM and ';' by default).")


def _spec(request: HttpRequest, params: ExportIn) -> ExportSpec:
    return export_spec_clean(**params.model_dump(), base_url=public_base_url(request))


def _invalid(error: ValidationError) -> HttpResponse:
    message = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    if isinstance(error, AlbumUnknown):
        return error_response(404, "not_found", message)
    return error_response(400, "invalid_request", message)


def _job_out(request: HttpRequest, job: ExportJob) -> dict:
    done = job.status == ExportJob.Status.DONE
    return {
        "id": job.pk,
        "status": job.status,
        "file_name": job.file_name,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "bytes": job.bytes,
        "error": job.error_code or None,
        "error_message": str(job.get_error_code_display()) if job.error_code else None,
        "download_url": request.build_absolute_uri(f"/api/export-jobs/{job.pk}/file") if done else None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def _export(request: HttpRequest, params: ExportIn, fmt: ExportFormat) -> HttpResponse:
    try:
        spec = _spec(request, params)
    except ValidationError as error:
        return _invalid(error)
    export = export_create(spec=spec, fmt=fmt, request=request)
    if isinstance(export, ExportJob):
        response = JsonResponse(_job_out(request, export), status=202)
        response["Location"] = f"/api/export-jobs/{export.pk}"
        return response
    return export_response(export)


@router.post("/export-xlsx", summary="Link sheet as XLSX", openapi_extra=XLSX_OPENAPI)
@require_capability(Capability.EXPORT)
def export_xlsx(request: HttpRequest, params: ExportIn) -> HttpResponse:
    return _export(request, params, ExportFormat.XLSX)


@router.get("/export-xlsx", summary="Link sheet as XLSX (query string)", openapi_extra=XLSX_OPENAPI)
@require_capability(Capability.EXPORT)
def export_xlsx_get(request: HttpRequest, params: Query[ExportIn]) -> HttpResponse:
    return _export(request, params, ExportFormat.XLSX)


@router.post("/export-csv", summary="Link sheet as CSV", openapi_extra=CSV_OPENAPI)
@require_capability(Capability.EXPORT)
def export_csv(request: HttpRequest, params: CsvExportIn) -> HttpResponse:
    return _export(request, params, ExportFormat.CSV)


@router.get("/export-csv", summary="Link sheet as CSV (query string)", openapi_extra=CSV_OPENAPI)
@require_capability(Capability.EXPORT)
def export_csv_get(request: HttpRequest, params: Query[CsvExportIn]) -> HttpResponse:
    return _export(request, params, ExportFormat.CSV)


@router.post(
    "/export-preview",
    response=PreviewOut,
    summary="First rows of a link sheet, with its notes",
    openapi_extra={"responses": {404: ALBUM_UNKNOWN}},
)
@require_capability(Capability.EXPORT)
def export_preview(request: HttpRequest, params: ExportIn) -> Any:
    try:
        spec = _spec(request, params)
    except ValidationError as error:
        return _invalid(error)
    sheet, rows = sheet_preview(spec)
    return {
        "columns": [column.title for column in sheet.columns],
        "rows": [[_json_value(value) for value in row] for row in rows],
        "row_count": sheet.row_count,
        "unknown_skus": list(sheet.unknown_skus),
        "preset_notes": [str(note) for note in spec.preset.notes],
    }


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


JOB_MISSING = {
    "description": "No such job, or another user's (`not_found`).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def _job(request: HttpRequest, job_id: int) -> ExportJob | None:
    job = ExportJob.objects.filter(pk=job_id).first()
    return job if job is not None and export_job_can_download(job, request.user) else None


@router.get(
    "/export-jobs/{job_id}",
    response={200: ExportJobOut},
    summary="State of a background export",
    openapi_extra={"responses": {404: JOB_MISSING}},
)
@require_capability(Capability.EXPORT)
def export_job(request: HttpRequest, job_id: int) -> Any:
    job = _job(request, job_id)
    if job is None:
        return error_response(404, "not_found", "no such export job")
    return _job_out(request, job)


@router.get(
    "/export-jobs/{job_id}/file",
    summary="File of a done background export",
    openapi_extra={
        "responses": {
            404: JOB_MISSING,
            409: {
                "description": "The job is not done (`not_ready`): see its status.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
            },
            200: {
                "description": "The sheet (XLSX or CSV, as asked).",
                "content": {
                    XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}},
                    "text/csv": {"schema": {"type": "string", "format": "binary"}},
                },
            },
        }
    },
)
@require_capability(Capability.EXPORT)
def export_job_file(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    if job is None:
        return error_response(404, "not_found", "no such export job")
    if job.status != ExportJob.Status.DONE:
        return error_response(409, "not_ready", f"the export job is {job.status}")
    return export_job_file_response(job)
