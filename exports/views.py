"""The export page: pick a scope, a preset and a size, preview the first rows, download the sheet."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.access import Capability, require_capability
from exports.forms import ExportForm
from exports.jobs import export_job_can_download
from exports.models import ExportJob
from exports.responses import export_job_file_response, export_response
from exports.rows import sheet_preview
from exports.services import export_create
from exports.sheets import ExportFormat
from gallery.links import public_base_mismatch, public_base_url, request_origin


def _form(request: HttpRequest) -> ExportForm:
    if "albums" in request.GET:
        return ExportForm.from_query(request.GET, base_url=public_base_url(request))
    return ExportForm(initial={"albums": request.GET.getlist("album")})


def _page(request: HttpRequest, form: ExportForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "preview": None, "base_mismatch": public_base_mismatch(request)}
    context["origin"] = request_origin(request)
    if form.is_bound and form.is_valid():
        sheet, rows = sheet_preview(form.spec)
        context["preview"] = {
            "sheet": sheet,
            "rows": rows,
            "notes": form.spec.preset.notes,
            "links_off": [album for album in form.spec.albums if not album.public_links_enabled],
        }
    return render(request, "exports/export.html", context, status=status)


@require_capability(Capability.EXPORT)
def export_page(request: HttpRequest) -> HttpResponse:
    return _page(request, _form(request))


@require_capability(Capability.EXPORT)
def export_download(request: HttpRequest) -> HttpResponse:
    form = ExportForm.from_query(request.GET, base_url=public_base_url(request))
    if not form.is_valid():
        return _page(request, form, status=400)
    fmt = ExportFormat(form.cleaned_data["file_format"])
    export = export_create(spec=form.spec, fmt=fmt, request=request)
    if isinstance(export, ExportJob):
        return redirect("exports:job", job_id=export.pk)
    return export_response(export)


def _job(request: HttpRequest, job_id: int) -> ExportJob:
    job = get_object_or_404(ExportJob, pk=job_id)
    if not export_job_can_download(job, request.user):
        raise Http404  # someone else's export: not even its existence is shown
    return job


@require_capability(Capability.EXPORT)
def export_job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """A background export's state and progress (the page reloads itself until it is done)."""
    context = {"job": _job(request, job_id), "retention_hours": settings.EXPORT_RETENTION_HOURS}
    return render(request, "exports/job.html", context)


@require_capability(Capability.EXPORT)
def export_job_file(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    if job.status != ExportJob.Status.DONE:
        raise Http404
    return export_job_file_response(job)
