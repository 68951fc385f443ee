"""Upload figures for `/metrics`, read from the database at each scrape.

Jobs run in worker processes on any node, so their figures come from the rows every node shares, not from
in-process counters a web node's `/metrics` would never see. Counters count the jobs still in the table.
"""

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from uploads.models import UploadJob

JOB_DURATION_BUCKETS_SECONDS = (1, 5, 15, 60, 300, 900, 3600)
FILE_RESULTS = ("added", "duplicates", "ignored", "refused")
FINISHED = (UploadJob.Status.DONE, UploadJob.Status.FAILED)


def _status_gauges() -> Iterator[Metric]:
    counts = dict(UploadJob.objects.values_list("status").annotate(count=Count("id")))
    jobs = GaugeMetricFamily("pichosting_upload_jobs", "Upload jobs by status.", labels=["status"])
    for status in UploadJob.Status.values:
        jobs.add_metric([status], counts.get(status, 0))
    yield jobs
    yield GaugeMetricFamily(
        "pichosting_upload_queue_depth", "Upload jobs waiting for a worker.", value=counts.get("queued", 0)
    )
    oldest = UploadJob.objects.filter(status=UploadJob.Status.QUEUED).aggregate(oldest=Min("created_at"))
    age = (timezone.now() - oldest["oldest"]).total_seconds() if oldest["oldest"] else 0
    yield GaugeMetricFamily(
        "pichosting_upload_oldest_queued_seconds", "Age of the oldest queued upload job.", value=age
    )


def _file_results() -> Metric:
    sums = UploadJob.objects.aggregate(**{result: Sum(result) for result in FILE_RESULTS})
    files = CounterMetricFamily(
        "pichosting_upload_files",
        'Files of upload jobs by result; result="added" counts the photos ingested.',
        labels=["result"],
    )
    for result in FILE_RESULTS:
        files.add_metric([result], sums[result] or 0)
    return files


def _job_durations() -> Metric:
    """Finished jobs by outcome, as a histogram of the time from start to finish."""
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    timed = UploadJob.objects.filter(status__in=FINISHED, started_at__isnull=False, finished_at__isnull=False)
    buckets = {
        f"le_{seconds}": Count("id", filter=Q(duration__lte=timedelta(seconds=seconds)))
        for seconds in JOB_DURATION_BUCKETS_SECONDS
    }
    rows = (
        timed.alias(duration=duration)
        .values("status")
        .annotate(total=Count("id"), seconds=Sum("duration"), **buckets)
    )
    histogram = HistogramMetricFamily(
        "pichosting_upload_job_duration_seconds",
        "Finished upload jobs by outcome (done or failed) and time from start to finish.",
        labels=["outcome"],
    )
    found = {row["status"]: row for row in rows}
    for outcome in FINISHED:
        row = found.get(outcome, {"total": 0, "seconds": None})
        cumulative = [(str(seconds), row.get(f"le_{seconds}", 0)) for seconds in JOB_DURATION_BUCKETS_SECONDS]
        total_seconds = row["seconds"].total_seconds() if row["seconds"] else 0.0
        histogram.add_metric([outcome], [*cumulative, ("+Inf", row["total"])], total_seconds)
    return histogram


class UploadsCollector:
    """Queue, job and file figures shared by every node (see the module docstring)."""

    def collect(self) -> Iterator[Metric]:
        yield from _status_gauges()
        yield _file_results()
        yield _job_durations()
