"""Reads of the uploads app."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import ngettext

from core.access import Capability
from uploads.models import UploadJob, UploadResult

Outcome = UploadResult.Outcome
PROBLEMS = (Outcome.REFUSED, Outcome.DUPLICATE)


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
        .select_related("article", "article__album")
        .order_by("pk")[:limit]
    )


def upload_results_for_page(*, job: UploadJob, problems_only: bool = False, limit: int = 1000) -> list:
    """Finished results for the job page: refused first, then duplicates, then added; each in ZIP order."""
    rank = Case(
        When(outcome=Outcome.REFUSED, then=Value(0)),
        When(outcome=Outcome.DUPLICATE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    results = job.results.exclude(outcome=Outcome.PENDING)
    if problems_only:
        results = results.filter(outcome__in=PROBLEMS)
    return list(
        results.select_related("article", "article__album")
        .alias(rank=rank)
        .order_by("rank", "entry_index")[:limit]
    )


@dataclass(frozen=True)
class JobCounts:
    """A job's counters computed from its result rows (read after the rows: never behind them)."""

    added: int
    duplicates: int
    refused: int
    articles: int

    @property
    def summary(self) -> str:
        """ "14 articles, 69 photos added, 2 refused" in the active language."""
        parts = [
            ngettext("%(count)s article", "%(count)s articles", self.articles) % {"count": self.articles},
            ngettext("%(count)s photo added", "%(count)s photos added", self.added) % {"count": self.added},
        ]
        if self.duplicates:
            parts.append(
                ngettext("%(count)s duplicate", "%(count)s duplicates", self.duplicates)
                % {"count": self.duplicates}
            )
        if self.refused:
            parts.append(
                ngettext("%(count)s file refused", "%(count)s files refused", self.refused)
                % {"count": self.refused}
            )
        return ", ".join(parts)


def upload_job_counts(*, job: UploadJob) -> JobCounts:
    """Added/duplicate/refused counts and the number of articles the job put photos in, from its rows."""
    totals = job.results.aggregate(
        added=Count("pk", filter=Q(outcome=Outcome.ADDED)),
        duplicates=Count("pk", filter=Q(outcome=Outcome.DUPLICATE)),
        refused=Count("pk", filter=Q(outcome=Outcome.REFUSED)),
        articles=Count("article", filter=Q(outcome=Outcome.ADDED), distinct=True),
    )
    return JobCounts(**totals)


def result_article_url(result: UploadResult) -> str | None:
    """The gallery page of the article a result's photo went to (its album loaded with it)."""
    article = result.article
    return reverse("gallery:article", args=[article.album.slug, article.slug]) if article else None
