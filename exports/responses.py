"""The HTTP answer carrying an export file, shared by the page and the API."""

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from exports.files import export_file_open
from exports.models import ExportJob
from exports.services import ExportFile
from exports.sheets import CONTENT_TYPES, ExportFormat, attachment_disposition


def export_response(export: ExportFile) -> HttpResponse:
    """Stream `export` as a download named per RFC 5987, with its row and unknown-SKU counts as headers."""
    response = StreamingHttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = attachment_disposition(export.file_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Export-Rows"] = str(export.row_count)
    response["X-Export-Unknown-Skus"] = str(len(export.unknown_skus))
    return response


def export_job_file_response(job: ExportJob) -> HttpResponse:
    """The file of a done background export, named as a streamed one would be."""
    response = FileResponse(
        export_file_open(job.file), content_type=CONTENT_TYPES[ExportFormat(job.file_format)]
    )
    response["Content-Disposition"] = attachment_disposition(job.file_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Export-Rows"] = str(job.rows_total)
    return response
