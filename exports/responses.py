"""The HTTP answer carrying an export file, shared by the page and the API."""

from django.http import HttpResponse, StreamingHttpResponse

from exports.services import ExportFile
from exports.sheets import attachment_disposition


def export_response(export: ExportFile) -> HttpResponse:
    """Stream `export` as a download named per RFC 5987, with its row and unknown-SKU counts as headers."""
    response = StreamingHttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = attachment_disposition(export.file_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Export-Rows"] = str(export.row_count)
    response["X-Export-Unknown-Skus"] = str(len(export.unknown_skus))
    return response
