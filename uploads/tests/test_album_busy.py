"""A job whose album another job holds waits in the queue (django-tasks `run_after`) instead of failing, says
so on its page and in the API, and fails with `album_busy` only after UPLOAD_JOB_MAX_WAIT_SECONDS.

The other job is stood for by the test holding the album's lock (`gallery.locks.album_lock`), the very lock an
upload job holds while it works; the queue is django-tasks' DummyBackend, so each run is the test's to start.
"""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tasks import task_backends

from gallery.locks import album_lock
from gallery.models import Album, Image
from gallery.tests.factories import picture_bytes
from uploads.models import UploadJob
from uploads.tasks import upload_job_process
from uploads.tests.builders import zip_bytes

pytestmark = pytest.mark.django_db


def spring_zip(color: tuple[int, int, int]) -> dict[str, bytes]:
    return {"Spring.zip": zip_bytes([(f"Spring/RC-{color[0]}/a.jpg", picture_bytes(color=color))])}


def test_a_second_upload_into_a_busy_album_waits_then_succeeds(ingest, settings, client_as, uploader):
    ingest(spring_zip((10, 10, 10)))  # the first upload makes the album
    album = Album.objects.get()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    queue = task_backends["default"]
    job = ingest(spring_zip((20, 20, 20)))
    assert [result.args for result in queue.results] == [[job.pk]]
    with album_lock(album.pk):  # another job is working on the album
        upload_job_process.call(job.pk)
        upload_job_process.call(job.pk)  # tried again: still busy (waiting is not an attempt)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == (UploadJob.Status.QUEUED, 1, "")
    assert job.waiting_since is not None
    again = queue.results[-1]
    assert again.args == [job.pk] and job.task_id == again.id
    assert again.task.run_after > timezone.now()  # back in the queue with a delay, not failed
    api = client_as(uploader).get(f"/api/uploads/{job.pk}").json()
    assert (api["status"], api["error_code"]) == ("queued", "")
    assert api["waiting"].startswith("waiting for the album “Spring”")
    page = client_as(uploader).get(f"/uploads/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    with translation.override("ru"):
        assert UploadJob.objects.get(pk=job.pk).waiting_text in page
        assert "ждёт альбом" in UploadJob.objects.get(pk=job.pk).waiting_text

    upload_job_process.call(job.pk)  # the album is free now
    job.refresh_from_db()
    assert (job.status, job.added, job.attempts, job.waiting_since) == (UploadJob.Status.DONE, 1, 1, None)
    assert client_as(uploader).get(f"/api/uploads/{job.pk}").json()["waiting"] == ""
    assert Image.objects.filter(album=album).count() == 2


def test_a_job_that_waited_too_long_fails_with_a_clear_reason_and_leaves_nothing(
    ingest, settings, upload_dirs, media_root
):
    ingest(spring_zip((10, 10, 10)))
    album = Album.objects.get()
    files_before = sorted(path for path in media_root.rglob("*") if path.is_file())
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    queue = task_backends["default"]
    job = ingest(spring_zip((20, 20, 20)))
    settings.UPLOAD_JOB_MAX_WAIT_SECONDS = 600
    with album_lock(album.pk):
        upload_job_process.call(job.pk)  # starts waiting
        UploadJob.objects.filter(pk=job.pk).update(waiting_since=timezone.now() - timedelta(seconds=601))
        upload_job_process.call(job.pk)  # still busy, and it has waited long enough
    job.refresh_from_db()
    assert (job.status, job.error_code) == (UploadJob.Status.FAILED, "album_busy")
    assert job.error_text.startswith("the album stayed busy for 10 min")
    assert len(queue.results) == 2  # queued once to wait, not again after failing
    assert Image.objects.filter(album=album).count() == 1
    assert sorted(path for path in media_root.rglob("*") if path.is_file()) == files_before
    assert not list(upload_dirs.glob("*"))  # its spool is gone
