"""The result rows of an upload job (one per entry), written by the job's own thread.

Each function that adds a final result also counts it on the job (`added`, `duplicates`, `refused`), so the
counts saved with the job's heartbeat always match its rows.
"""

from django.utils.translation import gettext_noop

from gallery.models import Article
from uploads.archive import Entry
from uploads.models import UploadJob, UploadResult
from uploads.validation import Refused

Outcome = UploadResult.Outcome


def refused_fields(refused: Refused) -> dict:
    """How a refusal is stored on its result row: its code, English template and values (`reason_text`)."""
    return {
        "outcome": Outcome.REFUSED,
        "code": refused.code,
        "reason": refused.template,
        "reason_params": refused.params,
    }


def result_pending(*, job: UploadJob, entry: Entry, article: Article, names: list[str]) -> UploadResult:
    """The journal row naming the files about to be written for the entry (swept if the worker dies)."""
    return UploadResult.objects.create(
        job=job,
        entry_index=entry.index,
        name=entry.name[:1000],
        outcome=Outcome.PENDING,
        article=article,
        files=names,
    )


def result_settle(journal: UploadResult, **fields) -> UploadResult:
    """Replace a pending journal row by the entry's final result (call inside a transaction).

    The final row is a new row, so result ids grow in the order entries finish: API clients follow the
    results with `after=<last id seen>`.
    """
    journal.delete()
    return UploadResult.objects.create(
        job_id=journal.job_id,
        entry_index=journal.entry_index,
        name=journal.name,
        article=journal.article,
        **fields,
    )


def results_refused_bulk(*, job: UploadJob, entries: list[Entry]) -> None:
    """Result rows for entries the archive reader already refused (counted by `job_counts_from_results`)."""
    UploadResult.objects.bulk_create(
        [
            UploadResult(
                job=job, entry_index=entry.index, name=entry.name[:1000], **refused_fields(entry.refusal)
            )
            for entry in entries
        ]
    )


def result_refused(*, job: UploadJob, entry: Entry, refused: Refused) -> None:
    UploadResult.objects.create(
        job=job, entry_index=entry.index, name=entry.name[:1000], **refused_fields(refused)
    )
    job.refused += 1


def result_duplicate(
    *,
    job: UploadJob,
    entry: Entry,
    article: Article,
    image_id: int | None,
    twin: str | None,
    kept: bool = False,
) -> None:
    """A duplicate: of a photo already in the article (`image_id`; `kept` in replace mode) or of an earlier
    entry of this upload (`twin`, its name)."""
    if kept:
        reason, params = gettext_noop("already in article “{sku}”: kept"), {"sku": article.sku}
    elif image_id is not None:
        reason, params = (
            gettext_noop("the same photo is already in article “{sku}”"),
            {"sku": article.sku},
        )
    else:
        reason, params = (
            gettext_noop("the same photo appears earlier in this upload ({name})"),
            {"name": twin},
        )
    UploadResult.objects.create(
        job=job,
        entry_index=entry.index,
        name=entry.name[:1000],
        outcome=Outcome.DUPLICATE,
        code="duplicate",
        reason=reason,
        reason_params=params,
        article=article,
        image_id=image_id,
    )
    job.duplicates += 1


def job_counts_from_results(job: UploadJob) -> None:
    """Set the job's counts from its rows (a resumed job carries on from what its earlier runs recorded)."""
    counts = dict.fromkeys(Outcome.values, 0)
    for outcome in job.results.values_list("outcome", flat=True):
        counts[outcome] += 1
    job.added = counts[Outcome.ADDED]
    job.duplicates = counts[Outcome.DUPLICATE]
    job.refused = counts[Outcome.REFUSED]
