"""Leases on background jobs: taken, renewed, lost to a takeover, and recovered by heartbeat age alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from uploads import jobs, leases
from uploads.leases import LeaseLost, lease_holder, lease_renew, lease_take, leases_recover
from uploads.models import UploadJob

pytestmark = pytest.mark.django_db


def job_make(**fields) -> UploadJob:
    return UploadJob.objects.create(kind=UploadJob.Kind.ARCHIVE, source_name="a.zip", spool="/none", **fields)


def test_a_queued_job_is_taken_under_this_workers_id():
    job = lease_take(UploadJob, job_make().pk)
    assert (job.status, job.worker) == (UploadJob.Status.RUNNING, lease_holder())
    assert job.heartbeat_at is not None and job.started_at is not None


def test_a_job_another_live_worker_holds_is_not_taken():
    job = job_make(status=UploadJob.Status.RUNNING, worker="other", heartbeat_at=timezone.now())
    assert lease_take(UploadJob, job.pk) is None


def test_this_worker_takes_back_its_own_job_after_an_outage():
    job = job_make(status=UploadJob.Status.RUNNING, worker=lease_holder(), heartbeat_at=timezone.now())
    assert lease_take(UploadJob, job.pk).worker == lease_holder()


def test_renewing_a_job_taken_over_by_another_worker_raises_lease_lost(settings):
    job = lease_take(UploadJob, job_make().pk)
    UploadJob.objects.filter(pk=job.pk).update(worker="the-one-that-took-over")
    job.added = 5
    with pytest.raises(LeaseLost):
        lease_renew(job, "added")
    assert UploadJob.objects.get(pk=job.pk).added == 0  # nothing written by the worker that lost it


def test_recovery_takes_back_only_silent_jobs(settings, monkeypatch):
    queued = []
    monkeypatch.setattr(leases, "LEASED", (leases.Leased("uploads.UploadJob", "builtins.print"),))
    monkeypatch.setattr("builtins.print", queued.append)
    stale = timezone.now() - timedelta(seconds=settings.UPLOAD_JOB_STALE_SECONDS + 1)
    silent = job_make(status=UploadJob.Status.RUNNING, worker="gone", heartbeat_at=stale)
    never_beat = job_make(status=UploadJob.Status.RUNNING, worker="gone")
    alive = job_make(status=UploadJob.Status.RUNNING, worker="busy", heartbeat_at=timezone.now())
    assert sorted(leases_recover()["uploads.UploadJob"]) == sorted([silent.pk, never_beat.pk])
    assert sorted(queued) == sorted([silent.pk, never_beat.pk])
    assert UploadJob.objects.get(pk=silent.pk).status == UploadJob.Status.QUEUED
    assert UploadJob.objects.get(pk=alive.pk).status == UploadJob.Status.RUNNING
    assert leases_recover() == {}  # taken back once, not again by the next worker's round


def test_a_restart_after_a_database_outage_is_not_counted_as_an_attempt(settings):
    stale = timezone.now() - timedelta(seconds=settings.UPLOAD_JOB_STALE_SECONDS + 1)
    mine = job_make(status=UploadJob.Status.RUNNING, worker=lease_holder(), attempts=1, heartbeat_at=stale)
    died = job_make(status=UploadJob.Status.RUNNING, worker="gone", attempts=1, heartbeat_at=stale)
    assert jobs._job_claim(mine.pk).attempts == 1
    assert jobs._job_claim(died.pk).attempts == 2
