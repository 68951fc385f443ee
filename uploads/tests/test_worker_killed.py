"""A worker killed in the middle of an upload: the job resumes (or fails) and leaves storage consistent.

Two tests: an in-process simulation (an exception that no handler catches stops the job right after a photo's
files were written, then the worker's pid is made a dead one), and the real thing: `manage.py db_worker`
subprocesses on a SQLite file, the first one killed with SIGKILL half-way through a ZIP.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from gallery.models import Image, Thumbnail
from gallery.specs import THUMBNAIL_SPECS
from gallery.tests.factories import picture_bytes
from uploads import ingest_files as ingest_pipeline
from uploads.models import UploadJob, UploadResult
from uploads.tasks import upload_jobs_recover
from uploads.tests.builders import photo_like_zip, zip_bytes

BASE_DIR = Path(settings.BASE_DIR)
STALE_SECONDS = 5


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the job catches it."""


def silence(job: UploadJob) -> None:
    """Make the job's heartbeat older than the stale time, as after its worker died."""
    long_ago = timezone.now() - timedelta(seconds=settings.UPLOAD_JOB_STALE_SECONDS + 1)
    UploadJob.objects.filter(pk=job.pk).update(worker="a-worker-that-died", heartbeat_at=long_ago)


def media_files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def referenced_files() -> set[str]:
    return set(Image.objects.values_list("file", flat=True)) | set(
        Thumbnail.objects.values_list("file", flat=True)
    )


@pytest.mark.django_db
def test_a_job_stopped_after_writing_files_resumes_and_leaves_no_orphans(ingest, monkeypatch, media_root):
    real_store = ingest_pipeline.thumbnail_files_store
    calls = []

    def store_then_die(**kwargs):
        thumbnails = real_store(**kwargs)
        calls.append(1)
        if len(calls) == 3:
            raise WorkerKilled  # files of the third photo are on disk, its row is not
        return thumbnails

    monkeypatch.setattr(ingest_pipeline, "thumbnail_files_store", store_then_die)
    data = zip_bytes({f"SKU/{index}.jpg": picture_bytes(color=(index, 9, 9)) for index in range(6)})
    job = ingest({"Зима.zip": data})
    assert job.status == UploadJob.Status.RUNNING
    assert job.results.filter(outcome=UploadResult.Outcome.PENDING).exists()
    orphans = media_files(media_root) - referenced_files()
    assert orphans, "the simulated kill must leave files without rows for this test to mean anything"

    monkeypatch.setattr(ingest_pipeline, "thumbnail_files_store", real_store)
    silence(job)
    assert upload_jobs_recover() == [job.pk]
    job.refresh_from_db()
    assert job.status == UploadJob.Status.DONE, job.error
    assert (job.added, job.attempts) == (6, 2)
    assert not job.results.filter(outcome=UploadResult.Outcome.PENDING).exists()
    assert media_files(media_root) == referenced_files()
    assert Thumbnail.objects.count() == 6 * len(THUMBNAIL_SPECS)
    assert not (media_root / job.spool).exists()


@pytest.mark.django_db
def test_a_job_that_keeps_killing_its_worker_is_failed_cleanly(ingest, monkeypatch, media_root, settings):
    settings.UPLOAD_JOB_MAX_ATTEMPTS = 1
    real_store = ingest_pipeline.thumbnail_files_store

    def store_then_die(**kwargs):
        real_store(**kwargs)
        raise WorkerKilled

    monkeypatch.setattr(ingest_pipeline, "thumbnail_files_store", store_then_die)
    job = ingest({"a.zip": zip_bytes({"SKU/a.jpg": picture_bytes()})})
    assert media_files(media_root) - referenced_files()
    silence(job)
    upload_jobs_recover()
    job.refresh_from_db()
    assert (job.status, job.error_code) == (UploadJob.Status.FAILED, "gave_up")
    assert media_files(media_root) == referenced_files() == set()
    assert not job.results.filter(outcome=UploadResult.Outcome.PENDING).exists()
    assert not (media_root / job.spool).exists()


