"""Upload pages: the form (ZIP or photos) and a job's live progress page. Thin: the work is in services."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.access import Capability, require_capability
from gallery.models import Album
from gallery.specs import FORMATS_DESCRIPTION
from uploads.api import uploaded_files
from uploads.intake import UploadRejected, upload_job_create
from uploads.models import UploadJob, UploadResult
from uploads.selectors import (
    upload_job_counts,
    upload_job_for_user,
    upload_jobs_visible,
    upload_results_for_page,
)

RECENT_JOBS = 10


def _form_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "albums": Album.objects.order_by("name_key").values_list("name", flat=True)[:500],
        "jobs": upload_jobs_visible(user=request.user).filter(user_id=request.user.pk)[:RECENT_JOBS],
        "error": error,
        "values": request.POST if request.method == "POST" else {},
        "limits": {
            "upload_bytes": settings.UPLOAD_MAX_BYTES,
            "megapixels": settings.UPLOAD_MAX_PIXELS // 1_000_000,
            "formats": FORMATS_DESCRIPTION,
        },
    }
    return render(request, "uploads/upload.html", context, status=status)


@require_capability(Capability.UPLOAD)
def upload_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request)
    try:
        job = upload_job_create(
            user=request.user,
            files=uploaded_files(request),
            album=request.POST.get("album", ""),
            article=request.POST.get("article", ""),
            mode=request.POST.get("mode") or UploadJob.Mode.ADD,
        )
    except UploadRejected as rejected:
        return _form_page(request, error=rejected.message, status=rejected.status)
    return redirect("uploads:job", job_id=job.pk)


@require_capability(Capability.UPLOAD)
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = upload_job_for_user(job_id=job_id, user=request.user)
    if job is None:
        raise Http404("No such upload job.")
    problems_only = request.GET.get("problems") == "1"
    results = upload_results_for_page(job=job, problems_only=problems_only)
    counts = upload_job_counts(job=job)  # after the rows: the counters never lag them
    context = {
        "job": job,
        "results": results,
        "counts": counts,
        "problems_only": problems_only,
        "cursor": max((result.pk for result in results), default=0),
        "labels": {**dict(UploadJob.Status.choices), **dict(UploadResult.Outcome.choices)},
    }
    return render(request, "uploads/job.html", context)
