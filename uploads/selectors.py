"""Reads of the uploads app."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from core.access import Capability
from uploads.models import UploadJob, UploadResult


def upload_jobs_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[UploadJob]:
    """Jobs the user may follow: their own; every job for administrators."""
    jobs = UploadJob.objects.select_related("album", "user")
    if user.has_perm(Capability.ADMINISTER.permission):
        return jobs
    return jobs.filter(user_id=user.pk)


def upload_job_for_user(*, job_id: int, user: AbstractBaseUser | AnonymousUser) -> UploadJob | None:
    return upload_jobs_visible(user=user).filter(pk=job_id).first()


def upload_results_page(*, job: UploadJob, after: int = 0, limit: int = 500) -> list[UploadResult]:
    """Finished results of the job with an id above `after`, oldest first, at most `limit` (1–1000).

    Result ids grow in the order entries finish, so a client polling with the last id it saw misses none.
    """
    limit = min(max(limit, 1), 1000)
    return list(
        job.results.filter(pk__gt=after)
        .exclude(outcome=UploadResult.Outcome.PENDING)
        .select_related("article")
        .order_by("pk")[:limit]
    )