def running_job(**fields) -> UploadJob:
    return UploadJob.objects.create(
        kind=UploadJob.Kind.ARCHIVE,
        source_name="a.zip",
        spool="/nonexistent",
        status=UploadJob.Status.RUNNING,
        **fields,
    )


def test_a_job_with_a_recent_heartbeat_is_kept_whatever_its_worker_id_says(db):
    # "host:pid" of a process that is gone on this very host: the old rule took such a job over at once
    job = running_job(worker=f"{socket.gethostname()}:999999999", heartbeat_at=timezone.now())
    assert upload_jobs_recover() == []
    job.refresh_from_db()
    assert job.status == UploadJob.Status.RUNNING


def test_a_silent_job_is_taken_over_even_when_its_worker_id_names_a_live_process(db):
    # containers share host names and each has its own PID 1: "host:1" alive here says nothing
    long_ago = timezone.now() - timedelta(seconds=settings.UPLOAD_JOB_STALE_SECONDS + 1)
    job = running_job(worker=f"{socket.gethostname()}:{os.getpid()}", heartbeat_at=long_ago)
    assert upload_jobs_recover() == [job.pk]
    job.refresh_from_db()
    assert job.status == UploadJob.Status.FAILED  # run again at once (ImmediateBackend): its spool is gone
    assert job.error_code == "spool_missing"


def test_killing_a_real_db_worker_mid_job_then_restarting_it(tmp_path):
    database = tmp_path / "db.sqlite3"
    media = tmp_path / "media"
    spool = media / "spool"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(media),
        "LOCK_DIR": str(tmp_path / "locks"),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "UPLOAD_WORKERS": "1",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "UPLOAD_JOB_STALE_SECONDS": str(STALE_SECONDS),
    }
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=BASE_DIR)
    archive = tmp_path / "upload.zip"
    archive.write_bytes(photo_like_zip(12))
    create = (
        "from django.core.files.uploadedfile import SimpleUploadedFile\n"
        "from uploads.intake import upload_job_create\n"
        f"data = open({str(archive)!r}, 'rb').read()\n"
        "print(upload_job_create(user=None, files=[SimpleUploadedFile('Зима.zip', data)]).pk)\n"
    )
    job_id = int(
        subprocess.run(
            [*manage, "shell", "-v0", "-c", create],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=BASE_DIR,
        ).stdout
    )
    worker_command = [*manage, "db_worker", "--no-startup-delay", "--interval", "0.1", "--no-reload"]

    def query(sql: str):
        with sqlite3.connect(database, timeout=20) as connection:
            return connection.execute(sql).fetchone()

    worker = subprocess.Popen(worker_command, env=env, cwd=BASE_DIR, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while (
            query(f"select count(*) from uploads_uploadresult where job_id={job_id} and outcome='added'")[0]
            < 3
        ):
            assert worker.poll() is None, "the worker stopped by itself"
            assert time.monotonic() < deadline, "the job did not start"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    status, added = query(f"select status, added from uploads_uploadjob where id={job_id}")
    assert status == "running", "the kill must land mid-job for this test to mean anything"
    time.sleep(STALE_SECONDS + 1)  # the dead worker's heartbeat goes stale

    subprocess.run(
        [*worker_command, "--batch"],
        env=env,
        check=True,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        timeout=180,
    )
    status, added, attempts = query(
        f"select status, added, attempts from uploads_uploadjob where id={job_id}"
    )
    assert (status, added, attempts) == ("done", 12, 2)
    assert query(
        f"select count(*) from uploads_uploadresult where job_id={job_id} and outcome='pending'"
    ) == (0,)
    with sqlite3.connect(database) as connection:
        rows = {
            name
            for (name,) in connection.execute(
                "select file from gallery_image union select file from gallery_thumbnail"
            )
        }
    assert len(rows) == 12 * (1 + len(THUMBNAIL_SPECS))
    assert media_files(media) == rows  # no file without a row, no row without a file
    assert not any(spool.iterdir())
