"""A disk that is full or read-only: the upload request answers 507 with a reason (page and JSON), a running
job fails with a stored, translated reason naming how many photos it stored, and nothing is half-written.

Real faults, not mocks: each test mounts a small tmpfs (full after a few hundred KB, or read-only) over
the folder in question, which needs root (CAP_SYS_ADMIN); elsewhere the tests skip, saying so.
"""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from gallery.models import Image, Thumbnail
from uploads.models import UploadJob
from uploads.tests.builders import noise_jpeg, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_disk():
    """Mount a tmpfs of `size` (e.g. "600k", options "ro") over a folder; unmounted at the end."""
    mounted: list[Path] = []

    def mount(folder: Path, size: str, *options: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here (needs root): {result.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "--lazy", str(folder)], check=True)  # lazy: even if a test left a file open


def stored_files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def referenced_files() -> set[str]:
    return set(Image.objects.values_list("file", flat=True)) | set(
        Thumbnail.objects.values_list("file", flat=True)
    )


@pytest.fixture
def post_upload(client_as, uploader, django_capture_on_commit_callbacks):
    def post(path: str, files: dict[str, bytes], **headers):
        data = {"file": [SimpleUploadedFile(name, content) for name, content in files.items()]}
        with django_capture_on_commit_callbacks(execute=True):
            return client_as(uploader).post(path, data, **headers)

    return post


def test_a_job_on_a_full_disk_fails_naming_what_it_stored_and_leaves_no_orphans(
    ingest, small_disk, media_root
):
    small_disk(Path(media_root) / "originals", "600k")  # the spool beside it takes the upload
    archive = {f"Spring/RC-{number}/a.jpg": noise_jpeg(number) for number in range(8)}
    job = ingest({"Spring.zip": zip_bytes(list(archive.items()))})
    assert (job.status, job.error_code) == (UploadJob.Status.FAILED, "storage_full")
    stored = Image.objects.count()
    assert 0 < stored < 8
    assert job.error_text == f"storage is full: {stored} photos were stored, the rest were not"
    with translation.override("ru"):
        assert job.error_text.startswith(f"хранилище заполнено: сохранено фото: {stored}")
    assert stored_files(Path(media_root)) == referenced_files()  # no file without a row, no row without files
    assert not job.results.filter(outcome="pending").exists()
    assert not (Path(media_root) / job.spool).exists()


def test_a_job_on_a_read_only_disk_fails_with_nothing_stored(ingest, small_disk, media_root):
    small_disk(Path(media_root) / "originals", "1m", "ro")  # the spool beside it takes the upload
    job = ingest({"Spring.zip": zip_bytes([("Spring/RC-1/a.jpg", noise_jpeg(1))])})
    assert (job.status, job.error_code) == (UploadJob.Status.FAILED, "storage_unwritable")
    assert job.error_text == "storage cannot be written to: 0 photos were stored, the rest were not"
    assert Image.objects.count() == 0 and stored_files(Path(media_root)) == set()


def test_an_upload_the_spool_cannot_take_answers_507_and_keeps_nothing(post_upload, small_disk, upload_dirs):
    spool = small_disk(Path(upload_dirs), "64k")
    archive = zip_bytes([("Spring/RC-1/a.jpg", noise_jpeg(1))])
    response = post_upload("/api/upload", {"Spring.zip": archive})
    assert response.status_code == 507
    assert response.json()["error"]["code"] == "storage_full"
    assert "storage is full" in response.json()["error"]["message"]
    page = post_upload("/upload/", {"Spring.zip": archive}, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 507
    assert "Хранилище сервера заполнено" in page.content.decode()
    assert UploadJob.objects.count() == 0
    assert list(spool.iterdir()) == []


def test_an_upload_needs_no_room_in_the_temporary_folder(post_upload, small_disk, settings, tmp_path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # Django's own handlers would write the body there
    settings.FILE_UPLOAD_TEMP_DIR = str(small_disk(tmp_path / "body-temp", "64k"))
    archive = zip_bytes([(f"Spring/RC-1/{number}.jpg", noise_jpeg(number)) for number in range(3)])
    response = post_upload("/api/upload", {"Spring.zip": archive})  # streamed into the spool instead
    assert response.status_code == 202
    job = UploadJob.objects.get()
    assert (job.status, job.added) == (UploadJob.Status.DONE, 3), job.error
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []


def test_a_read_only_spool_answers_507_unwritable(post_upload, small_disk, upload_dirs):
    small_disk(Path(upload_dirs), "1m", "ro")
    response = post_upload("/api/upload", {"Spring.zip": zip_bytes([("Spring/RC-1/a.jpg", noise_jpeg(1))])})
    assert response.status_code == 507
    assert response.json()["error"]["code"] == "storage_unwritable"


def test_the_upload_page_answers_507_when_the_csrf_check_reads_the_body_first(
    uploader, small_disk, upload_dirs
):
    """A real browser's form post: CSRF middleware parses the body before the view, so the full spool must be
    reported from there too (the other tests' client skips the CSRF check)."""
    spool = small_disk(Path(upload_dirs), "64k")
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(uploader)
    browser.get("/upload/")
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    archive = SimpleUploadedFile("Spring.zip", zip_bytes([("Spring/RC-1/a.jpg", noise_jpeg(1))]))
    # In the page's order: the token first, then the files, then the album (unread once the spool is full).
    page = browser.post("/upload/", {"csrfmiddlewaretoken": token, "file": [archive], "album": "Spring"})
    assert page.status_code == 507
    assert "storage is full" in page.content.decode()
    assert UploadJob.objects.count() == 0
    assert list(spool.iterdir()) == []
