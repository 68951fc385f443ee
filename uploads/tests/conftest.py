"""Fixtures of the upload tests: a private lock directory, the spool's folder, and a one-call ingest."""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from uploads.intake import upload_job_create
from uploads.models import UploadJob


@pytest.fixture(autouse=True)
def upload_dirs(settings, tmp_path, media_root):
    """The lock directory is private; returns the spool's folder in the (filesystem) media storage."""
    settings.LOCK_DIR = tmp_path / "locks"
    return media_root / "spool"


@pytest.fixture
def quick_locks(settings, tmp_path):
    """Album locks that give up after 0.2 s, in this test's own lock folder."""
    settings.LOCK_DIR = tmp_path / "locks"
    settings.LOCK_TIMEOUT = 0.2


@pytest.fixture
def ingest(django_capture_on_commit_callbacks, uploader) -> Callable[..., UploadJob]:
    """Upload files (name → bytes) as the uploader and run the job to its end (ImmediateBackend)."""

    def run(files: dict[str, bytes], *, user=uploader, **form) -> UploadJob:
        uploads = [SimpleUploadedFile(name, content) for name, content in files.items()]
        with django_capture_on_commit_callbacks(execute=True):
            job = upload_job_create(user=user, files=uploads, **form)
        job.refresh_from_db()
        return job

    return run
