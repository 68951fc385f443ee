"""The upload figures `/metrics` reads from the database: jobs by status, files by result, job durations."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client import CollectorRegistry

from uploads.metrics import UploadsCollector
from uploads.models import UploadJob

pytestmark = pytest.mark.django_db


def scrape() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(UploadsCollector())
    return registry


def finished_job(status: str, *, seconds: float, added: int = 0, refused: int = 0) -> UploadJob:
    finished = timezone.now()
    return UploadJob.objects.create(
        kind=UploadJob.Kind.ARCHIVE,
        source_name="весна.zip",
        status=status,
        added=added,
        refused=refused,
        started_at=finished - timedelta(seconds=seconds),
        finished_at=finished,
    )


def test_finished_jobs_are_counted_by_outcome_in_duration_buckets():
    finished_job(UploadJob.Status.DONE, seconds=3, added=12)
    finished_job(UploadJob.Status.DONE, seconds=120, added=30, refused=2)
    finished_job(UploadJob.Status.FAILED, seconds=0.5)
    registry = scrape()

    def bucket(outcome: str, le: str) -> float:
        return registry.get_sample_value(
            "pichosting_upload_job_duration_seconds_bucket", {"outcome": outcome, "le": le}
        )

    assert bucket("done", "1") == 0
    assert bucket("done", "5") == 1
    assert bucket("done", "300") == 2
    assert bucket("done", "+Inf") == 2
    assert registry.get_sample_value("pichosting_upload_job_duration_seconds_sum", {"outcome": "done"}) == 123
    assert (
        registry.get_sample_value("pichosting_upload_job_duration_seconds_count", {"outcome": "failed"}) == 1
    )
    assert bucket("failed", "1") == 1


def test_files_by_result_count_the_photos_ingested():
    finished_job(UploadJob.Status.DONE, seconds=3, added=12)
    finished_job(UploadJob.Status.DONE, seconds=9, added=30, refused=2)
    registry = scrape()
    assert registry.get_sample_value("pichosting_upload_files_total", {"result": "added"}) == 42
    assert registry.get_sample_value("pichosting_upload_files_total", {"result": "refused"}) == 2
    assert registry.get_sample_value("pichosting_upload_files_total", {"result": "duplicates"}) == 0


def test_queue_figures_follow_the_queued_jobs():
    UploadJob.objects.create(kind=UploadJob.Kind.ARCHIVE, source_name="a.zip")
    running = UploadJob.objects.create(kind=UploadJob.Kind.ARCHIVE, source_name="b.zip")
    UploadJob.objects.filter(pk=running.pk).update(
        status=UploadJob.Status.RUNNING, created_at=timezone.now() - timedelta(hours=2)
    )
    registry = scrape()
    assert registry.get_sample_value("pichosting_upload_queue_depth") == 1
    assert registry.get_sample_value("pichosting_upload_jobs", {"status": "running"}) == 1
    assert 0 <= registry.get_sample_value("pichosting_upload_oldest_queued_seconds") < 60


def test_an_empty_table_reports_zeros_not_gaps():
    registry = scrape()
    assert registry.get_sample_value("pichosting_upload_job_duration_seconds_count", {"outcome": "done"}) == 0
    assert registry.get_sample_value("pichosting_upload_files_total", {"result": "added"}) == 0
    assert registry.get_sample_value("pichosting_upload_oldest_queued_seconds") == 0
