"""The upload spool lives in the media storage: a job accepted on one node runs on a worker with nothing of
that node's local folders, and the spool is gone however the job ends. On the filesystem and on S3."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gallery import files
from gallery.models import Image
from gallery.tests.factories import picture_bytes
from uploads import ingest_files, spool
from uploads.intake import upload_job_create
from uploads.jobs import upload_job_run
from uploads.models import UploadJob
from uploads.tests.builders import zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["filesystem", "s3"])
def storage(request, settings, tmp_path):
    """The media storage, and node A's own folder for Django's temporary upload files."""
    if request.param == "s3":
        request.getfixturevalue("s3_media")
    settings.LOCK_DIR = tmp_path / "locks"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "node-a"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return request.param


def accepted_on_node_a(uploader, django_capture_on_commit_callbacks, photos: int = 3) -> UploadJob:
    """An archive accepted by node A; its task is not run here."""
    archive = zip_bytes({f"Зима/Куртка/{n}.jpg": picture_bytes(color=(n * 40, 0, 0)) for n in range(photos)})
    with django_capture_on_commit_callbacks(execute=False):
        return upload_job_create(user=uploader, files=[SimpleUploadedFile("Зима.zip", archive)])


def spooled() -> list[str]:
    return [name for name, _size in files.walk(spool.SPOOL_PREFIX)]


def on_worker_b(settings, tmp_path, storage: str) -> None:
    """Node A's local folders are out of reach: worker B has folders of its own (and, on S3, no media)."""
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "worker-b"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    if storage == "s3":
        settings.MEDIA_ROOT = tmp_path / "worker-b-media"


def test_a_job_accepted_on_node_a_runs_on_worker_b_and_its_spool_is_deleted(
    storage, settings, tmp_path, uploader, django_capture_on_commit_callbacks
):
    job = accepted_on_node_a(uploader, django_capture_on_commit_callbacks)
    assert job.spool.startswith(spool.SPOOL_PREFIX)
    assert spooled() == [f"{job.spool}00000"]
    on_worker_b(settings, tmp_path, storage)

    upload_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.added) == (UploadJob.Status.DONE, 3), job.error
    assert all(files.exists(image.file.name) for image in Image.objects.all())
    assert spooled() == []
    assert list(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == []  # worker B's temporary copy is gone too


def test_the_spool_is_deleted_when_the_job_fails(
    storage, settings, tmp_path, uploader, django_capture_on_commit_callbacks, monkeypatch
):
    job = accepted_on_node_a(uploader, django_capture_on_commit_callbacks)
    on_worker_b(settings, tmp_path, storage)

    def broken_storage(**kwargs):
        raise RuntimeError("the thumbnails could not be written")

    monkeypatch.setattr(ingest_files, "thumbnail_files_store", broken_storage)
    upload_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error_code) == (UploadJob.Status.FAILED, "internal_error")
    assert spooled() == []


def test_an_upload_that_fails_after_spooling_leaves_no_spool(
    storage, uploader, django_capture_on_commit_callbacks, monkeypatch
):
    def refused(**fields):
        raise RuntimeError("the database refused the job")

    monkeypatch.setattr(UploadJob.objects, "create", refused)
    with pytest.raises(RuntimeError):
        accepted_on_node_a(uploader, django_capture_on_commit_callbacks)

    assert spooled() == []


def test_a_job_whose_spool_is_gone_fails_with_spool_missing(
    storage, uploader, django_capture_on_commit_callbacks
):
    job = accepted_on_node_a(uploader, django_capture_on_commit_callbacks)
    files.folder_delete(job.spool)

    upload_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error_code) == (UploadJob.Status.FAILED, "spool_missing")


def test_old_spools_no_unfinished_job_names_are_swept(
    storage, uploader, django_capture_on_commit_callbacks, monkeypatch
):
    waiting = accepted_on_node_a(uploader, django_capture_on_commit_callbacks, photos=1)
    finished = accepted_on_node_a(uploader, django_capture_on_commit_callbacks, photos=1)
    UploadJob.objects.filter(pk=finished.pk).update(status=UploadJob.Status.FAILED)  # its delete failed
    orphan = spool.spool_store([SimpleUploadedFile("a.zip", b"left by an intake that died")])

    assert spool.spool_orphans_sweep() == []  # younger than a day: an intake may still be at work

    monkeypatch.setattr(spool, "SPOOL_ORPHAN_SECONDS", 0)
    assert sorted(spool.spool_orphans_sweep()) == sorted([finished.spool, orphan])
    assert spooled() == [f"{waiting.spool}00000"]


def test_a_spool_with_no_file_left_is_not_swept(
    storage, settings, uploader, django_capture_on_commit_callbacks, monkeypatch
):
    """A finished job deleted its spool's files, yet SeaweedFS still lists the emptied prefix; on the
    filesystem an intake's folder exists before its first file. Neither is an orphan to delete and report."""
    job = accepted_on_node_a(uploader, django_capture_on_commit_callbacks, photos=1)
    upload_job_run(job_id=job.pk)
    if storage == "filesystem":
        (Path(settings.MEDIA_ROOT) / job.spool).mkdir(parents=True)
    monkeypatch.setattr(spool, "SPOOL_ORPHAN_SECONDS", 0)

    assert spool.spool_orphans_sweep() == []
